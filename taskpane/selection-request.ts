/**
 * "Summarize selection" from the context menu, handed to the pane. With a shared runtime the command runs in the
 * pane's own page and tells it at once; without one it runs in a page of its own, and the request goes through
 * localStorage, which every page of the add-in's origin shares: the open pane hears of it (a `storage` event, or
 * when it next gets the focus), and a pane opened soon after picks it up when it starts.
 */

/** localStorage key of a pending request: the time it was made. */
export const SELECTION_REQUEST_KEY = 'localscribe.summarize-selection';
/** The in-page event for a request made in the pane's own page. */
const EVENT = 'localscribe:summarize-selection';
/** A request older than this is not acted on: the user has moved on. */
export const SELECTION_REQUEST_MAX_AGE_MS = 2 * 60 * 1000;

/**
 * Records a request; with `inThisPage` (a shared runtime) also tells a pane in this page at once. Never throws:
 * where storage is unavailable only the in-page event remains.
 */
export function requestSelectionRun(inThisPage: boolean, win: Window = window, now = Date.now()): void {
  try {
    win.localStorage.setItem(SELECTION_REQUEST_KEY, String(now));
  } catch {
    // Storage disabled: a pane in this page still hears the event below.
  }
  if (inThisPage) win.dispatchEvent(new Event(EVENT));
}

/** Takes the pending request, if a fresh one is there (it is removed either way). Never throws. */
export function takeSelectionRequest(win: Window = window, now = Date.now()): boolean {
  try {
    const at = Number(win.localStorage.getItem(SELECTION_REQUEST_KEY));
    if (!at) return false;
    win.localStorage.removeItem(SELECTION_REQUEST_KEY);
    return now - at <= SELECTION_REQUEST_MAX_AGE_MS && at <= now + SELECTION_REQUEST_MAX_AGE_MS;
  } catch {
    return false;
  }
}

/**
 * Calls `onRequest` for every request, wherever it was made: now (one pending when this starts), in this page, in
 * another page (a `storage` event), or found when the pane gets the focus or is shown. Returns the unsubscribe.
 */
export function onSelectionRequest(onRequest: () => void, win: Window = window): () => void {
  const check = (): void => {
    if (takeSelectionRequest(win)) onRequest();
  };
  const onStorage = (e: StorageEvent): void => {
    if (e.key === SELECTION_REQUEST_KEY && e.newValue) check();
  };
  const onVisible = (): void => {
    if (win.document.visibilityState === 'visible') check();
  };
  win.addEventListener(EVENT, check);
  win.addEventListener('storage', onStorage);
  win.addEventListener('focus', check);
  win.document.addEventListener('visibilitychange', onVisible);
  check();
  return () => {
    win.removeEventListener(EVENT, check);
    win.removeEventListener('storage', onStorage);
    win.removeEventListener('focus', check);
    win.document.removeEventListener('visibilitychange', onVisible);
  };
}
