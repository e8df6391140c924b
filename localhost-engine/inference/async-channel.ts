/**
 * A single-consumer queue that turns pushed values into an async iterable — how callbacks from the worker become
 * the `for await` stream a route writes out.
 */
export class AsyncChannel<T> implements AsyncIterable<T> {
  private buffer: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | null = null;
  private failure: Error | null = null;
  private closed = false;

  push(value: T): void {
    if (this.closed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value, done: false });
    } else this.buffer.push(value);
  }

  /** Ends the stream after the buffered values; with `error`, the consumer's read after them throws it. */
  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.failure = error ?? null;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value: undefined as never, done: true });
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.buffer.length > 0) {
        yield this.buffer.shift() as T;
        continue;
      }
      if (this.closed) {
        if (this.failure) throw this.failure;
        return;
      }
      const result = await new Promise<IteratorResult<T>>((resolve) => (this.waiting = resolve));
      if (result.done) {
        if (this.failure) throw this.failure;
        return;
      }
      yield result.value;
    }
  }
}
