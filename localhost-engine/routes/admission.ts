/**
 * How a generating request gets its turn: a place in the queue (429 with `Retry-After` when it is full, before any
 * response starts), and a signal that aborts when the client goes away or the request runs past its bound.
 */
import type { FastifyReply } from 'fastify';
import { QueueFullError, type GenerationQueue, type Ticket } from '../summarize/generation-queue';
import { httpError } from './ndjson-response';

export interface Admission {
  ticket: Ticket;
  /** Aborts when the client closes the connection or `maxRequestMs` passes. */
  signal: AbortSignal;
  timedOut(): boolean;
  /** Leaves the queue and stops the clock; call it once the work is over. */
  release(): void;
}

/**
 * Takes a place in `queue` for the request behind `reply`.
 * @throws a 429 `queue_full` error (with `Retry-After` set) when the queue is full.
 */
export function admit(queue: GenerationQueue, reply: FastifyReply, maxRequestMs: number): Admission {
  let ticket: Ticket;
  try {
    ticket = queue.enter();
  } catch (err) {
    if (err instanceof QueueFullError) {
      reply.header('retry-after', String(err.retryAfterSeconds));
      throw httpError(429, 'queue_full', err.message);
    }
    throw err;
  }
  const controller = new AbortController();
  const res = reply.raw;
  res.on('close', () => {
    if (!res.writableFinished) controller.abort(new Error('client disconnected'));
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error('timeout'));
  }, maxRequestMs);
  return {
    ticket,
    signal: controller.signal,
    timedOut: () => timedOut,
    release() {
      clearTimeout(timer);
      ticket.leave();
    },
  };
}
