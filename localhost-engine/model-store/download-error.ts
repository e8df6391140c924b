/**
 * Why a download ended, as a stable code (the API's `error` event, the CLI's exit message) and a message that
 * says what happened and what to do.
 */

export type DownloadErrorCode =
  /** The hub has no such repository, revision or file (404). */
  | 'not_found'
  /** The hub refused access (401/403): a gated repository or a mirror that wants credentials. */
  | 'forbidden'
  /** The hub kept answering with 5xx. */
  | 'server_error'
  /** No bytes arrived for the stall timeout, on every retry. */
  | 'stalled'
  /** The connection kept failing (refused, reset, DNS) on every retry. */
  | 'network_error'
  /** The hub sent a different number of bytes than it lists for the file. */
  | 'size_mismatch'
  /** The bytes do not hash to what the hub publishes. */
  | 'checksum_mismatch'
  /** Not enough free space, before starting or while writing. */
  | 'disk_full'
  /** The hub answered something this downloader does not understand (bad JSON, bad Content-Range, …). */
  | 'bad_response'
  /** The downloaded folder is not a model the engine can load. */
  | 'invalid_model'
  /** Another process is downloading the same model. */
  | 'busy'
  /** Stopped by the caller (cancel, shutdown); the bytes received so far are kept for a resume. */
  | 'cancelled'
  /** A local file system error other than a full disk. */
  | 'io_error';

/** A download that ended without installing the model. */
export class DownloadError extends Error {
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DownloadError';
  }
}

/** Failures worth another try with a resume from the bytes already on disk. */
export function isTransient(err: unknown): boolean {
  return (
    err instanceof DownloadError &&
    (err.code === 'stalled' || err.code === 'network_error' || err.code === 'server_error')
  );
}

/** "2.72 GB", "540 MB", "12.0 kB": decimal units, as the hub and file managers show sizes. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${bytes} bytes`;
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2)} ${units[unit]}`;
}
