/**
 * One generation at a time, a few waiting, the rest refused at once: admission happens before the response
 * starts, so an overloaded engine answers 429 instead of a stream that never begins.
 */
export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('The engine is busy with other summaries; try again shortly.');
    this.name = 'QueueFullError';
  }
}

/** A place in the queue. `ready` resolves when it is this ticket's turn; `leave` must always be called. */
export interface Ticket {
  ready(signal?: AbortSignal): Promise<void>;
  leave(): void;
}

export class GenerationQueue {
  private running: symbol | null = null;
  private readonly waiting: Array<{ token: symbol; wake: () => void }> = [];

  constructor(
    readonly maxWaiting: number,
    private readonly retryAfterSeconds = 5,
  ) {}

  get stats(): { running: number; waiting: number } {
    return { running: this.running ? 1 : 0, waiting: this.waiting.length };
  }

  /**
   * Takes a place in line.
   * @throws QueueFullError when `maxWaiting` requests already wait.
   */
  enter(): Ticket {
    if (this.running && this.waiting.length >= this.maxWaiting)
      throw new QueueFullError(this.retryAfterSeconds);
    const token = Symbol('ticket');
    let wake: () => void = () => undefined;
    const turn = new Promise<void>((resolve) => (wake = resolve));
    if (!this.running) {
      this.running = token;
      wake();
    } else this.waiting.push({ token, wake });
    let left = false;
    return {
      ready: (signal) =>
        new Promise<void>((resolve, reject) => {
          if (signal?.aborted) return reject(signal.reason);
          signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
          turn.then(resolve, reject);
        }),
      leave: () => {
        if (left) return;
        left = true;
        if (this.running === token) {
          const next = this.waiting.shift();
          this.running = next ? next.token : null;
          next?.wake();
        } else {
          const i = this.waiting.findIndex((w) => w.token === token);
          if (i >= 0) this.waiting.splice(i, 1);
        }
      },
    };
  }
}
