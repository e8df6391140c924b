/**
 * The engine end to end over real HTTPS on a generated tiny Phi-3 model: streaming, responsiveness, cancel, the
 * queue, the prompt cache across requests, and a worker that dies mid-generation.
 */
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import type { SummaryEvent } from '../../localhost-engine/api/schemas';
import type { Paragraph } from '../../localhost-engine/api/schemas';
import { loadTokenizer, promptTokenIds } from '../../localhost-engine/inference/tokenizer';
import { buildMessages, renderDocument } from '../../localhost-engine/summarize/prompt';
import { labelParagraphs } from '../../localhost-engine/summarize/citations';
import type { LocalGenerator } from '../../localhost-engine/summarize/local-generator';
import { localGenerator } from '../helpers/local-generator';
import { WorkerProbe } from '../helpers/worker-probe';
import { localSummarizer } from '../../localhost-engine/summarize/document-summarizer';
import { collect, request, startTestEngine, summarizeStream, type TestEngine } from '../helpers/test-engine';

const DOCUMENT = {
  document: {
    paragraphs: [
      { text: 'Quarterly report', style: 'Title', outlineLevel: 1, isListItem: false, inTable: false },
      {
        text: 'Revenue grew by twelve percent while costs stayed flat.',
        style: 'Normal',
        outlineLevel: null,
        isListItem: false,
        inTable: false,
      },
      {
        text: 'Hiring slowed in the second half.',
        style: 'ListParagraph',
        outlineLevel: null,
        isListItem: true,
        inTable: false,
      },
      { text: 'Region | Revenue', style: 'Normal', outlineLevel: null, isListItem: false, inTable: true },
    ],
  },
  options: { style: 'key-points', length: 'short' },
};

function worker(engine: TestEngine): LocalGenerator {
  return localGenerator(engine.summarizer);
}

describe('engine over HTTPS on the tiny model', () => {
  let engine: TestEngine;
  const probe = new WorkerProbe();

  beforeAll(async () => {
    const modelDir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    engine = await startTestEngine(modelDir, {
      maxWaiting: 1,
      summarizer: localSummarizer({ modelDir, device: 'cpu', worker: probe.worker }),
    });
    await worker(engine).warmUp();
  });
  afterAll(async () => engine.close());

  it('reports the loaded model, its device and an idle queue in /api/health', async () => {
    const res = await request(engine, { path: '/api/health' });
    expect(res.status).toBe(200);
    const health = JSON.parse(res.body);
    expect(health).toMatchObject({
      status: 'ok',
      model: { state: 'ready', device: 'cpu', error: null },
      queue: { running: 0, waiting: 0 },
    });
    expect(typeof health.version).toBe('string');
  });

  it('streams real tokens as deltas over time, and the deltas add up to done.summary', async () => {
    const stream = await summarizeStream(engine, DOCUMENT);
    expect(stream.status).toBe(200);
    const events = await collect(stream);
    const types = events.map((e) => e.event.type);
    expect(types[0]).toBe('start');
    expect(types[types.length - 1]).toBe('done');
    const start = events[0].event as Extract<SummaryEvent, { type: 'start' }>;
    expect(start.device).toBe('cpu');
    expect(start.plan).toMatchObject({
      parts: 1,
      paragraphs: 4,
      inputTokens: expect.any(Number),
      cachedParts: 0,
    });
    const deltas = events.filter((e) => e.event.type === 'delta');
    expect(deltas.length).toBeGreaterThanOrEqual(5);
    // Not one burst at the end: the deltas came in several separate network reads, before the one carrying done.
    const doneChunk = events[events.length - 1].chunk;
    expect(new Set(deltas.map((d) => d.chunk)).size).toBeGreaterThanOrEqual(3);
    expect(deltas[0].chunk).toBeLessThan(doneChunk);
    const done = events[events.length - 1].event as Extract<SummaryEvent, { type: 'done' }>;
    expect(deltas.map((d) => (d.event as { text: string }).text).join('')).toBe(done.summary);
    expect(done.summary.trim().length).toBeGreaterThan(0);
    expect(done.usage.inputTokens).toBe(start.plan.inputTokens);
    expect(done.usage.outputTokens).toBeGreaterThan(5);
    for (const key of [
      'loadMs',
      'ttftMs',
      'prefillTokensPerSecond',
      'decodeTokensPerSecond',
      'totalMs',
    ] as const) {
      expect(done.usage[key]).toBeGreaterThan(0);
    }
    const section = events.find((e) => e.event.type === 'section')?.event;
    expect(section).toMatchObject({ part: 1, title: 'Quarterly report', paragraphs: [0, 3] });
  });

  it('summarizes a document again in another style reading the document from the prompt cache', async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const tokenizer = await loadTokenizer(dir);
    // The prompt labels each paragraph for citations (summarize/citations.ts).
    const labelled = labelParagraphs(DOCUMENT.document.paragraphs as Paragraph[]);
    const prompt = (style: 'key-points' | 'paragraph'): number[] =>
      promptTokenIds(tokenizer, buildMessages(renderDocument(labelled), { style, length: 'short' }));
    const [keyPoints, paragraph] = [prompt('key-points'), prompt('paragraph')];
    let shared = 0;
    while (keyPoints[shared] === paragraph[shared]) shared++;
    // The document comes before the style: the two prompts share it whole.
    expect(tokenizer.decode(keyPoints.slice(0, shared))).toContain(`${renderDocument(labelled)}\n"""`);
    const done = async (style: string): Promise<Extract<SummaryEvent, { type: 'done' }>> => {
      const events = await collect(
        await summarizeStream(engine, { ...DOCUMENT, options: { style, length: 'short' } }),
      );
      return events[events.length - 1].event as Extract<SummaryEvent, { type: 'done' }>;
    };
    await done('key-points');
    const again = await done('paragraph');
    expect(again.type).toBe('done');
    expect(again.usage.inputTokens).toBe(paragraph.length);
    expect(again.usage.cachedInputTokens).toBe(shared);
  });

  it('answers health while a generation runs (ordering, not timing)', async () => {
    const order: string[] = [];
    const stream = await summarizeStream(engine, { ...DOCUMENT, options: { length: 'long' } });
    const iterator = stream.events[Symbol.asyncIterator]();
    // Wait for the first delta: the worker is now inside its token loop.
    for (let r = await iterator.next(); !r.done && r.value.event.type !== 'delta'; r = await iterator.next());
    const health = request(engine, { path: '/api/health' }).then((res) => {
      order.push('health');
      return JSON.parse(res.body);
    });
    const rest = (async () => {
      for (let r = await iterator.next(); !r.done; r = await iterator.next());
      order.push('done');
    })();
    const body = await health;
    await rest;
    expect(order).toEqual(['health', 'done']);
    expect(body.queue.running).toBe(1);
  });

  it('stops the token loop when the client disconnects, and the next request starts at once', async () => {
    const before = probe.steps;
    const stream = await summarizeStream(engine, { ...DOCUMENT, options: { length: 'long' } });
    let deltas = 0;
    for await (const e of stream.events) {
      if (e.event.type === 'delta' && ++deltas === 3) {
        stream.abort();
        break;
      }
    }
    // The next request can only start once the cancelled one has left the worker.
    const next = await summarizeStream(engine, DOCUMENT);
    const events = await collect(next);
    const done = events[events.length - 1].event as Extract<SummaryEvent, { type: 'done' }>;
    expect(done.type).toBe('done');
    // Steps of the second run: one prefill pass plus one per token after the first (it stops at the length cap).
    const secondRunSteps = done.usage.outputTokens;
    const cancelledRunSteps = probe.steps - before - secondRunSteps;
    // A long summary would take 640 steps; the cancelled loop stopped far short of that.
    expect(cancelledRunSteps).toBeGreaterThanOrEqual(3);
    expect(cancelledRunSteps).toBeLessThan(640);
  });

  it('queues one request, refuses the next with 429 and Retry-After, and completes the queued one in order', async () => {
    const order: string[] = [];
    const first = await summarizeStream(engine, { ...DOCUMENT, options: { length: 'medium' } });
    const it1 = first.events[Symbol.asyncIterator]();
    const r = await it1.next();
    expect(r.value.event.type).toBe('start');
    const second = await summarizeStream(engine, DOCUMENT);
    expect(second.status).toBe(200);
    const third = await request(engine, {
      method: 'POST',
      path: '/api/summarize',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(DOCUMENT),
    });
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toMatch(/^\d+$/);
    expect(JSON.parse(third.body)).toMatchObject({ code: 'queue_full' });
    const drainFirst = (async () => {
      for (let x = await it1.next(); !x.done; x = await it1.next())
        if (x.value.event.type === 'done') order.push('first done');
    })();
    const drainSecond = (async () => {
      for await (const e of second.events) {
        if (e.event.type === 'start') order.push('second start');
        if (e.event.type === 'done') order.push('second done');
      }
    })();
    await Promise.all([drainFirst, drainSecond]);
    expect(order).toEqual(['first done', 'second start', 'second done']);
  });

  it('reports a worker that dies mid-generation as an error event and recovers for the next request', async () => {
    const w = worker(engine);
    const startsBefore = w.worker.workerStarts;
    const stream = await summarizeStream(engine, { ...DOCUMENT, options: { length: 'long' } });
    const events: SummaryEvent[] = [];
    for await (const e of stream.events) {
      events.push(e.event);
      if (e.event.type === 'delta' && events.filter((x) => x.type === 'delta').length === 2)
        probe.endAfterNextStep();
    }
    const last = events[events.length - 1];
    expect(last).toMatchObject({ type: 'error', code: 'worker_crashed' });
    expect(last.type === 'error' && last.message).toMatch(/try again/);
    const again = await collect(await summarizeStream(engine, DOCUMENT));
    expect(again[again.length - 1].event.type).toBe('done');
    expect(w.worker.workerStarts).toBe(startsBefore + 1);
  });
});
