/**
 * `POST /api/summarize`: the streaming summary.
 */
import type { SummarizeBody, SummaryEvent, ErrorEvent } from '../../localhost-engine/api/schemas';
import { EngineError } from './engine-error';
import { request, throwIfNotOk, toEngineError, type ClientOptions } from './http';
import { parseNdjson } from './parse-ndjson';

/** Events `summarize` yields: every event but `error`, which it throws instead. */
export type StreamEvent = Exclude<SummaryEvent, ErrorEvent>;

/** Options of {@link summarize}. */
export interface SummarizeOptions extends ClientOptions {
  /** Aborting it closes the connection, which cancels the work on the engine. */
  signal?: AbortSignal;
}

/**
 * Asks the engine for a summary and yields its events as they arrive, ending after `done`.
 *
 * @throws {EngineError} with the server's `code` and `message` for a non-2xx answer (`status` set, and
 *   `retryAfterSeconds` from `Retry-After` on 429/503) or for an `error` event in the stream; `aborted` when
 *   `signal` aborts; `engine_unreachable` when the request fails on the network; `invalid_ndjson` /
 *   `incomplete_stream` for a malformed or truncated stream; `bad_response` for a 2xx without a body.
 */
export async function* summarize(
  body: SummarizeBody,
  options: SummarizeOptions = {},
): AsyncGenerator<StreamEvent, void, undefined> {
  const { signal } = options;
  const response = await request(options, '/api/summarize', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson' },
    body: JSON.stringify(body),
    signal,
  });
  await throwIfNotOk(response);
  if (!response.body) throw new EngineError('bad_response', 'The engine answered without a body.');
  try {
    for await (const event of parseNdjson(response.body)) {
      if (event.type === 'error') throw new EngineError(event.code, event.message);
      yield event;
    }
  } catch (cause) {
    // A reader aborted mid-stream rejects with whatever the platform uses; report it uniformly.
    if (signal?.aborted) throw toEngineError(cause, signal);
    throw cause instanceof EngineError ? cause : toEngineError(cause, signal);
  }
}
