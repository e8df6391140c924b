/**
 * Everything a request controls is bounded (the guide's "Localhost security"): body bytes however they are sent,
 * paragraph count, characters, output tokens and wall time. Real HTTPS listeners on the generated tiny model.
 */
import https from 'node:https';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { LIMITS, type SummaryEvent } from '../../localhost-engine/api/schemas';
import { MAX_NEW_TOKENS } from '../../localhost-engine/summarize/prompt';
import { localSummarizer } from '../../localhost-engine/summarize/document-summarizer';
import type { LocalGenerator } from '../../localhost-engine/summarize/local-generator';
import { localGenerator } from '../helpers/local-generator';
import { WorkerProbe } from '../helpers/worker-probe';
import {
  collect,
  engineRequestOptions,
  request,
  startTestEngine,
  summarizeStream,
  type TestEngine,
} from '../helpers/test-engine';

const JSON_TYPE = { 'content-type': 'application/json' };
const LONG_REQUEST = {
  text: 'The board met on Tuesday.\n\nRevenue grew by twelve percent while costs stayed flat.',
  options: { length: 'long' },
};

function summarizer(engine: TestEngine): LocalGenerator {
  return localGenerator(engine.summarizer);
}

async function events(engine: TestEngine, body: unknown): Promise<SummaryEvent[]> {
  const stream = await summarizeStream(engine, body);
  expect(stream.status).toBe(200);
  return (await collect(stream)).map((e) => e.event);
}

/** POSTs `body` with chunked transfer encoding (no Content-Length for the server to refuse up front). */
function postChunked(engine: TestEngine, body: Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      engineRequestOptions(engine, 'POST', '/api/summarize', {
        ...JSON_TYPE,
        'transfer-encoding': 'chunked',
      }),
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    // The server may answer and close before it has read everything: that is the point.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
    req.end();
  });
}

describe('bounds on one request', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine(await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' }));
    await summarizer(engine).warmUp();
  });
  afterAll(async () => engine.close());

  it('answers 413 to a chunked body over the limit (no Content-Length to refuse up front)', async () => {
    const big = Buffer.from(JSON.stringify({ text: 'x'.repeat(LIMITS.bodyBytes + 1024) }));
    const res = await postChunked(engine, big);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'body_too_large' });
    expect((await request(engine, { path: '/api/health' })).status).toBe(200);
  });

  it(`answers 400 naming the field to more than ${LIMITS.paragraphs} paragraphs`, async () => {
    const paragraphs = Array.from({ length: LIMITS.paragraphs + 1 }, () => ({ text: 'a' }));
    const res = await request(engine, {
      method: 'POST',
      path: '/api/summarize',
      headers: JSON_TYPE,
      body: JSON.stringify({ document: { paragraphs } }),
    });
    expect(res.status).toBe(400);
    const body = JSON.parse(res.body);
    expect(body.code).toBe('invalid_request');
    expect(body.message).toMatch(/^body\/document\/paragraphs/);
    expect(body.message).toMatch(new RegExp(String(LIMITS.paragraphs)));
  });

  it(`answers 400 naming the field to plain text over ${LIMITS.textChars} characters`, async () => {
    const res = await request(engine, {
      method: 'POST',
      path: '/api/summarize',
      headers: JSON_TYPE,
      body: JSON.stringify({ text: 'x'.repeat(LIMITS.textChars + 1) }),
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(/^body\/text/);
  });

  it(`never generates more than the length option's cap (${MAX_NEW_TOKENS.long} tokens for long)`, async () => {
    const all = await events(engine, LONG_REQUEST);
    const done = all[all.length - 1];
    if (done.type !== 'done') throw new Error(`expected done, got ${JSON.stringify(done)}`);
    expect(done.usage.outputTokens).toBeGreaterThan(0);
    expect(done.usage.outputTokens).toBeLessThanOrEqual(MAX_NEW_TOKENS.long);
  });
});

describe('an engine-wide output cap', () => {
  const CAP = 24;
  let engine: TestEngine;
  beforeAll(async () => {
    const modelDir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    engine = await startTestEngine(modelDir, {
      summarizer: localSummarizer({ modelDir, device: 'cpu', maxNewTokens: CAP }),
    });
  });
  afterAll(async () => engine.close());

  it(`holds whatever the length option asks (${CAP} tokens even for long)`, async () => {
    const all = await events(engine, LONG_REQUEST);
    const done = all[all.length - 1];
    if (done.type !== 'done') throw new Error(`expected done, got ${JSON.stringify(done)}`);
    expect(done.usage.outputTokens).toBeLessThanOrEqual(CAP);
  });
});

describe('a request-time bound', () => {
  const MAX_REQUEST_MS = 250;
  let engine: TestEngine;
  const probe = new WorkerProbe();
  beforeAll(async () => {
    const modelDir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    engine = await startTestEngine(modelDir, {
      maxRequestMs: MAX_REQUEST_MS,
      summarizer: localSummarizer({ modelDir, device: 'cpu', worker: probe.worker }),
    });
    await summarizer(engine).warmUp();
  });
  afterAll(async () => engine.close());

  it('stops a summary that runs past maxRequestMs with a timeout error event, and stops the worker too', async () => {
    const before = probe.steps;
    // A long summary is 640 tokens, ~0.7 s on this model on an idle machine: nearly 3x the bound.
    const all = await events(engine, LONG_REQUEST);
    const last = all[all.length - 1];
    expect(last).toMatchObject({ type: 'error', code: 'timeout' });
    expect(last.type === 'error' && last.message).toMatch(/longer than|too long/);
    expect(all.some((e) => e.type === 'done')).toBe(false);
    // The stream ends only once the worker has left its loop: it stopped well short of the 640 steps.
    expect(probe.steps - before).toBeLessThan(MAX_NEW_TOKENS.long);
    const health = JSON.parse((await request(engine, { path: '/api/health' })).body);
    expect(health.queue).toEqual({ running: 0, waiting: 0 });
    expect(health.model.state).toBe('ready');
  });
});
