import { GenerationQueue, QueueFullError } from '../../../localhost-engine/summarize/generation-queue';

describe('GenerationQueue', () => {
  it('runs one at a time, in order, and refuses beyond its waiting room', async () => {
    const queue = new GenerationQueue(2, 7);
    const order: string[] = [];
    const a = queue.enter();
    const b = queue.enter();
    const c = queue.enter();
    expect(() => queue.enter()).toThrow(QueueFullError);
    expect(queue.stats).toEqual({ running: 1, waiting: 2 });
    const done = Promise.all([
      a.ready().then(() => order.push('a')),
      b.ready().then(() => order.push('b')),
      c.ready().then(() => order.push('c')),
    ]);
    await a.ready();
    a.leave();
    await b.ready();
    b.leave();
    await c.ready();
    c.leave();
    await done;
    expect(order).toEqual(['a', 'b', 'c']);
    expect(queue.stats).toEqual({ running: 0, waiting: 0 });
  });

  it('drops a waiting request whose client left, and says how long to wait when full', async () => {
    const queue = new GenerationQueue(1, 7);
    const a = queue.enter();
    const b = queue.enter();
    const controller = new AbortController();
    const waiting = b.ready(controller.signal);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    b.leave();
    expect(queue.stats).toEqual({ running: 1, waiting: 0 });
    queue.enter();
    try {
      queue.enter();
      throw new Error('expected the queue to be full');
    } catch (err) {
      expect((err as QueueFullError).retryAfterSeconds).toBe(7);
    }
    a.leave();
  });
});
