/**
 * The one error type the engine client throws, so the pane can tell an engine failure from a Word failure and show
 * the server's own message.
 */

/** Codes the client itself produces; the server may send others (e.g. `model_missing`, `queue_full`). */
export type ClientErrorCode =
  | 'engine_unreachable'
  | 'aborted'
  | 'invalid_ndjson'
  | 'incomplete_stream'
  | 'bad_response'
  | 'http_error'
  | 'version_mismatch';

/** The engine that answered with another API version than this pane's (`version_mismatch`). */
export interface EngineVersion {
  /** The engine's package version, when it said. */
  version: string | null;
  /** Its API version; null for an engine from before API versions. */
  apiVersion: number | null;
}

/** A failure talking to the engine: before streaming (HTTP status), in the stream (`error` event), or on the wire. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  /** Machine-readable cause: the server's `code`, or one of {@link ClientErrorCode}. */
  readonly code: string;
  /** HTTP status when the engine answered with a non-2xx status; undefined otherwise. */
  readonly status?: number;
  /** Seconds the engine asked us to wait (`Retry-After` on 429/503); undefined when it did not say. */
  readonly retryAfterSeconds?: number;
  /** For `version_mismatch`: the engine that answered. */
  readonly engine?: EngineVersion;

  constructor(
    code: string,
    message: string,
    options: { status?: number; retryAfterSeconds?: number; cause?: unknown; engine?: EngineVersion } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.engine = options.engine;
  }
}

/** True for an {@link EngineError}, including one from another copy of this module (tests, hot reload). */
export function isEngineError(value: unknown): value is EngineError {
  return value instanceof EngineError || (value instanceof Error && value.name === 'EngineError');
}

/**
 * Parses a `Retry-After` header (delta-seconds or an HTTP date) into whole seconds from `now`.
 * Returns undefined for a missing or unparsable value.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
