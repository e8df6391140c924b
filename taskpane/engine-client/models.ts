/**
 * `/api/models`: the catalog with what is installed, and the model download with its progress.
 */
import type { ErrorEvent, ModelDownloadEvent, ModelsResponse } from '../../localhost-engine/api/schemas';
import { EngineError } from './engine-error';
import { request, throwIfNotOk, toEngineError, type ClientOptions } from './http';
import { parseNdjson } from './parse-ndjson';

/** Events `downloadModel` yields: every event but `error`, which it throws instead. */
export type DownloadEvent = Exclude<ModelDownloadEvent, ErrorEvent>;

/** Options of the model calls. */
export interface ModelsOptions extends ClientOptions {
  /** Aborting stops reading; the download itself goes on in the engine (cancel it with `cancelModelDownload`). */
  signal?: AbortSignal;
}

/**
 * Lists the catalog's models with their state, other model folders found, and the running download.
 * @throws {EngineError} as `getHealth` does; `bad_response` when the body is not a model list.
 */
export async function listModels(options: ModelsOptions = {}): Promise<ModelsResponse> {
  const response = await request(options, '/api/models', {
    method: 'GET',
    headers: { Accept: 'application/json' },
    cache: 'no-store',
    signal: options.signal,
  });
  await throwIfNotOk(response);
  const body = (await response.json().catch(() => null)) as ModelsResponse | null;
  if (!body || !Array.isArray(body.models)) {
    throw new EngineError('bad_response', 'The engine sent a model list in an unknown shape.');
  }
  return body;
}

/**
 * Starts downloading model `id` (or joins its running download) and yields its events as they arrive, ending
 * after `done`. Closing (abort, or leaving the loop) does not cancel the download.
 *
 * @throws {EngineError} the server's code for a refusal (`unknown_model` 404, `already_installed` /
 *   `download_running` 409, `invalid_request` 400) or for an `error` event (`not_found`, `checksum_mismatch`,
 *   `disk_full`, `stalled`, `cancelled`, …, with the engine's message); `aborted`, `engine_unreachable`,
 *   `incomplete_stream` as `summarize` does.
 */
export async function* downloadModel(
  id: string,
  options: ModelsOptions = {},
): AsyncGenerator<DownloadEvent, void, undefined> {
  const { signal } = options;
  const response = await request(options, `/api/models/${encodeURIComponent(id)}/download`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson' },
    body: '{}',
    signal,
  });
  await throwIfNotOk(response);
  if (!response.body) throw new EngineError('bad_response', 'The engine answered without a body.');
  try {
    for await (const line of parseNdjson(response.body)) {
      const event = line as unknown as ModelDownloadEvent;
      if (event.type === 'error') throw new EngineError(event.code, event.message);
      yield event;
    }
  } catch (cause) {
    if (signal?.aborted) throw toEngineError(cause, signal);
    if (cause instanceof EngineError && cause.code === 'incomplete_stream') {
      throw new EngineError(
        'incomplete_stream',
        'The connection to the engine ended before the download finished; it may still be running.',
      );
    }
    throw cause instanceof EngineError ? cause : toEngineError(cause, signal);
  }
}

/**
 * Cancels the running download of `id`; the bytes received so far stay on disk and the next download resumes.
 * @throws {EngineError} `not_downloading` (404) when none runs, or as the other calls.
 */
export async function cancelModelDownload(id: string, options: ModelsOptions = {}): Promise<void> {
  const response = await request(options, `/api/models/${encodeURIComponent(id)}/download`, {
    method: 'DELETE',
    headers: { Accept: 'application/json' },
    signal: options.signal,
  });
  await throwIfNotOk(response);
}
