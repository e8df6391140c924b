/**
 * The HTTP plumbing shared by the engine client's calls: same-origin URLs, an injectable `fetch`, and turning
 * failures into {@link EngineError}s.
 */
import { EngineError, parseRetryAfter } from './engine-error';

/** The `fetch` signature the client needs; tests inject their own. */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Options every call accepts. */
export interface ClientOptions {
  /** Replaces the global `fetch` (tests, or a pane served from elsewhere). */
  fetch?: FetchLike;
  /** Prefix for the API paths; empty (same origin) by default. */
  baseUrl?: string;
}

export function resolveFetch(options: ClientOptions): FetchLike {
  if (options.fetch) return options.fetch;
  // Bound to globalThis: some browsers throw "Illegal invocation" for an unbound fetch.
  return (input, init) => globalThis.fetch(input, init);
}

/** Calls fetch, mapping a network failure to `engine_unreachable` and an abort to `aborted`. */
export async function request(
  options: ClientOptions,
  path: string,
  init: RequestInit & { signal?: AbortSignal },
): Promise<Response> {
  try {
    return await resolveFetch(options)(`${options.baseUrl ?? ''}${path}`, init);
  } catch (cause) {
    throw toEngineError(cause, init.signal);
  }
}

/** Maps an abort (by signal or by error name) to `aborted`, anything else not already typed to `engine_unreachable`. */
export function toEngineError(cause: unknown, signal?: AbortSignal): EngineError {
  if (cause instanceof EngineError) return cause;
  if (signal?.aborted || (cause instanceof Error && cause.name === 'AbortError')) {
    return new EngineError('aborted', 'The request was stopped.', { cause });
  }
  return new EngineError(
    'engine_unreachable',
    'The LocalScribe engine is not reachable. Is it running? `localscribe doctor` says why not.',
    {
      cause,
    },
  );
}

/**
 * Throws an {@link EngineError} for a non-2xx response, with the server's `message` and `code` when its body is
 * the engine's JSON error shape, and `Retry-After` (429/503) in `retryAfterSeconds`.
 */
export async function throwIfNotOk(response: Response): Promise<void> {
  if (response.ok) return;
  let code = 'http_error';
  let message = `The engine answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`;
  try {
    const body = (await response.json()) as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string' && body.code !== '') code = body.code;
    if (typeof body.message === 'string' && body.message !== '') message = body.message;
  } catch {
    // Not JSON (a proxy's page, an empty body): keep the generic message.
  }
  throw new EngineError(code, message, {
    status: response.status,
    retryAfterSeconds: parseRetryAfter(response.headers.get('Retry-After')),
  });
}
