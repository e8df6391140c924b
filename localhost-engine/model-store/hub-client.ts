/**
 * The Hugging Face hub's HTTP surface, as much of it as downloading a model folder needs:
 * - `GET {base}/api/models/{repo}/tree/{revision}/{folder}`: a JSON array of entries
 *   `{ type: 'file'|'directory', path, size, oid (git blob SHA-1), lfs?: { oid (SHA-256), size, pointerSize } }`,
 *   paginated with a `Link: <…>; rel="next"` header;
 * - `GET {base}/{repo}/resolve/{revision}/{path}`: the file's bytes, usually after a redirect to a CDN, with
 *   `Range: bytes=N-` answered by `206` and `Content-Range: bytes N-M/TOTAL`.
 * The base URL is configurable, so a mirror that serves the same shapes works unchanged.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { DownloadError } from './download-error';

export interface HubClientOptions {
  /** e.g. `https://huggingface.co`, or an organization's mirror. */
  baseUrl: string;
  /** Extra certificate authority to trust (tests, a mirror with an internal CA); `NODE_EXTRA_CA_CERTS` works too. */
  ca?: string;
  /** No byte for this long on a connection fails it as `stalled` (default 30 s). */
  stallMs?: number;
  userAgent?: string;
}

/** One file as the hub describes it: what the downloader checks the bytes against. */
export interface HubFile {
  /** Path inside the repository. */
  path: string;
  size: number;
  /** SHA-256 of the content, published for LFS/Xet files. */
  sha256: string | null;
  /** Git blob SHA-1 (`sha1("blob <size>\0" + content)`), the `oid` of files stored in git itself. */
  gitSha1: string | null;
}

const MAX_REDIRECTS = 5;
const MAX_TREE_PAGES = 20;
const MAX_TREE_BYTES = 8 * 1024 * 1024;

function encodePath(p: string): string {
  return p
    .split('/')
    .filter((s) => s !== '')
    .map(encodeURIComponent)
    .join('/');
}

function isHex(value: unknown, length: number): value is string {
  return typeof value === 'string' && value.length === length && /^[0-9a-f]+$/i.test(value);
}

/** The `rel="next"` URL of a `Link` header, if any. */
function nextLink(header: string | string[] | undefined): string | null {
  const text = Array.isArray(header) ? header.join(',') : header;
  if (!text) return null;
  for (const part of text.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (m) return m[1];
  }
  return null;
}

export class HubClient {
  readonly baseUrl: string;
  readonly stallMs: number;

  constructor(private readonly options: HubClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new Error(`The hub URL "${options.baseUrl}" is not a URL.`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new Error(
        `The hub URL "${options.baseUrl}" must start with https:// (or http:// for a local mirror).`,
      );
    }
    this.baseUrl = url.href.replace(/\/+$/, '');
    this.stallMs = options.stallMs ?? 30_000;
  }

  /** The download URL of one file. */
  resolveUrl(repo: string, revision: string, file: string): string {
    return `${this.baseUrl}/${encodePath(repo)}/resolve/${encodeURIComponent(revision)}/${encodePath(file)}`;
  }

  /** The tree API URL of one folder ("" for the repository root). */
  treeUrl(repo: string, revision: string, folder: string): string {
    const tail = folder ? `/${encodePath(folder)}` : '';
    return `${this.baseUrl}/api/models/${encodePath(repo)}/tree/${encodeURIComponent(revision)}${tail}`;
  }

  /**
   * Lists the files directly in `folder` of `repo` at `revision`, with their sizes and checksums.
   * @throws DownloadError `not_found` (404), `forbidden` (401/403), `server_error` (5xx), `bad_response` (not the
   *   tree API's JSON shape), or a network error code.
   */
  async listFolder(repo: string, revision: string, folder: string, signal?: AbortSignal): Promise<HubFile[]> {
    const files: HubFile[] = [];
    let url: string | null = this.treeUrl(repo, revision, folder);
    for (let page = 0; url && page < MAX_TREE_PAGES; page += 1) {
      const res = await this.get(url, { accept: 'application/json' }, signal);
      const where = `the file list of ${repo}${folder ? `/${folder}` : ''} at revision ${revision}`;
      if (res.statusCode !== 200) {
        res.resume();
        throw statusError(res.statusCode ?? 0, where);
      }
      const body = await readBody(res, MAX_TREE_BYTES, signal);
      let entries: unknown;
      try {
        entries = JSON.parse(body);
      } catch {
        throw new DownloadError('bad_response', `The hub sent ${where} as something other than JSON.`);
      }
      if (!Array.isArray(entries))
        throw new DownloadError('bad_response', `The hub sent ${where} in an unknown shape.`);
      for (const raw of entries as Record<string, unknown>[]) {
        if (!raw || typeof raw !== 'object' || raw.type !== 'file') continue;
        const lfs = raw.lfs as Record<string, unknown> | undefined;
        const size = typeof lfs?.size === 'number' ? lfs.size : raw.size;
        if (
          typeof raw.path !== 'string' ||
          typeof size !== 'number' ||
          !Number.isSafeInteger(size) ||
          size < 0
        ) {
          throw new DownloadError(
            'bad_response',
            `The hub sent ${where} with an entry lacking a path or size.`,
          );
        }
        files.push({
          path: raw.path,
          size,
          sha256: isHex(lfs?.oid, 64) ? (lfs!.oid as string).toLowerCase() : null,
          gitSha1: !lfs && isHex(raw.oid, 40) ? (raw.oid as string).toLowerCase() : null,
        });
      }
      const next = nextLink(res.headers.link);
      url = next ? new URL(next, url).href : null;
    }
    return files;
  }

  /**
   * GETs `url`, following redirects (to a CDN, as the hub does) but never from https to http. Resolves with the
   * response once its headers arrive; the caller reads or discards the body. A connection idle for `stallMs`
   * (headers or body) fails with `stalled`.
   * @throws DownloadError `network_error`, `stalled`, `bad_response` (a bad redirect), `cancelled` on abort.
   */
  async get(
    url: string,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<IncomingMessage> {
    let current = new URL(url);
    for (let hop = 0; hop <= MAX_REDIRECTS; hop += 1) {
      const res = await this.once(current, headers, signal);
      const status = res.statusCode ?? 0;
      if (![301, 302, 303, 307, 308].includes(status)) return res;
      res.resume();
      const location = res.headers.location;
      if (!location)
        throw new DownloadError('bad_response', `The hub redirected ${current.href} without a location.`);
      const next = new URL(location, current);
      if (next.protocol !== 'https:' && !(next.protocol === 'http:' && current.protocol === 'http:')) {
        throw new DownloadError(
          'bad_response',
          `The hub redirected to ${next.protocol} URL ${next.href}; refused.`,
        );
      }
      current = next;
    }
    throw new DownloadError('bad_response', `The hub redirected ${url} more than ${MAX_REDIRECTS} times.`);
  }

  private once(url: URL, headers: Record<string, string>, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(cancelled());
        return;
      }
      const lib = url.protocol === 'https:' ? https : http;
      const req = lib.request(url, {
        method: 'GET',
        headers: { 'user-agent': this.options.userAgent ?? 'localscribe', ...headers },
        ca: url.protocol === 'https:' && this.options.ca ? this.options.ca : undefined,
        agent: false,
      });
      let response: IncomingMessage | null = null;
      const onAbort = (): void => {
        const err = cancelled();
        if (response) response.destroy(err);
        req.destroy(err);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.setTimeout(this.stallMs, () => {
        const err = new DownloadError(
          'stalled',
          `The connection to ${url.host} stalled: nothing arrived for ${this.stallMs < 1000 ? `${this.stallMs} ms` : `${Math.round(this.stallMs / 1000)} s`}.`,
        );
        if (response) response.destroy(err);
        req.destroy(err);
      });
      req.on('response', (res) => {
        response = res;
        res.once('close', () => signal?.removeEventListener('abort', onAbort));
        resolve(res);
      });
      req.on('error', (err) => {
        signal?.removeEventListener('abort', onAbort);
        reject(
          err instanceof DownloadError
            ? err
            : new DownloadError('network_error', `Cannot reach ${url.host}: ${err.message}`, { cause: err }),
        );
      });
      req.end();
    });
  }
}

function cancelled(): DownloadError {
  return new DownloadError('cancelled', 'The download was cancelled.');
}

/** The error for a non-success status, naming what was asked for. */
export function statusError(status: number, what: string): DownloadError {
  if (status === 404) return new DownloadError('not_found', `The hub has no ${what} (404 Not Found).`);
  if (status === 401 || status === 403) {
    return new DownloadError('forbidden', `The hub refused access to ${what} (${status}).`);
  }
  if (status >= 500) {
    return new DownloadError('server_error', `The hub failed to send ${what} (${status}); try again later.`);
  }
  return new DownloadError('bad_response', `The hub answered ${status} for ${what}.`);
}

async function readBody(res: IncomingMessage, limit: number, signal?: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limit) {
        res.destroy();
        throw new DownloadError('bad_response', 'The hub sent a file list larger than any model folder has.');
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    if (signal?.aborted) throw cancelled();
    throw new DownloadError(
      'network_error',
      `The connection broke while reading the file list: ${(err as Error).message}`,
    );
  }
  return Buffer.concat(chunks).toString('utf8');
}
