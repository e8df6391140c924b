/**
 * HTTP to an upstream server: one connection pool per upstream, requests that abort the moment their signal does,
 * a bound on silence, 429/503 answers retried after `Retry-After` (bounded), and network failures turned into
 * errors that say what to check.
 */
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { InferenceError } from '../inference/inference-worker-client';

export interface RetryPolicy {
  /** Retries after a 429 or 503, at most. */
  retries: number;
  /** The longest one wait, whatever `Retry-After` asks. */
  maxWaitMs: number;
  /** The longest all waits of one request together. */
  totalWaitMs: number;
}

/** Three retries, each after what `Retry-After` asks (1, 2, 4 s without it), at most 30 s each and 60 s in all. */
export const DEFAULT_RETRY: RetryPolicy = { retries: 3, maxWaitMs: 30_000, totalWaitMs: 60_000 };

export interface UpstreamHttpOptions {
  /** The upstream's base URL (`…/v1`). */
  baseUrl: string;
  ca: string | null;
  /** The `Authorization` header's value, read when each request starts; null: none. */
  authorization: () => string | null;
  retry: RetryPolicy;
  /** No byte for this long (before the answer starts, or between two chunks of it) fails the request. */
  stallMs: number;
}

/** An answer after any retries: the last response, the tries it took and the time spent waiting between them. */
export interface UpstreamResponse {
  res: IncomingMessage;
  tries: number;
  waitedMs: number;
  /** True once the response was cut for silence (`stallMs`); reading it then fails with ECONNRESET. */
  stalled(): boolean;
}

const TLS_CODES =
  /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|EPROTO$|HOSTNAME_MISMATCH)/;

/** A failed connection as an error that says what to check. */
export function connectionError(err: NodeJS.ErrnoException, host: string, baseUrl: string): InferenceError {
  const code = err.code ?? '';
  if (TLS_CODES.test(code)) {
    return new InferenceError(
      'upstream_tls',
      `The secure connection to ${host} failed (${code}: ${err.message}). If the server's certificate comes from an internal certificate authority, give that CA with --upstream-ca FILE ("caFile" in the config file) or NODE_EXTRA_CA_CERTS; check that the host name in ${baseUrl} is the one on the certificate, and that the server speaks https.`,
    );
  }
  if (code === 'ECONNREFUSED') {
    return new InferenceError(
      'upstream_unreachable',
      `Could not connect to ${host}: the connection was refused. Is the model server running, and is ${baseUrl} its address?`,
    );
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new InferenceError(
      'upstream_unreachable',
      `The host name in ${baseUrl} could not be resolved (${code}). Check the URL and the network.`,
    );
  }
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'stalled') {
    return new InferenceError(
      'upstream_unreachable',
      `${host} did not answer (${code}). Check that the server is up and reachable from this computer.`,
    );
  }
  return new InferenceError(
    'upstream_unreachable',
    `The connection to ${host} failed (${code || err.message}). Check that the server is up and that ${baseUrl} is its address.`,
  );
}

/** Milliseconds a `Retry-After` header asks for (seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, now = Date.now()): number | null {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text) return null;
  if (/^\s*\d+\s*$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export class UpstreamHttp {
  readonly host: string;
  private readonly agent: http.Agent;
  private readonly secure: boolean;

  constructor(private readonly options: UpstreamHttpOptions) {
    const url = new URL(options.baseUrl);
    this.host = url.host;
    this.secure = url.protocol === 'https:';
    // Keep-alive: a long document is many requests; one TLS handshake serves them all.
    this.agent = this.secure
      ? new https.Agent({ keepAlive: true, ...(options.ca ? { ca: options.ca } : {}) })
      : new http.Agent({ keepAlive: true });
  }

  /**
   * Sends one request to `{baseUrl}{path}` and resolves with the response once its headers arrive; a 429 or 503 is
   * retried per the policy while `signal` allows, and the last one is returned.
   * @throws InferenceError for a connection that fails (`upstream_tls`, `upstream_unreachable`); the signal's
   *   reason when it aborts.
   */
  async request(
    method: 'GET' | 'POST',
    path: string,
    body: string | null,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    const { retry } = this.options;
    let waitedMs = 0;
    for (let tries = 1; ; tries++) {
      const { res, stalled } = await this.once(method, path, body, signal);
      const busy = res.statusCode === 429 || res.statusCode === 503;
      if (!busy || tries > retry.retries) return { res, tries, waitedMs, stalled };
      const asked = retryAfterMs(res.headers['retry-after']);
      const wait = Math.min(asked ?? 1000 * 2 ** (tries - 1), retry.maxWaitMs);
      if (waitedMs + wait > retry.totalWaitMs) return { res, tries, waitedMs, stalled };
      res.resume();
      await sleep(wait, signal);
      signal.throwIfAborted();
      waitedMs += wait;
    }
  }

  private once(
    method: 'GET' | 'POST',
    path: string,
    body: string | null,
    signal: AbortSignal,
  ): Promise<{ res: IncomingMessage; stalled: () => boolean }> {
    const url = new URL(`${this.options.baseUrl}${path}`);
    const authorization = this.options.authorization();
    const headers: Record<string, string> = {
      accept: body ? 'text/event-stream, application/json' : 'application/json',
    };
    if (body) headers['content-type'] = 'application/json';
    if (authorization) headers.authorization = authorization;
    let stalled = false;
    return new Promise((resolve, reject) => {
      const req = (this.secure ? https : http).request(
        url,
        { method, headers, agent: this.agent, signal },
        (res) => resolve({ res, stalled: () => stalled }),
      );
      // The socket's inactivity: before the answer starts and between two of its chunks.
      req.setTimeout(this.options.stallMs, () => {
        stalled = true;
        req.destroy(Object.assign(new Error(`no data for ${this.options.stallMs} ms`), { code: 'stalled' }));
      });
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(signal.aborted ? signal.reason : connectionError(err, this.host, this.options.baseUrl)),
      );
      req.end(body ?? undefined);
    });
  }

  /** Closes the pooled connections. */
  close(): void {
    this.agent.destroy();
  }
}

/** Reads a (small) response body as text, at most `limit` characters. */
export async function readText(res: IncomingMessage, limit = 64 * 1024): Promise<string> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res as AsyncIterable<string>) {
    text += chunk;
    if (text.length > limit) {
      res.destroy();
      return text.slice(0, limit);
    }
  }
  return text;
}
