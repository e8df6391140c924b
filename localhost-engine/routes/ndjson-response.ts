/**
 * What the streaming routes share: refusals as errors the central handler turns into JSON, the JSON-only check
 * that keeps cross-site "simple" POSTs out (415), and a streamed response (NDJSON, or server-sent events for the
 * OpenAI-compatible routes) written event by event, in order, with back-pressure.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

/** An error the app's error handler answers with `statusCode` and `{ code, message }`. */
export function httpError(statusCode: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { statusCode, code });
}

/** A `preValidation` hook: 415 unless the request says `Content-Type: application/json`. */
export async function requireJson(request: FastifyRequest): Promise<void> {
  const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw httpError(
      415,
      'unsupported_media_type',
      'Send the request as JSON (Content-Type: application/json).',
    );
  }
}

export interface NdjsonWriter<T> {
  /** Writes one event as a line; waits while the client's buffer is full; a no-op once the client is gone. */
  write(event: T): Promise<void>;
  /** Ends the response if the client is still there. */
  end(): void;
}

/** Takes over the reply and sends headers at once; each event is written as `encode` makes it. */
function startStream<T>(
  reply: FastifyReply,
  contentType: string,
  encode: (event: T) => string,
): NdjsonWriter<T> {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': contentType,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.flushHeaders();
  return {
    async write(event) {
      if (res.destroyed || res.writableEnded) return;
      if (res.write(encode(event))) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    },
    end() {
      if (!res.destroyed && !res.writableEnded) res.end();
    },
  };
}

/** Takes over the reply and sends NDJSON headers at once, so the client knows it was accepted. */
export function startNdjson<T>(reply: FastifyReply): NdjsonWriter<T> {
  return startStream<T>(
    reply,
    'application/x-ndjson; charset=utf-8',
    (event) => `${JSON.stringify(event)}\n`,
  );
}

/** The same as server-sent events (`data: JSON`, a blank line after each), as OpenAI-compatible clients read them. */
export function startEventStream(reply: FastifyReply): NdjsonWriter<unknown> {
  return startStream<unknown>(reply, 'text/event-stream; charset=utf-8', (event) =>
    typeof event === 'string' ? `data: ${event}\n\n` : `data: ${JSON.stringify(event)}\n\n`,
  );
}
