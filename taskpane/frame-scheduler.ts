/**
 * One callback per display frame: `requestAnimationFrame` where it exists and runs, a timer otherwise.
 */

/** Cancels a scheduled frame callback. */
export type CancelFrame = () => void;

/** Milliseconds of the fallback timer, about one frame at 60 Hz. */
const FALLBACK_MS = 16;

/**
 * Runs `callback` once, at the next animation frame. A hidden pane gets no animation frames in some hosts, so a
 * timer races the frame and whichever comes first wins; the callback never runs twice.
 */
export function scheduleFrame(callback: () => void): CancelFrame {
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    cancel();
    callback();
  };
  const raf = typeof requestAnimationFrame === 'function' ? requestAnimationFrame(run) : undefined;
  // The timer is generous (a few frames) so that rAF normally wins and batches stay one per painted frame.
  const timer = setTimeout(run, raf === undefined ? FALLBACK_MS : FALLBACK_MS * 4);
  function cancel(): void {
    if (raf !== undefined && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(raf);
    clearTimeout(timer);
  }
  return () => {
    done = true;
    cancel();
  };
}
