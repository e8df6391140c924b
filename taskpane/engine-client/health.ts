/**
 * `GET /api/health`: is the engine up, and what state is the model in.
 */
import { API_VERSION } from '../../localhost-engine/api/api-version';
import type { HealthResponse } from '../../localhost-engine/api/schemas';
import { EngineError, type EngineVersion } from './engine-error';
import { request, throwIfNotOk, type ClientOptions } from './http';

/** Options of {@link getHealth}. */
export interface HealthOptions extends ClientOptions {
  signal?: AbortSignal;
}

/**
 * Fetches the engine's health.
 *
 * @throws {EngineError} `engine_unreachable` when nothing answers, `aborted` when `signal` aborts, the server's
 *   code for a non-2xx status, `version_mismatch` (with `engine`) when the engine speaks another API version than
 *   this pane, `bad_response` when the body is not a health object.
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
  // First the API version: a pane Word cached may meet an engine whose answers have another shape.
  const { status, apiVersion, version } = (body ?? {}) as Record<string, unknown>;
  if (status !== 'ok')
    throw new EngineError('bad_response', 'The engine sent a health answer without status "ok".');
  if (apiVersion !== API_VERSION) {
    const engine = {
      version: typeof version === 'string' ? version : null,
      apiVersion: typeof apiVersion === 'number' ? apiVersion : null,
    };
    throw new EngineError('version_mismatch', versionMismatchMessage(engine), { engine });
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

/** What to do about an engine with another API version: reload the pane when it is the older one, else update. */
export function versionMismatchMessage(engine: EngineVersion): string {
  const named = engine.version ? `LocalScribe ${engine.version}` : 'an older LocalScribe';
  if (engine.apiVersion !== null && engine.apiVersion > API_VERSION) {
    return `The engine was updated (${named}) and this pane is the previous one, which Word kept. Close the pane and open it again to load the new one; if this message stays, restart Word.`;
  }
  return `The engine that answers (${named}) is older than this pane. Update LocalScribe and restart it: run \`localscribe setup\` again (or \`npm start\` in a clone), then reopen the pane.`;
}
