/**
 * A fake engine for pane tests: a `fetch` that answers `/api/health` and `/api/models`, streams NDJSON for
 * `/api/summarize` and `POST /api/models/:id/download`, and answers `DELETE /api/models/:id/download`, honouring
 * the request's AbortSignal like a real connection.
 */
import './web-platform';
import { API_VERSION } from '../../../localhost-engine/api/api-version';
import type {
  HealthResponse,
  ModelDownloadEvent,
  ModelInfo,
  ModelsResponse,
  SummaryEvent,
} from '../../../localhost-engine/api/schemas';
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
export function ndjsonChunks(events: Array<SummaryEvent | ModelDownloadEvent>): Uint8Array[] {
  const encoder = new TextEncoder();
  return events.map((e) => encoder.encode(`${JSON.stringify(e)}\n`));
}

/** The same events as one chunk (everything arrives at once). */
export function ndjsonChunk(events: Array<SummaryEvent | ModelDownloadEvent>): Uint8Array[] {
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
    apiVersion: API_VERSION,
    model: { id: 'phi-3-mini-4k-instruct', state: 'ready', device: 'cpu', error: null, ...overrides },
    queue: { running: 0, waiting: 0 },
  };
}

/** What the fake engine does for one summarize request. */
export type SummarizeReply =
  | { kind: 'stream'; chunks: Uint8Array[]; gapMs?: number; close?: boolean }
  | { kind: 'status'; status: number; body: unknown; headers?: Record<string, string> };

/** What the fake engine does for one `POST /api/models/:id/download` (the same shapes as a summarize reply). */
export type DownloadReply = SummarizeReply;

/** Records of the calls the fake received. */
export interface FakeEngine {
  fetch: FetchLike;
  calls: Array<{ url: string; init?: RequestInit }>;
  summarizeSignals: AbortSignal[];
  /** Health answer; `'down'` makes health (and summarize) fail like a closed port. */
  health: HealthResponse | 'down';
  replies: SummarizeReply[];
  /** `GET /api/models`' answer. */
  models: ModelsResponse;
  /** Answers to `POST /api/models/:id/download`, used in order, the last one repeating. */
  downloadReplies: DownloadReply[];
  downloadSignals: AbortSignal[];
  /** `DELETE /api/models/:id/download`'s answer; 200 `{model, cancelled: true}` when unset. */
  cancelReply?: { status: number; body: unknown };
}

/** Calls of `method` to a URL ending in `suffix`. */
export function callsTo(engine: FakeEngine, method: string, suffix: string | RegExp) {
  return engine.calls.filter(
    (c) =>
      (c.init?.method ?? 'GET') === method &&
      (typeof suffix === 'string' ? c.url.endsWith(suffix) : suffix.test(c.url)),
  );
}

/** A fake engine; `replies` are used in order, the last one repeating. */
export function fakeEngine(
  replies: SummarizeReply[] = [],
  healthState: HealthResponse | 'down' = health(),
  extra: { models?: ModelsResponse; downloadReplies?: DownloadReply[] } = {},
): FakeEngine {
  const engine: FakeEngine = {
    calls: [],
    summarizeSignals: [],
    health: healthState,
    replies,
    models: extra.models ?? modelsList(),
    downloadReplies: extra.downloadReplies ?? [],
    downloadSignals: [],
    fetch: async (url, init) => {
      engine.calls.push({ url, init });
      if (engine.health === 'down') throw new TypeError('Failed to fetch');
      const method = init?.method ?? 'GET';
      const signal = init?.signal ?? undefined;
      if (url.endsWith('/api/health')) return fakeResponse(200, engine.health);
      if (url.endsWith('/api/models') && method === 'GET') return fakeResponse(200, engine.models);
      const download = /\/api\/models\/([^/]+)\/download$/.exec(url);
      if (download && method === 'POST') {
        if (signal) engine.downloadSignals.push(signal);
        const index = callsTo(engine, 'POST', /\/download$/).length - 1;
        const reply = engine.downloadReplies[Math.min(index, engine.downloadReplies.length - 1)];
        if (!reply) throw new Error('no download reply configured');
        return replyWith(reply, signal);
      }
      if (download && method === 'DELETE') {
        const reply = engine.cancelReply ?? {
          status: 200,
          body: { model: decodeURIComponent(download[1]), cancelled: true },
        };
        return fakeResponse(reply.status, reply.body);
      }
      if (url.endsWith('/api/summarize')) {
        if (signal) engine.summarizeSignals.push(signal);
        const index = engine.calls.filter((c) => c.url.endsWith('/api/summarize')).length - 1;
        const reply = engine.replies[Math.min(index, engine.replies.length - 1)];
        if (!reply) throw new Error('no reply configured');
        return replyWith(reply, signal);
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

function replyWith(reply: SummarizeReply, signal: AbortSignal | undefined): Response {
  if (reply.kind === 'status') return fakeResponse(reply.status, reply.body, reply.headers);
  return fakeResponse(200, byteStream(reply.chunks, { gapMs: reply.gapMs, close: reply.close, signal }), {
    'Content-Type': 'application/x-ndjson',
  });
}

/** The id and size of the default model of {@link modelsList}. */
export const DEFAULT_MODEL_ID = 'phi-3-mini-4k-instruct-cpu-int4';
export const DEFAULT_MODEL_BYTES = 2_725_000_000;

/** A catalog entry as `GET /api/models` lists it. */
export function modelInfo(overrides: Partial<ModelInfo> = {}): ModelInfo {
  return {
    id: DEFAULT_MODEL_ID,
    name: 'Phi-3-mini-4k-instruct, int4 RTN block 32, accuracy level 4 (ONNX Runtime GenAI, CPU)',
    repo: 'microsoft/Phi-3-mini-4k-instruct-onnx',
    revision: 'main',
    layout: 'genai',
    devices: ['cpu'],
    default: true,
    approxBytes: DEFAULT_MODEL_BYTES,
    contextLength: 4096,
    dir: `/home/u/.local/share/LocalScribe/models/${DEFAULT_MODEL_ID}`,
    state: 'missing',
    error: null,
    active: false,
    ...overrides,
  };
}

/** `GET /api/models` for a CPU engine: its default model and another, nothing installed or running. */
export function modelsList(overrides: Partial<ModelsResponse> = {}): ModelsResponse {
  return {
    modelsDir: '/home/u/.local/share/LocalScribe/models',
    hubUrl: 'https://huggingface.co',
    device: 'cpu',
    defaultId: DEFAULT_MODEL_ID,
    activeDir: null,
    models: [
      modelInfo(),
      modelInfo({
        id: 'phi-3.5-mini-instruct-q4f16-web',
        name: 'Phi-3.5-mini-instruct, q4f16 (transformers.js layout, WebGPU)',
        devices: ['webgpu'],
        default: false,
        approxBytes: 2_330_000_000,
      }),
    ],
    found: [],
    download: null,
    ...overrides,
  };
}

/**
 * A download's events: `start`, one `progress` per fraction in `fractions` (of `total` bytes), then `done`
 * unless `end` is `'open'` (the stream stays open) or an error event.
 */
export function downloadEvents(
  fractions: number[],
  end: 'done' | 'open' | { code: string; message: string } = 'done',
  total = DEFAULT_MODEL_BYTES,
  model = DEFAULT_MODEL_ID,
): ModelDownloadEvent[] {
  const events: ModelDownloadEvent[] = [
    { type: 'start', model, files: 3, totalBytes: total, receivedBytes: 0, dir: `/models/${model}` },
    ...fractions.map((f): ModelDownloadEvent => ({
      type: 'progress',
      stage: 'download',
      file: 'model.onnx.data',
      receivedBytes: Math.round(total * f),
      totalBytes: total,
      bytesPerSecond: 12_500_000,
      etaSeconds: Math.round((total * (1 - f)) / 12_500_000),
    })),
  ];
  if (end === 'done') {
    events.push({ type: 'done', model, dir: `/models/${model}`, totalBytes: total, downloadedBytes: total });
  } else if (end !== 'open') {
    events.push({ type: 'error', ...end });
  }
  return events;
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
