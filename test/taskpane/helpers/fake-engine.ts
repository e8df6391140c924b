/**
 * A fake engine for pane tests: a `fetch` that answers `/api/health` and streams NDJSON for `/api/summarize`,
 * honouring the request's AbortSignal like a real connection.
 */
import './web-platform';
import type { HealthResponse, SummaryEvent } from '../../../localhost-engine/api/schemas';
import type { FetchLike } from '../../../taskpane/engine-client';

/** A ReadableStream of the given byte chunks; `gapMs` waits (a macrotask) between chunks when set. */
export function byteStream(
  chunks: Uint8Array[],
  options: { gapMs?: number; close?: boolean; signal?: AbortSignal } = {},
): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      // Like a real response body: aborting the request errors the stream, even mid-read.
      options.signal?.addEventListener('abort', () => controller.error(abortError()), { once: true });
    },
    async pull(controller) {
      if (options.signal?.aborted) return;
      if (i >= chunks.length) {
        if (options.close !== false) controller.close();
        // An open connection with nothing more to say: wait (for an abort) instead of closing.
        else await new Promise(() => undefined);
        return;
      }
      if (options.gapMs !== undefined && i > 0) await new Promise((r) => setTimeout(r, options.gapMs));
      if (options.signal?.aborted) return;
      controller.enqueue(chunks[i++]);
    },
  }) as unknown as ReadableStream<Uint8Array>;
}

/** NDJSON lines of `events`, one chunk per event. */
export function ndjsonChunks(events: SummaryEvent[]): Uint8Array[] {
  const encoder = new TextEncoder();
  return events.map((e) => encoder.encode(`${JSON.stringify(e)}\n`));
}

/** The same events as one chunk (everything arrives at once). */
export function ndjsonChunk(events: SummaryEvent[]): Uint8Array[] {
  return [new TextEncoder().encode(events.map((e) => `${JSON.stringify(e)}\n`).join(''))];
}

export function abortError(): Error {
  const error = new Error('The operation was aborted.');
  error.name = 'AbortError';
  return error;
}

/** A minimal Response: what the client reads (ok, status, headers.get, body, json). */
export function fakeResponse(
  status: number,
  body: ReadableStream<Uint8Array> | unknown,
  headers: Record<string, string> = {},
): Response {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const isStream =
    body instanceof (globalThis as unknown as { ReadableStream: typeof ReadableStream }).ReadableStream;
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: '',
    headers: { get: (name: string) => lower[name.toLowerCase()] ?? null },
    body: isStream ? body : null,
    json: async () => {
      if (isStream) throw new Error('stream body');
      return body;
    },
  } as unknown as Response;
}

export function health(overrides: Partial<HealthResponse['model']> = {}): HealthResponse {
  return {
    status: 'ok',
    version: '1.0.0',
    model: { id: 'phi-3-mini-4k-instruct', state: 'ready', device: 'cpu', error: null, ...overrides },
    queue: { running: 0, waiting: 0 },
  };
}

/** What the fake engine does for one summarize request. */
export type SummarizeReply =
  | { kind: 'stream'; chunks: Uint8Array[]; gapMs?: number; close?: boolean }
  | { kind: 'status'; status: number; body: unknown; headers?: Record<string, string> };

/** Records of the calls the fake received. */
export interface FakeEngine {
  fetch: FetchLike;
  calls: Array<{ url: string; init?: RequestInit }>;
  summarizeSignals: AbortSignal[];
  /** Health answer; `'down'` makes health (and summarize) fail like a closed port. */
  health: HealthResponse | 'down';
  replies: SummarizeReply[];
}

/** A fake engine; `replies` are used in order, the last one repeating. */
export function fakeEngine(
  replies: SummarizeReply[] = [],
  healthState: HealthResponse | 'down' = health(),
): FakeEngine {
  const engine: FakeEngine = {
    calls: [],
    summarizeSignals: [],
    health: healthState,
    replies,
    fetch: async (url, init) => {
      engine.calls.push({ url, init });
      if (engine.health === 'down') throw new TypeError('Failed to fetch');
      if (url.endsWith('/api/health')) return fakeResponse(200, engine.health);
      if (url.endsWith('/api/summarize')) {
        const signal = init?.signal ?? undefined;
        if (signal) engine.summarizeSignals.push(signal);
        const index = engine.calls.filter((c) => c.url.endsWith('/api/summarize')).length - 1;
        const reply = engine.replies[Math.min(index, engine.replies.length - 1)];
        if (!reply) throw new Error('no reply configured');
        if (reply.kind === 'status') return fakeResponse(reply.status, reply.body, reply.headers);
        return fakeResponse(
          200,
          byteStream(reply.chunks, { gapMs: reply.gapMs, close: reply.close, signal }),
          {
            'Content-Type': 'application/x-ndjson',
          },
        );
      }
      return fakeResponse(404, {
        statusCode: 404,
        code: 'not_found',
        error: 'Not Found',
        message: 'no route',
      });
    },
  };
  return engine;
}

/** A typical short run: start, a load progress, the given deltas, done. */
export function runEvents(deltas: string[], extra: SummaryEvent[] = []): SummaryEvent[] {
  return [
    {
      type: 'start',
      requestId: 'r1',
      model: 'phi-3-mini',
      device: 'cpu',
      plan: { parts: 1, paragraphs: 3, inputTokens: 120 },
    },
    { type: 'progress', stage: 'load', part: 1, of: 1 },
    ...deltas.map((text): SummaryEvent => ({ type: 'delta', text })),
    ...extra,
    {
      type: 'done',
      summary: deltas.join(''),
      usage: {
        inputTokens: 120,
        outputTokens: deltas.length,
        loadMs: 10,
        ttftMs: 20,
        prefillTokensPerSecond: 100,
        decodeTokensPerSecond: 12.5,
        totalMs: 2000,
      },
    },
  ];
}
