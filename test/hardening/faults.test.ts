/**
 * Faults inside the engine, on the generated tiny model: inference workers that die mid-generation, twice in a
 * row, an engine closed while its model loads, and a GPU that fails at run time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { InferenceWorkerClient } from '../../localhost-engine/inference/inference-worker-client';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import type { SummaryEvent } from '../../localhost-engine/api/schemas';
import { localSummarizer } from '../../localhost-engine/summarize/document-summarizer';
import type { LocalGenerator, LocalGeneratorOptions } from '../../localhost-engine/summarize/local-generator';
import { localGenerator } from '../helpers/local-generator';
import { WorkerProbe } from '../helpers/worker-probe';
import { collect, request, startTestEngine, summarizeStream, type TestEngine } from '../helpers/test-engine';

const REQUEST = {
  text: 'The board met on Tuesday.\n\nRevenue grew by twelve percent while costs stayed flat.',
  options: { length: 'long' },
};

function summarizer(engine: TestEngine): LocalGenerator {
  return localGenerator(engine.summarizer);
}

/** Runs a long summary and ends the worker after its second delta; returns the events. */
async function crashMidGeneration(engine: TestEngine, probe: WorkerProbe): Promise<SummaryEvent[]> {
  const stream = await summarizeStream(engine, REQUEST);
  expect(stream.status).toBe(200);
  const events: SummaryEvent[] = [];
  let deltas = 0;
  for await (const e of stream.events) {
    events.push(e.event);
    if (e.event.type === 'delta' && ++deltas === 2) probe.endAfterNextStep();
  }
  return events;
}

describe('inference workers that die', () => {
  let engine: TestEngine;
  const probe = new WorkerProbe();
  beforeAll(async () => {
    const modelDir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    engine = await startTestEngine(modelDir, {
      summarizer: localSummarizer({ modelDir, device: 'cpu', worker: probe.worker }),
    });
    await summarizer(engine).warmUp();
  });
  afterAll(async () => engine.close());

  it('survives two crashes in a row: two error events, two new workers, then a complete summary', async () => {
    const worker = summarizer(engine).worker;
    const startsBefore = worker.workerStarts;
    for (let crash = 1; crash <= 2; crash++) {
      const events = await crashMidGeneration(engine, probe);
      // After the first crash the worker is reloading: `progress` (load) comes before `start`.
      expect(events.some((e) => e.type === 'start')).toBe(true);
      expect(events[events.length - 1]).toMatchObject({ type: 'error', code: 'worker_crashed' });
      expect(events.some((e) => e.type === 'done')).toBe(false);
    }
    const again = (await collect(await summarizeStream(engine, REQUEST))).map((e) => e.event);
    expect(again[again.length - 1].type).toBe('done');
    expect(worker.workerStarts).toBe(startsBefore + 2);
    const health = JSON.parse((await request(engine, { path: '/api/health' })).body);
    expect(health.model).toMatchObject({ state: 'ready', device: 'cpu', error: null });
    expect(health.queue).toEqual({ running: 0, waiting: 0 });
  });
});

describe('an engine closed while its model loads', () => {
  it('lets the load finish before it stops the worker (stopping it inside onnxruntime aborts the process)', async () => {
    const modelDir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const optimizedModelsDir = mkdtempSync(path.join(os.tmpdir(), 'ls-close-'));
    try {
      // With a fresh copy folder the load builds and checks an optimized copy: seconds inside native code.
      const client = new InferenceWorkerClient({ modelDir, device: 'cpu', optimizedModelsDir });
      const loading = client.ensureLoaded();
      await client.close();
      await loading;
      // Terminated mid-load, the worker would have reported a failed load (or taken the process with it).
      expect(client.state).toBe('ready');
      expect(client.optimized?.status).toBeDefined();
    } finally {
      rmSync(optimizedModelsDir, { recursive: true, force: true });
    }
  });
});

// The test worker (test/helpers/hooked-worker.ts) reports its first session as a GPU's and makes its first run
// throw, as an integrated GPU that reports "device removed" on a long prompt does.
describe('a GPU that fails at run time', () => {
  const fallbacks: Array<{ from: string; to: string; reason: string }> = [];
  const logLines: string[] = [];
  let engine: TestEngine;

  beforeAll(async () => {
    const modelDir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const probe = new WorkerProbe({
      failFirstRun: { device: 'webgpu', message: 'device removed (DXGI_ERROR_DEVICE_REMOVED)' },
    });
    const options: LocalGeneratorOptions = {
      modelDir,
      device: 'cpu',
      worker: probe.worker,
      onDeviceFallback: (from: string, to: string, reason: string) => {
        fallbacks.push({ from, to, reason });
        logLines.push(`device ${from} failed; using ${to}`);
      },
    };
    engine = await startTestEngine(modelDir, {
      summarizer: localSummarizer(options),
      logger: {
        level: 'warn',
        stream: new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }),
      },
    });
    await summarizer(engine).warmUp();
  });
  afterAll(async () => engine.close());

  it('reports the (pretended) GPU before the first run', async () => {
    const health = JSON.parse((await request(engine, { path: '/api/health' })).body);
    expect(health.model).toMatchObject({ state: 'ready', device: 'webgpu' });
  });

  it('falls back to the CPU, completes the summary without repeating text, and says which device runs', async () => {
    const events = (await collect(await summarizeStream(engine, REQUEST))).map((e) => e.event);
    const last = events[events.length - 1];
    if (last.type !== 'done') throw new Error(`expected done, got ${JSON.stringify(last)}`);
    // The retry on the CPU regenerates silently: the deltas still add up to the summary, once.
    const deltas = events.flatMap((e) => (e.type === 'delta' ? [e.text] : []));
    expect(deltas.join('')).toBe(last.summary);
    expect(fallbacks).toEqual([
      { from: 'webgpu', to: 'cpu', reason: expect.stringMatching(/device removed/) },
    ]);
    const health = JSON.parse((await request(engine, { path: '/api/health' })).body);
    expect(health.model).toMatchObject({ state: 'ready', device: 'cpu', error: null });
    expect(logLines.join('\n')).toMatch(/device webgpu failed; using cpu/);
  });

  it('runs the next request on the CPU from the start, without another fallback', async () => {
    const events = (await collect(await summarizeStream(engine, REQUEST))).map((e) => e.event);
    expect(events.find((e) => e.type === 'start')).toMatchObject({ device: 'cpu' });
    expect(events[events.length - 1].type).toBe('done');
    expect(fallbacks).toHaveLength(1);
  });
});
