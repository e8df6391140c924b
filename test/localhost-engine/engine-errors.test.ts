/**
 * Every refusal the contract names, on a real HTTPS listener: missing or broken models, bad bodies, and requests
 * from places a localhost server must not serve.
 */
import { copyFileSync, mkdtempSync, readdirSync, statSync, truncateSync, cpSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { LIMITS } from '../../localhost-engine/api/schemas';
import { localGenerator } from '../helpers/local-generator';
import { request, startTestEngine, type TestEngine } from '../helpers/test-engine';

const BODY = JSON.stringify({ text: 'A short document.\n\nWith two paragraphs.' });
const json = { 'content-type': 'application/json' };

function post(engine: TestEngine, body: string | Buffer, headers: Record<string, string> = json) {
  return request(engine, { method: 'POST', path: '/api/summarize', headers, body });
}

describe('a missing model', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine(path.join(mkdtempSync(path.join(os.tmpdir(), 'ls-nomodel-')), 'absent'));
  });
  afterAll(async () => engine.close());

  it('shows as missing in health and makes summarize answer 503 model_missing with what to do', async () => {
    const health = JSON.parse((await request(engine, { path: '/api/health' })).body);
    expect(health.model).toMatchObject({ state: 'missing', device: null });
    const res = await post(engine, BODY);
    expect(res.status).toBe(503);
    const body = JSON.parse(res.body);
    expect(body.code).toBe('model_missing');
    expect(body.message).toMatch(/--model DIR/);
  });
});

describe('a truncated model file', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    const source = await ensureGeneratedModel({ size: 'tiny', layout: 'genai' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ls-truncated-'));
    cpSync(source, dir, { recursive: true });
    const graph = path.join(dir, 'model.onnx');
    truncateSync(graph, Math.floor(statSync(graph).size / 2));
    engine = await startTestEngine(dir);
    await localGenerator(engine.summarizer).warmUp();
  });
  afterAll(async () => engine.close());

  it('reports state error with the reason in health, and summarize answers 503 model_error', async () => {
    const health = JSON.parse((await request(engine, { path: '/api/health' })).body);
    expect(health.model.state).toBe('error');
    // onnxruntime's own reason, naming the file (not a parser detail of the engine's graph rewrite).
    expect(health.model.error).toMatch(/could not be loaded \(Load model from .*model\.onnx failed/);
    const res = await post(engine, BODY);
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'model_error' });
  });
});

describe('requests the engine refuses', () => {
  let engine: TestEngine;
  beforeAll(async () => {
    engine = await startTestEngine(await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' }));
  });
  afterAll(async () => engine.close());

  it.each([
    ['a wrong option value', { text: 'Hi there', options: { style: 'poem' } }, 'body/options/style'],
    [
      'a paragraph without text',
      { document: { paragraphs: [{ style: 'Normal' }] } },
      'body/document/paragraphs/0/text',
    ],
    ['a wrong type', { document: { paragraphs: [{ text: 42 }] } }, 'body/document/paragraphs/0/text'],
    ['an extra field', { text: 'Hi', model: '../../etc/passwd' }, 'body'],
    ['neither text nor document', { options: {} }, 'body'],
  ])('answers 400 naming the field for %s', async (_name, body, field) => {
    const res = await post(engine, JSON.stringify(body));
    expect(res.status).toBe(400);
    const parsed = JSON.parse(res.body);
    expect(parsed.code).toBe('invalid_request');
    expect(parsed.message.startsWith(field)).toBe(true);
  });

  it('answers 400 invalid_json for broken JSON', async () => {
    const res = await post(engine, '{"text": ');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).code).toBe('invalid_json');
  });

  it('answers 400 empty_document for whitespace-only text', async () => {
    const res = await post(engine, JSON.stringify({ text: ' \n\n \u200b ' }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ code: 'empty_document' });
  });

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['multipart/form-data; boundary=x']])(
    'answers 415 to a %s POST (a cross-site "simple" request)',
    async (type) => {
      const res = await post(engine, BODY, { 'content-type': type });
      expect(res.status).toBe(415);
      expect(JSON.parse(res.body).code).toBe('unsupported_media_type');
    },
  );

  it('answers 413 to a body over the limit', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(LIMITS.bodyBytes + 10) });
    const res = await post(engine, big);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).code).toBe('body_too_large');
  });

  it.each([['evil.example:3000'], ['localhost.evil.example'], ['127.0.0.1:1'], ['[::1]:1']])(
    'answers 403 to Host "%s" (DNS rebinding)',
    async (host) => {
      const res = await request(engine, { path: '/api/health', headers: { host } });
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body).code).toBe('forbidden');
    },
  );

  it('answers 403 to a foreign Origin and sends no CORS header', async () => {
    for (const origin of ['https://evil.example', 'null', `http://localhost:${engine.port}`]) {
      const res = await post(engine, BODY, { ...json, origin });
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('accepts its own origin under every loopback name', async () => {
    for (const name of ['localhost', '127.0.0.1', '[::1]']) {
      const res = await request(engine, {
        path: '/api/health',
        headers: { host: `${name}:${engine.port}`, origin: `https://${name}:${engine.port}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
  });
});

// Keep the fixture helpers honest: the genai copy above must have had files to truncate.
test('the tiny genai folder has a graph to truncate', async () => {
  const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'genai' });
  expect(readdirSync(dir)).toContain('model.onnx');
  expect(typeof copyFileSync).toBe('function');
});
