/**
 * A model server for tests, on an ephemeral loopback port (http, or https with a given certificate): it answers
 * `GET /v1/models` and `POST /v1/chat/completions` with scripted replies (wire-format fixtures, faults), records
 * every request with its arrival and the moment its connection closed, and never generates anything itself.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** `performance.now()` when it arrived, and when its connection closed (null while open). */
  at: number;
  closedAt: number | null;
}

/** One scripted reply: writes to `res` as it likes (status, SSE lines, a dropped socket…). */
export type Reply = (res: ServerResponse, request: RecordedRequest) => void | Promise<void>;

export interface FakeUpstream {
  /** The OpenAI-compatible base, `http(s)://127.0.0.1:PORT/v1`. */
  baseUrl: string;
  port: number;
  requests: RecordedRequest[];
  /** Replies to `POST /v1/chat/completions`, used in order; the last one repeats. */
  chat: Reply[];
  /** The reply to `GET /v1/models`. */
  models: Reply;
  /** Resolves when the `n`th chat request (1-based) has closed its connection. */
  chatClosed(n: number): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/**
 * A reply that never comes, as from a server slow to answer: `arrived` resolves when the request is in, `closed`
 * when the client has closed it.
 */
export function held(): { reply: Reply; arrived: Promise<void>; closed: Promise<void> } {
  let arrive!: () => void;
  let close!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const closed = new Promise<void>((resolve) => (close = resolve));
  const reply: Reply = (res) => {
    res.on('close', close);
    arrive();
  };
  return { reply, arrived, closed };
}

/** Writes a JSON answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return (res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
}

export interface SseOptions {
  /** Waits this long before each line after the first. */
  gapMs?: number;
  /** Destroys the socket after the lines instead of ending the response. */
  drop?: boolean;
  /** Leaves the response open after the lines (a server that stalls). */
  hold?: boolean;
}

/** Writes `text/event-stream` lines (each as given: `data: …`, blank lines included by the fixture). */
export function sse(lines: string[], options: SseOptions = {}): Reply {
  return async (res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const [i, line] of lines.entries()) {
      if (i > 0 && options.gapMs) await new Promise((r) => setTimeout(r, options.gapMs));
      if (res.destroyed) return;
      // Waits until the bytes are with the socket, so a drop after them happens after they left.
      await new Promise((resolve) => res.write(line, resolve));
    }
    if (options.drop) res.socket?.destroy();
    else if (!options.hold) res.end();
  };
}

/** Starts the server; `tls` makes it https. */
export async function startFakeUpstream(tls?: { key: string; cert: string }): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const waiters: Array<{ n: number; resolve: (r: RecordedRequest) => void }> = [];
  const chatRequests = (): RecordedRequest[] => requests.filter((r) => r.path.endsWith('/chat/completions'));
  const notify = (): void => {
    for (const w of [...waiters]) {
      const r = chatRequests()[w.n - 1];
      if (r?.closedAt !== null && r !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(r);
      }
    }
  };
  const upstream: FakeUpstream = {
    baseUrl: '',
    port: 0,
    requests,
    chat: [json(500, { error: { message: 'no reply scripted' } })],
    models: json(404, { error: { message: 'not found' } }),
    chatClosed: (n) =>
      new Promise((resolve) => {
        waiters.push({ n, resolve });
        notify();
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // Recorded as the raw text.
      }
      const record: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body,
        at: performance.now(),
        closedAt: null,
      };
      requests.push(record);
      res.on('close', () => {
        record.closedAt = performance.now();
        notify();
      });
      if (record.path.endsWith('/models')) void upstream.models(res, record);
      else if (record.path.endsWith('/chat/completions')) {
        const n = chatRequests().length;
        void upstream.chat[Math.min(n, upstream.chat.length) - 1](res, record);
      } else json(404, { error: { message: `no route ${record.path}` } })(res, record);
    });
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  // Keep-alive connections from the client must not hold close() up.
  server.on('connection', (socket) => socket.unref());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.port = (server.address() as AddressInfo).port;
  upstream.baseUrl = `${tls ? 'https' : 'http'}://127.0.0.1:${upstream.port}/v1`;
  const close = upstream.close;
  upstream.close = () => {
    server.closeAllConnections?.();
    return close();
  };
  return upstream;
}
