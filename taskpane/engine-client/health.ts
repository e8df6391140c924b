/**
 * `GET /api/health`: is the engine up, and what state is the model in.
 */
import type { HealthResponse } from '../../localhost-engine/api/schemas';
import { EngineError } from './engine-error';
import { request, throwIfNotOk, type ClientOptions } from './http';

/** Options of {@link getHealth}. */
export interface HealthOptions extends ClientOptions {
  signal?: AbortSignal;
}

/**
 * Fetches the engine's health.
 *
 * @throws {EngineError} `engine_unreachable` when nothing answers, `aborted` when `signal` aborts, the server's
 *   code for a non-2xx status, `bad_response` when the body is not a health object.
 */
export async function getHealth(options: HealthOptions = {}): Promise<HealthResponse> {
  const response = await request(options, '/api/health', {
    method: 'GET',
    headers: { Accept: 'application/json' },
    cache: 'no-store',
    signal: options.signal,
  });
  await throwIfNotOk(response);
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    throw new EngineError('bad_response', 'The engine sent a health answer that is not JSON.', { cause });
  }
  const model = (body as { model?: unknown } | null)?.model;
  if (
    typeof model !== 'object' ||
    model === null ||
    typeof (model as { state?: unknown }).state !== 'string'
  ) {
    throw new EngineError('bad_response', 'The engine sent a health answer without a model state.');
  }
  return body as HealthResponse;
}
