import { EngineError, getHealth, parseRetryAfter, summarize } from '../../../taskpane/engine-client';
import type { SummarizeBody } from '../../../localhost-engine/api/schemas';
import { fakeEngine, health, ndjsonChunks, runEvents, type FakeEngine } from '../helpers/fake-engine';

const body: SummarizeBody = {
  document: { paragraphs: [{ text: 'Hello world.', style: 'Normal' }] },
  options: { style: 'paragraph', length: 'short' },
};

async function drain(engine: FakeEngine, signal?: AbortSignal) {
  const events = [];
  for await (const event of summarize(body, { fetch: engine.fetch, signal })) events.push(event);
  return events;
}

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(EngineError);
    return error as EngineError;
  }
  throw new Error('expected a rejection');
}

describe('summarize', () => {
  it('POSTs JSON to /api/summarize on the same origin and yields the events up to done', async () => {
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(runEvents(['Hello', ' there'])) }]);
    const events = await drain(engine);
    expect(events.map((e) => e.type)).toEqual(['start', 'progress', 'delta', 'delta', 'done']);
    const [{ url, init }] = engine.calls;
    expect(url).toBe('/api/summarize');
    expect(init?.method).toBe('POST');
    expect((init?.headers as Record<string, string>)['Content-Type']).toBe('application/json');
    expect(JSON.parse(String(init?.body))).toEqual(body);
  });

  it('throws the server message and code for a 400', async () => {
    const engine = fakeEngine([
      {
        kind: 'status',
        status: 400,
        body: {
          statusCode: 400,
          code: 'invalid_body',
          error: 'Bad Request',
          message: 'body/options/style must be one of …',
        },
      },
    ]);
    const error = await failure(drain(engine));
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_body',
      message: 'body/options/style must be one of …',
    });
  });

  it('throws model_missing for a 503 without a model', async () => {
    const engine = fakeEngine([
      {
        kind: 'status',
        status: 503,
        body: {
          statusCode: 503,
          code: 'model_missing',
          error: 'Service Unavailable',
          message: 'No model is installed.',
        },
      },
    ]);
    expect(await failure(drain(engine))).toMatchObject({
      status: 503,
      code: 'model_missing',
      retryAfterSeconds: undefined,
    });
  });

  it('surfaces Retry-After on 429', async () => {
    const engine = fakeEngine([
      {
        kind: 'status',
        status: 429,
        headers: { 'Retry-After': '7' },
        body: {
          statusCode: 429,
          code: 'queue_full',
          error: 'Too Many Requests',
          message: 'The queue is full.',
        },
      },
    ]);
    expect(await failure(drain(engine))).toMatchObject({
      status: 429,
      code: 'queue_full',
      retryAfterSeconds: 7,
    });
  });

  it('keeps a generic message for a non-JSON error body', async () => {
    const engine = fakeEngine([{ kind: 'status', status: 502, body: undefined }]);
    engine.fetch = async () =>
      ({
        ok: false,
        status: 502,
        statusText: 'Bad Gateway',
        headers: new Headers(),
        body: null,
        json: async () => {
          throw new SyntaxError('x');
        },
      }) as unknown as Response;
    expect(await failure(drain(engine))).toMatchObject({
      status: 502,
      code: 'http_error',
      message: 'The engine answered 502 Bad Gateway.',
    });
  });

  it('throws an error event as an EngineError with its code', async () => {
    const engine = fakeEngine([
      {
        kind: 'stream',
        chunks: ndjsonChunks([{ type: 'error', code: 'generation_failed', message: 'Device removed.' }]),
      },
    ]);
    expect(await failure(drain(engine))).toMatchObject({
      code: 'generation_failed',
      message: 'Device removed.',
    });
  });

  it('throws incomplete_stream when the stream ends without done', async () => {
    const engine = fakeEngine([{ kind: 'stream', chunks: ndjsonChunks(runEvents(['a']).slice(0, 3)) }]);
    expect(await failure(drain(engine))).toMatchObject({ code: 'incomplete_stream' });
  });

  it('aborts mid-stream: the request signal aborts and the error is `aborted`', async () => {
    const engine = fakeEngine([
      { kind: 'stream', chunks: ndjsonChunks(runEvents(['a']).slice(0, 3)), close: false },
    ]);
    const controller = new AbortController();
    const seen: string[] = [];
    const run = (async () => {
      for await (const e of summarize(body, { fetch: engine.fetch, signal: controller.signal })) {
        seen.push(e.type);
        if (e.type === 'delta') controller.abort();
      }
    })();
    expect(await failure(run)).toMatchObject({ code: 'aborted' });
    expect(engine.summarizeSignals[0].aborted).toBe(true);
    expect(seen).toEqual(['start', 'progress', 'delta']);
  });

  it('aborts before the response: `aborted`', async () => {
    const controller = new AbortController();
    controller.abort();
    const fetch = async (_url: string, init?: RequestInit) => {
      if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
      throw new Error('not reached');
    };
    const error = await failure(
      (async () => {
        for await (const _ of summarize(body, { fetch, signal: controller.signal })) void _;
      })(),
    );
    expect(error.code).toBe('aborted');
  });

  it('maps a network failure to engine_unreachable', async () => {
    const engine = fakeEngine([], 'down');
    expect(await failure(drain(engine))).toMatchObject({ code: 'engine_unreachable' });
  });
});

describe('getHealth', () => {
  it('returns the health answer', async () => {
    const engine = fakeEngine([], health({ state: 'loading', device: 'dml' }));
    await expect(getHealth({ fetch: engine.fetch })).resolves.toMatchObject({
      model: { state: 'loading', device: 'dml' },
    });
    expect(engine.calls[0].url).toBe('/api/health');
  });

  it('throws engine_unreachable when nothing answers', async () => {
    await expect(getHealth({ fetch: fakeEngine([], 'down').fetch })).rejects.toMatchObject({
      code: 'engine_unreachable',
    });
  });

  it('throws bad_response for a body that is not a health answer', async () => {
    const fetch = async () => new Response(JSON.stringify({ hello: 1 }), { status: 200 });
    await expect(getHealth({ fetch })).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('12')).toBe(12);
    expect(parseRetryAfter(new Date(10_000 + 5_000).toUTCString(), 10_000)).toBe(5);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
