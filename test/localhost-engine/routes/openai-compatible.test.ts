/**
 * LocalScribe's own OpenAI-compatible routes over real HTTPS on the tiny model: the model list, completions
 * whole and streamed (in the shapes OpenAI clients read), the same guard, bounds and queue as /api/summarize, and
 * errors in OpenAI's shape.
 */
import https from 'node:https';
import { ensureGeneratedModel } from '../../../models/ensure-generated-model';
import { chatChunks, type ChatChunk } from '../../../localhost-engine/upstream/chat-chunks';
import { contextOverflow } from '../../../localhost-engine/upstream/context-overflow';
import { sseEvents } from '../../../localhost-engine/upstream/sse-events';
import { localGenerator } from '../../helpers/local-generator';
import {
  engineRequestOptions,
  request,
  startTestEngine,
  summarizeStream,
  type TestEngine,
} from '../../helpers/test-engine';

const json = { 'content-type': 'application/json' };
const MESSAGES = [
  { role: 'system', content: 'You summarize documents faithfully.' },
  { role: 'user', content: 'The tenant pays rent on the first day of each month. Summarize.' },
];

describe('/v1 on the tiny model', () => {
  let engine: TestEngine;
  let model: string;

  beforeAll(async () => {
    engine = await startTestEngine(await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' }), {
      maxWaiting: 1,
    });
    await localGenerator(engine.summarizer).warmUp();
    model = localGenerator(engine.summarizer).info().model;
  });
  afterAll(async () => engine.close());

  const post = (body: unknown, headers: Record<string, string> = json) =>
    request(engine, { method: 'POST', path: '/v1/chat/completions', headers, body: JSON.stringify(body) });

  it('lists the local model with its context size', async () => {
    const res = await request(engine, { path: '/v1/models' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      object: 'list',
      data: [
        {
          id: model,
          object: 'model',
          created: expect.any(Number),
          owned_by: 'localscribe',
          max_model_len: 4096,
        },
      ],
    });
  });

  it('answers a completion whole, with usage', async () => {
    const res = await post({ model, messages: MESSAGES, max_tokens: 12 });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model,
      choices: [
        { index: 0, message: { role: 'assistant', content: expect.any(String) }, finish_reason: 'length' },
      ],
      usage: { completion_tokens: 12, prompt_tokens: expect.any(Number) },
    });
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + 12);
  });

  it('streams a completion as server-sent events: role first, deltas, finish, usage, [DONE]', async () => {
    const res = await post({
      model,
      messages: MESSAGES,
      max_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.body.endsWith('data: [DONE]\n\n')).toBe(true);
    const first = JSON.parse(res.body.slice('data: '.length, res.body.indexOf('\n')));
    expect(first).toMatchObject({
      object: 'chat.completion.chunk',
      model,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }],
    });
    const chunks: ChatChunk[] = [];
    for await (const event of sseEvents([res.body])) chunks.push(...chatChunks(event));
    const text = chunks
      .filter((c) => c.kind === 'text')
      .map((c) => (c as { text: string }).text)
      .join('');
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.slice(-3)).toEqual([
      { kind: 'finish', reason: 'length' },
      {
        kind: 'usage',
        usage: { promptTokens: expect.any(Number), completionTokens: 10, cachedTokens: expect.any(Number) },
      },
      { kind: 'done' },
    ]);
  });

  it('refuses a prompt past the context in a way OpenAI-compatible clients (and LocalScribe) recognize', async () => {
    const long = [{ role: 'user', content: 'The tenant pays rent. '.repeat(1200) }];
    const res = await post({ model, messages: long, max_tokens: 10 });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({
      error: { type: 'invalid_request_error', code: 'context_length_exceeded', param: null },
    });
    expect(body.error.message).toMatch(/This model's maximum context length is 4096 tokens/);
    expect(contextOverflow(body)).toBeGreaterThan(4096);
  });

  it.each([
    [
      'an unknown model',
      { model: 'gpt-4o', messages: MESSAGES },
      404,
      'model_not_found',
      /"gpt-4o" is not served here; GET \/v1\/models lists/,
    ],
    ['no messages', { model: 'm', messages: [] }, 400, 'invalid_request', /messages/],
    [
      'an unknown field',
      { model: 'm', messages: MESSAGES, tools: [] },
      400,
      'invalid_request',
      /tools|additional/,
    ],
    [
      'too many tokens',
      { model: 'm', messages: MESSAGES, max_tokens: 100000 },
      400,
      'invalid_request',
      /max_tokens/,
    ],
    [
      'a role it does not take',
      { model: 'm', messages: [{ role: 'tool', content: 'x' }] },
      400,
      'invalid_request',
      /role/,
    ],
  ])('refuses %s in OpenAI’s error shape', async (_name, body, status, code, message) => {
    const res = await post(body);
    expect(res.status).toBe(status);
    const answer = JSON.parse(res.body);
    expect(answer.error).toMatchObject({ code, param: null });
    expect(answer.error.message).toMatch(message);
  });

  it('keeps the guard of every route: foreign Host, foreign Origin, non-JSON, a query string', async () => {
    const host = await request(engine, {
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { ...json, host: 'evil.example:80' },
      body: '{}',
    });
    expect(host.status).toBe(403);
    expect(JSON.parse(host.body).error.code).toBe('forbidden');
    const origin = await request(engine, { path: '/v1/models', headers: { origin: 'https://evil.example' } });
    expect(origin.status).toBe(403);
    const text = await post({ model, messages: MESSAGES }, { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const query = await request(engine, { path: '/v1/models?model=../x' });
    expect(query.status).toBe(400);
  });

  it('shares the queue with /api/summarize, and a closed connection stops the generation', async () => {
    const controller = new AbortController();
    const firstChunk = new Promise<void>((resolve, reject) => {
      const req = https.request(
        engineRequestOptions(engine, 'POST', '/v1/chat/completions', json, controller.signal),
        (res) => res.once('data', () => resolve()),
      );
      req.on('error', (err) => {
        if (!controller.signal.aborted) reject(err);
      });
      req.end(JSON.stringify({ model, messages: MESSAGES, max_tokens: 2048, stream: true }));
    });
    await firstChunk;
    // One completion runs, a second waits: the queue (one running, one waiting) is full for a summary.
    const waiting = post({ model, messages: MESSAGES, max_tokens: 4 });
    await new Promise<void>((resolve) => {
      const check = async (): Promise<void> => {
        const health = JSON.parse((await request(engine, { path: '/api/health' })).body);
        if (health.queue.waiting === 1) resolve();
        else setImmediate(() => void check());
      };
      void check();
    });
    const busy = await summarizeStream(engine, { text: 'A document.', options: { length: 'short' } });
    expect(busy.status).toBe(429);
    // Closing the first connection cancels its generation: the waiting completion is served.
    controller.abort();
    const next = await waiting;
    expect(next.status).toBe(200);
    expect(JSON.parse(next.body).choices[0].finish_reason).toBe('length');
  });
});
