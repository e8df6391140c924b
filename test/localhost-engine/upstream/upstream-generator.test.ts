/**
 * The upstream generator against a loopback server that plays the wire formats of vLLM, Ollama, LM Studio and
 * llama.cpp's server (`wire-fixtures.ts`) and their faults: what it sends, what it reads, when it says `too_long`,
 * and the error (with what to check) for each way a server or the network can fail.
 */
import net from 'node:net';
import { InferenceError } from '../../../localhost-engine/inference/inference-worker-client';
import type { ChatMessage } from '../../../localhost-engine/summarize/prompt';
import type { Generation, PromptTooLong } from '../../../localhost-engine/summarize/text-generator';
import type { UpstreamConfig } from '../../../localhost-engine/upstream/upstream-config';
import {
  DEFAULT_UPSTREAM_CONTEXT,
  UpstreamGenerator,
} from '../../../localhost-engine/upstream/upstream-generator';
import { held, json, sse, startFakeUpstream, type FakeUpstream } from '../../helpers/fake-upstream';
import { testCertificate } from '../../helpers/test-engine';
import {
  busy,
  DONE,
  llamaCppContextError,
  llamaCppStream,
  llamaCppStreamError,
  lmStudioContextError,
  lmStudioOverflowWith200,
  ollamaError,
  ollamaModels,
  ollamaStream,
  vllmContextError,
  vllmModels,
  vllmStream,
  vllmStreamError,
} from './wire-fixtures';

const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You summarize documents faithfully.' },
  {
    role: 'user',
    content: 'Document:\n"""\nThe tenant pays rent on the first day of each month.\n"""\n\nKey points.',
  },
];

function config(upstream: FakeUpstream, extra: Partial<UpstreamConfig> = {}): UpstreamConfig {
  return {
    id: 'test',
    baseUrl: upstream.baseUrl,
    model: 'phi-3-mini',
    contextLength: 4096,
    apiKeyEnv: null,
    ca: null,
    allowHttp: false,
    ...extra,
  };
}

interface Run {
  result: Generation | PromptTooLong;
  deltas: string[];
  /** How many times `onStart` was called. */
  starts: number;
  startedBeforeFirstDelta: boolean;
}

async function generate(
  generator: UpstreamGenerator,
  options: {
    maxNewTokens?: number;
    minNewTokens?: number;
    signal?: AbortSignal;
    messages?: ChatMessage[];
  } = {},
): Promise<Run> {
  const deltas: string[] = [];
  let starts = 0;
  let startedBeforeFirstDelta = false;
  await generator.ensureReady();
  const result = await generator.generate(
    {
      messages: options.messages ?? MESSAGES,
      maxNewTokens: options.maxNewTokens ?? 200,
      minNewTokens: options.minNewTokens ?? 1,
    },
    {
      onStart: () => {
        starts += 1;
      },
      onDelta: (text) => {
        if (deltas.length === 0) startedBeforeFirstDelta = starts === 1;
        deltas.push(text);
      },
    },
    options.signal ?? new AbortController().signal,
  );
  return { result, deltas, starts, startedBeforeFirstDelta };
}

/** The error `generate` fails with. */
async function failure(generator: UpstreamGenerator): Promise<InferenceError> {
  const error = await generate(generator).then(
    () => null,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(InferenceError);
  return error as InferenceError;
}

const asGeneration = (r: Generation | PromptTooLong): Generation => {
  expect(r.stopReason).not.toBe('too_long');
  return r as Generation;
};

// A fresh server for each test, and the generator the test makes, closed after it.
let upstream: FakeUpstream;
let generator: UpstreamGenerator;
beforeEach(async () => {
  upstream = await startFakeUpstream();
});
afterEach(async () => {
  await generator.close();
  await upstream.close();
});

describe('UpstreamGenerator on the wire formats of real servers', () => {
  it('streams a vLLM answer (role-only first chunk, usage chunk) and reports what vLLM counted', async () => {
    upstream.chat = [
      sse(
        vllmStream(['The tenant ', 'pays on ', 'the first.'], {
          usage: { prompt: 61, completion: 9, cached: 32 },
        }),
      ),
    ];
    generator = new UpstreamGenerator({ config: config(upstream) });
    const run = await generate(generator, { maxNewTokens: 120 });
    const result = asGeneration(run.result);
    expect(run.deltas).toEqual(['The tenant ', 'pays on ', 'the first.']);
    expect(run.startedBeforeFirstDelta).toBe(true);
    expect(run.starts).toBe(1);
    expect(result).toMatchObject({ text: 'The tenant pays on the first.', stopReason: 'eos' });
    expect(result.usage).toMatchObject({ inputTokens: 61, cachedInputTokens: 32, outputTokens: 9 });
    expect(result.upstream).toMatchObject({
      reported: { promptTokens: 61, completionTokens: 9, cachedTokens: 32 },
      deltas: 3,
    });
    expect(result.upstream!.estimatedPromptTokens).toBeGreaterThanOrEqual(61);
    const sent = upstream.requests[0];
    expect(sent).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(sent.body).toEqual({
      model: 'phi-3-mini',
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 120,
      temperature: 0,
    });
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('reads Ollama (role in every delta) and llama.cpp (usage on the finish chunk) the same way', async () => {
    upstream.chat = [
      sse(ollamaStream(['Rent ', 'is due.'], { prompt: 58, completion: 4 })),
      sse(llamaCppStream(['Rent ', 'is due.'], { prompt: 57, completion: 5 })),
    ];
    generator = new UpstreamGenerator({ config: config(upstream) });
    const ollama = asGeneration((await generate(generator)).result);
    const llama = asGeneration((await generate(generator)).result);
    expect([ollama.text, llama.text]).toEqual(['Rent is due.', 'Rent is due.']);
    expect(ollama.upstream!.reported).toEqual({ promptTokens: 58, completionTokens: 4, cachedTokens: null });
    expect(llama.upstream!.reported).toEqual({ promptTokens: 57, completionTokens: 5, cachedTokens: null });
  });

  it('says `length` when the server stopped at max_tokens', async () => {
    upstream.chat = [sse(vllmStream(['cut'], { finish: 'length' }))];
    generator = new UpstreamGenerator({ config: config(upstream) });
    expect((await generate(generator)).result.stopReason).toBe('length');
  });

  it('sends the API key from the named environment variable, and never shows it', async () => {
    upstream.chat = [
      sse(vllmStream(['ok'])),
      json(401, ollamaError('invalid api key', 'invalid_request_error')),
    ];
    const env = { TEAM_KEY: 'sk-secret-4711' };
    generator = new UpstreamGenerator({ config: config(upstream, { apiKeyEnv: 'TEAM_KEY' }), env });
    await generate(generator);
    expect(upstream.requests[0].headers.authorization).toBe('Bearer sk-secret-4711');
    const error = await failure(generator);
    expect(error.code).toBe('upstream_auth');
    expect(error.message).toMatch(/HTTP 401: invalid api key.*TEAM_KEY/);
    expect(error.message).not.toContain('sk-secret-4711');
  });
});

describe('the context budget', () => {
  beforeEach(() => {
    upstream.chat = [sse(vllmStream(['ok']))];
  });

  it('comes from /v1/models (vLLM max_model_len) when the config does not give it', async () => {
    upstream.models = json(200, vllmModels('phi-3-mini', 3072));
    generator = new UpstreamGenerator({ config: config(upstream, { contextLength: null }) });
    await generator.ensureReady();
    expect(generator.info().contextLength).toBe(3072);
  });

  it('falls back to the conservative default when the server does not say (Ollama)', async () => {
    upstream.models = json(200, { ...ollamaModels, data: [{ ...ollamaModels.data[0], id: 'phi-3-mini' }] });
    generator = new UpstreamGenerator({ config: config(upstream, { contextLength: null }) });
    await generator.ensureReady();
    expect(generator.info().contextLength).toBe(DEFAULT_UPSTREAM_CONTEXT);
  });

  it('takes the config over the server, without asking it', async () => {
    generator = new UpstreamGenerator({ config: config(upstream, { contextLength: 8192 }) });
    await generator.ensureReady();
    expect(generator.info().contextLength).toBe(8192);
    expect(upstream.requests.filter((r) => r.path.endsWith('/models'))).toEqual([]);
  });

  it('takes a bare model name for the ":latest" tag Ollama lists', async () => {
    upstream.models = json(200, { object: 'list', data: [{ id: 'phi-3-mini:latest', object: 'model' }] });
    generator = new UpstreamGenerator({ config: config(upstream, { contextLength: null }) });
    await generator.ensureReady();
    expect(upstream.requests.filter((r) => r.path.endsWith('/models'))).toHaveLength(1);
  });

  it('refuses a model the server does not list, naming what it lists', async () => {
    upstream.models = json(200, ollamaModels);
    generator = new UpstreamGenerator({ config: config(upstream, { contextLength: null }) });
    const error = await generator.ensureReady().catch((e: InferenceError) => e);
    expect(error).toMatchObject({ code: 'upstream_model' });
    expect((error as Error).message).toMatch(/does not serve the model "phi-3-mini"; it lists phi3:mini/);
  });

  it('caps max_tokens at the room the estimated prompt leaves, and refuses before sending when there is none', async () => {
    generator = new UpstreamGenerator({ config: config(upstream, { contextLength: 256 }) });
    const run = await generate(generator, { maxNewTokens: 500, minNewTokens: 1 });
    const sent = upstream.requests[0].body as { max_tokens: number };
    expect(sent.max_tokens).toBeLessThan(256);
    expect(asGeneration(run.result).text).toBe('ok');
    const long: ChatMessage[] = [{ role: 'user', content: 'word '.repeat(400) }];
    const refused = await generate(generator, { messages: long });
    expect(refused.result.stopReason).toBe('too_long');
    expect(upstream.requests).toHaveLength(1);
  });

  it.each([
    ['vLLM (400)', json(400, vllmContextError), 5030],
    ['llama.cpp (400, n_prompt_tokens)', json(400, llamaCppContextError), 5120],
    ['LM Studio (400, a string error)', json(400, lmStudioContextError), 5210],
    ['LM Studio (200, a string error)', json(200, lmStudioOverflowWith200), 5210],
    ['vLLM (an error inside the stream)', sse(vllmStreamError(vllmContextError.message)), 5030],
    [
      'llama.cpp (an error: line inside the stream)',
      sse(llamaCppStreamError(llamaCppContextError.error.message)),
      5120,
    ],
  ])(
    'turns "context length exceeded" from %s into too_long with the server count, and no start',
    async (_name, reply, counted) => {
      upstream.chat = [reply];
      generator = new UpstreamGenerator({ config: config(upstream) });
      const run = await generate(generator);
      expect(run.result).toEqual({ stopReason: 'too_long', inputTokens: counted });
      expect(run.deltas).toEqual([]);
      // The summarizer splits the part again, and that attempt's start is the run's only one.
      expect(run.starts).toBe(0);
    },
  );
});

describe('faults, each a clear error', () => {
  it('a stream that drops mid-answer', async () => {
    upstream.chat = [sse(vllmStream(['The tenant ', 'pays ']).slice(0, 3), { drop: true })];
    generator = new UpstreamGenerator({ config: config(upstream) });
    const error = await failure(generator);
    expect(error.code).toBe('upstream_stream_ended');
    expect(error.message).toMatch(
      /connection to 127\.0\.0\.1:\d+ broke in the middle of the answer \(after 2 pieces/,
    );
  });

  it('a stream that ends without a finish reason or [DONE]', async () => {
    upstream.chat = [sse(vllmStream(['The tenant ']).slice(0, 2))];
    generator = new UpstreamGenerator({ config: config(upstream) });
    const error = await failure(generator);
    expect(error.code).toBe('upstream_stream_ended');
    expect(error.message).toMatch(
      /stopped before it finished \(after 1 piece of text, without a finish reason or \[DONE\]\)/,
    );
  });

  it('a stream that goes silent', async () => {
    upstream.chat = [sse(vllmStream(['The tenant ']).slice(0, 2), { hold: true })];
    generator = new UpstreamGenerator({ config: config(upstream), stallMs: 300 });
    const error = await failure(generator);
    expect(error.code).toBe('upstream_stream_ended');
    expect(error.message).toMatch(
      /sent nothing for 0\.3 s in the middle of its answer \(after 1 piece of text/,
    );
  });

  it.each([
    [
      'data that is not JSON',
      ['data: {"choices":[{"delta":{"content":"ok"}}]}\n\n', 'data: {"choices": [oops\n\n'],
      /sent data that is not JSON: "\{\\"choices\\": \[oops"/,
    ],
    [
      'an HTML page in the stream',
      ['data: {"choices":[{"delta":{"content":"ok"}}]}\n\n', '<html><body>Bad gateway</body></html>\n'],
      /sent a line that is not a server-sent event: "<html>/,
    ],
    ['JSON that is no chat chunk', ['data: {"object":"list"}\n\n'], /sent a chunk without "choices"/],
  ])('malformed lines: %s', async (_name, lines, message) => {
    upstream.chat = [sse([...lines, DONE])];
    generator = new UpstreamGenerator({ config: config(upstream) });
    const error = await failure(generator);
    expect(error.code).toBe('upstream_malformed');
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/OpenAI-compatible endpoint/);
  });

  it.each([
    ['vLLM', vllmStreamError('CUDA out of memory')],
    ['llama.cpp', llamaCppStreamError('CUDA out of memory')],
    ['plain-text error line', ['error: CUDA out of memory\n\n']],
  ])('an error object inside a %s stream, after some text', async (_name, errorLines) => {
    upstream.chat = [sse([...vllmStream(['The tenant ']).slice(0, 2), ...errorLines])];
    generator = new UpstreamGenerator({ config: config(upstream) });
    const error = await failure(generator);
    expect(error.code).toBe('upstream_error');
    expect(error.message).toMatch(/reported an error in the middle of its answer: CUDA out of memory/);
  });

  it('429 with Retry-After: waits as asked, then succeeds', async () => {
    upstream.chat = [json(429, busy, { 'retry-after': '1' }), sse(vllmStream(['ok']))];
    generator = new UpstreamGenerator({ config: config(upstream) });
    const run = await generate(generator);
    expect(asGeneration(run.result).text).toBe('ok');
    const [first, second] = upstream.requests;
    expect(second.at - first.at).toBeGreaterThanOrEqual(1000);
  });

  it('429 every time: gives up after the bounded retries, saying so', async () => {
    upstream.chat = [json(429, busy, { 'retry-after': '0' })];
    generator = new UpstreamGenerator({ config: config(upstream) });
    const error = await failure(generator);
    expect(error.code).toBe('upstream_busy');
    expect(error.message).toMatch(
      /is busy \(HTTP 429: Too many requests, please retry later\.\); tried 4 times/,
    );
    expect(upstream.requests).toHaveLength(4);
  });

  it('503 without Retry-After: backs off 1 s, 2 s (bounded in all)', async () => {
    upstream.chat = [json(503, ollamaError('loading model'))];
    generator = new UpstreamGenerator({
      config: config(upstream),
      retry: { retries: 3, maxWaitMs: 30_000, totalWaitMs: 3_000 },
    });
    const error = await failure(generator);
    expect(error.code).toBe('upstream_busy');
    expect(upstream.requests).toHaveLength(3);
    const [a, b, c] = upstream.requests;
    expect(b.at - a.at).toBeGreaterThanOrEqual(1000);
    expect(c.at - b.at).toBeGreaterThanOrEqual(2000);
  });

  it('404: the URL or the model', async () => {
    upstream.chat = [
      json(404, ollamaError('model "phi-3-mini" not found, try pulling it first', 'not_found_error')),
    ];
    generator = new UpstreamGenerator({ config: config(upstream) });
    const error = await failure(generator);
    expect(error).toMatchObject({ code: 'upstream_not_found' });
    expect(error.message).toMatch(/HTTP 404 \(model "phi-3-mini" not found.*OpenAI-compatible base/);
  });

  it('a refused connection', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    generator = new UpstreamGenerator({
      config: { ...config(upstream), baseUrl: `http://127.0.0.1:${port}/v1` },
    });
    const error = await failure(generator);
    expect(error.code).toBe('upstream_unreachable');
    expect(error.message).toMatch(/the connection was refused\. Is the model server running/);
  });

  it('a certificate it cannot verify, and the same server trusted with its CA', async () => {
    const tls = await testCertificate();
    const secure = await startFakeUpstream(tls);
    secure.chat = [sse(vllmStream(['ok']))];
    try {
      generator = new UpstreamGenerator({ config: config(secure) });
      const error = await failure(generator);
      expect(error.code).toBe('upstream_tls');
      expect(error.message).toMatch(
        /secure connection to 127\.0\.0\.1:\d+ failed \(DEPTH_ZERO_SELF_SIGNED_CERT|--upstream-ca FILE/,
      );
      await generator.close();
      // The test certificate names localhost: the server is addressed so.
      generator = new UpstreamGenerator({
        config: config(secure, { baseUrl: `https://localhost:${secure.port}/v1`, ca: tls.cert }),
      });
      expect(asGeneration((await generate(generator)).result).text).toBe('ok');
    } finally {
      await secure.close();
    }
  });

  it('a server that reads a fraction of the prompt (Ollama past num_ctx) is refused, not trusted', async () => {
    upstream.chat = [sse(ollamaStream(['Short.'], { prompt: 40, completion: 2 }))];
    generator = new UpstreamGenerator({ config: config(upstream, { contextLength: 32_768 }) });
    const messages: ChatMessage[] = [{ role: 'user', content: 'The tenant pays rent. '.repeat(400) }];
    const error = await generate(generator, { messages }).catch((e: InferenceError) => e);
    expect(error).toMatchObject({ code: 'upstream_truncated' });
    expect((error as Error).message).toMatch(
      /read only 40 tokens of a 8800-character prompt: it cut the text/,
    );
  });
});

describe('Stop', () => {
  it('closes the upstream request and ends the generation as cancelled, with the text so far', async () => {
    upstream.chat = [sse(vllmStream(['one ', 'two ', 'three ']).slice(0, 3), { hold: true })];
    generator = new UpstreamGenerator({ config: config(upstream) });
    const controller = new AbortController();
    const deltas: string[] = [];
    const result = generator.generate(
      { messages: MESSAGES, maxNewTokens: 50, minNewTokens: 1 },
      {
        onDelta: (text) => {
          deltas.push(text);
          if (deltas.length === 2) controller.abort();
        },
      },
      controller.signal,
    );
    expect(await result).toMatchObject({ stopReason: 'cancelled', text: 'one two ' });
    const closed = await upstream.chatClosed(1);
    expect(closed.closedAt).not.toBeNull();
  });

  it('during a slow /models probe, closes it at once, and the next run asks again', async () => {
    // A server slow to list its models: the request stays open until the client closes it.
    const probe = held();
    upstream.models = probe.reply;
    generator = new UpstreamGenerator({ config: config(upstream, { contextLength: null }) });
    const controller = new AbortController();
    const pending = generator.ensureReady(controller.signal);
    await probe.arrived;
    controller.abort();
    await pending;
    await probe.closed;
    expect(generator.info().contextLength).toBe(DEFAULT_UPSTREAM_CONTEXT);

    upstream.models = json(200, vllmModels('phi-3-mini', 3072));
    await generator.ensureReady(new AbortController().signal);
    expect(generator.info().contextLength).toBe(3072);
    expect(upstream.requests.filter((r) => r.path.endsWith('/models'))).toHaveLength(2);
    // The probe's own bound (PROBE_MS) is longer than this test's: only the abort ends the wait in time.
  }, 15_000);

  it('while waiting to retry a 429, ends at once without another request', async () => {
    upstream.chat = [json(429, busy, { 'retry-after': '20' })];
    generator = new UpstreamGenerator({ config: config(upstream) });
    const controller = new AbortController();
    const pending = generator.generate(
      { messages: MESSAGES, maxNewTokens: 50, minNewTokens: 1 },
      { onDelta: () => undefined },
      controller.signal,
    );
    await upstream.chatClosed(1);
    controller.abort();
    expect(await pending).toMatchObject({ stopReason: 'cancelled', text: '' });
    expect(upstream.requests).toHaveLength(1);
  });
});
