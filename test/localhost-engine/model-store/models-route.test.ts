/**
 * `/api/models` on a real HTTPS engine whose model is missing: list, refuse bad ids, download with NDJSON progress
 * from a fake hub (health says `downloading`), cancel, resume, and then summarize with the downloaded model.
 */
import https from 'node:https';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {
  HealthResponse,
  ModelDownloadEvent,
  ModelsResponse,
} from '../../../localhost-engine/api/schemas';
import { ModelStore } from '../../../localhost-engine/model-store/model-store';
import { localGenerator } from '../../helpers/local-generator';
import { addTinyModels, FakeHub, type TinyModels } from '../../helpers/fake-hub';
import {
  collect,
  engineRequestOptions,
  request,
  startTestEngine,
  summarizeStream,
  type TestEngine,
} from '../../helpers/test-engine';

let hub: FakeHub;
let tiny: TinyModels;
let store: ModelStore;
let engine: TestEngine;

interface DownloadStream {
  status: number;
  body: string;
  /** Resolves with each event as its line arrives. */
  events: AsyncGenerator<ModelDownloadEvent>;
  abort(): void;
}

/** POSTs a download and yields its NDJSON events as they arrive (or the error body for a non-200). */
function postDownload(
  id: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
): Promise<DownloadStream> {
  const controller = new AbortController();
  return new Promise((resolve, reject) => {
    const req = https.request(
      engineRequestOptions(engine, 'POST', `/api/models/${id}/download`, headers, controller.signal),
      (res) => {
        res.setEncoding('utf8');
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (c: string) => (body += c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              body,
              events: (async function* () {})(),
              abort: () => undefined,
            }),
          );
          return;
        }
        async function* events(): AsyncGenerator<ModelDownloadEvent> {
          let buffer = '';
          try {
            for await (const data of res as AsyncIterable<string>) {
              buffer += data;
              let nl: number;
              while ((nl = buffer.indexOf('\n')) >= 0) {
                const line = buffer.slice(0, nl);
                buffer = buffer.slice(nl + 1);
                if (line.trim()) yield JSON.parse(line) as ModelDownloadEvent;
              }
            }
          } catch (err) {
            if (!controller.signal.aborted) throw err;
          }
        }
        resolve({ status: 200, body: '', events: events(), abort: () => controller.abort() });
      },
    );
    req.on('error', (err) => {
      if (!controller.signal.aborted) reject(err);
    });
    req.end(headers['content-type'] ? '{}' : undefined);
  });
}

async function getJson<T>(p: string): Promise<T> {
  const res = await request(engine, { path: p });
  expect(res.status).toBe(200);
  return JSON.parse(res.body) as T;
}

beforeAll(async () => {
  hub = await FakeHub.start();
  tiny = await addTinyModels(hub);
  const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'ls-route-models-'));
  store = new ModelStore({
    catalog: tiny.catalog,
    modelsDir,
    hubUrl: hub.url,
    hubCa: hub.ca,
    device: 'cpu',
    env: {},
    download: { retryDelayMs: 0, progressIntervalMs: 0 },
  });
  engine = await startTestEngine(store.installDir(tiny.genai), { modelStore: store });
});
afterAll(async () => {
  await engine.close();
  await hub.close();
});

describe('/api/models', () => {
  it('lists the catalog with states, the default for the device and the engine’s (missing) model', async () => {
    const list = await getJson<ModelsResponse>('/api/models');
    expect(list).toMatchObject({ device: 'cpu', defaultId: 'tiny-genai', download: null, found: [] });
    expect(list.models.map((m) => [m.id, m.state, m.default, m.active])).toEqual([
      ['tiny-genai', 'missing', true, true],
      ['tiny-transformers', 'missing', false, false],
    ]);
    const health = await getJson<HealthResponse>('/api/health');
    expect(health.model.state).toBe('missing');
  });

  it('refuses ids that are not catalog ids, before doing anything', async () => {
    for (const id of ['..%2F..%2Fetc', 'Tiny-Genai', 'a..b', '.hidden', `${'a'.repeat(65)}`]) {
      const res = await postDownload(id);
      expect([id, res.status]).toEqual([id, 400]);
      expect(JSON.parse(res.body)).toMatchObject({ code: 'invalid_request' });
    }
    const unknown = await postDownload('no-such-model');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ code: 'unknown_model' });
    const notJson = await postDownload('tiny-genai', {});
    expect(notJson.status).toBe(415);
    const cancelNothing = await request(engine, {
      method: 'DELETE',
      path: '/api/models/tiny-genai/download',
    });
    expect(cancelNothing.status).toBe(404);
    expect(JSON.parse(cancelNothing.body)).toMatchObject({ code: 'not_downloading' });
    expect(hub.requests).toEqual([]);
  });

  it('reports downloading in health while it runs, survives the client leaving, and cancels on DELETE', async () => {
    let release!: () => void;
    hub.fault(tiny.genai.repo, `${tiny.genai.folder}/model.onnx.data`, {
      gate: new Promise<void>((r) => (release = r)),
    });
    const first = await postDownload('tiny-genai');
    const start = await first.events.next();
    expect(start.value).toMatchObject({ type: 'start', model: 'tiny-genai', receivedBytes: 0 });
    first.abort(); // the pane went away: the download goes on

    const health = await getJson<HealthResponse>('/api/health');
    expect(health.model.state).toBe('downloading');
    const list = await getJson<ModelsResponse>('/api/models');
    expect(list.download).toMatchObject({ model: 'tiny-genai' });
    expect(list.models[0].state).toBe('downloading');

    // A second client joins the same download and sees it end when it is cancelled.
    const second = await postDownload('tiny-genai');
    expect((await second.events.next()).value).toMatchObject({ type: 'start' });
    const busy = await postDownload('tiny-transformers');
    expect(busy.status).toBe(409);
    expect(JSON.parse(busy.body)).toMatchObject({ code: 'download_running' });

    const cancel = await request(engine, { method: 'DELETE', path: '/api/models/tiny-genai/download' });
    expect(cancel.status).toBe(200);
    expect(JSON.parse(cancel.body)).toEqual({ model: 'tiny-genai', cancelled: true });
    const rest: ModelDownloadEvent[] = [];
    for await (const e of second.events) rest.push(e);
    expect(rest[rest.length - 1]).toMatchObject({ type: 'error', code: 'cancelled' });
    release();
    hub.clearFaults();

    expect((await getJson<HealthResponse>('/api/health')).model.state).toBe('missing');
    expect((await getJson<ModelsResponse>('/api/models')).models[0].state).toBe('partial');
  });

  it('downloads with progress (resuming what the cancelled run left), then the engine loads and summarizes', async () => {
    hub.resetCounters();
    const res = await postDownload('tiny-genai');
    const events: ModelDownloadEvent[] = [];
    for await (const e of res.events) events.push(e);
    expect(events[0]).toMatchObject({ type: 'start', model: 'tiny-genai' });
    const total = (events[0] as { totalBytes: number }).totalBytes;
    const resumed = (events[0] as { receivedBytes: number }).receivedBytes;
    expect(resumed).toBeGreaterThan(0); // the small files finished before the cancel
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(2);
    expect(progress[progress.length - 1]).toMatchObject({ receivedBytes: total, totalBytes: total });
    expect(events[events.length - 1]).toEqual({
      type: 'done',
      model: 'tiny-genai',
      dir: store.installDir(tiny.genai),
      totalBytes: total,
      downloadedBytes: total - resumed,
    });
    expect(hub.bytesServed()).toBe(total - resumed);

    await localGenerator(engine.summarizer).warmUp();
    expect((await getJson<HealthResponse>('/api/health')).model).toMatchObject({
      state: 'ready',
      device: 'cpu',
    });
    const stream = await summarizeStream(engine, {
      text: 'The board approved the budget. Hiring resumes in spring.',
      options: { length: 'short' },
    });
    const summary = (await collect(stream)).map((e) => e.event);
    expect(summary[summary.length - 1]).toMatchObject({ type: 'done' });

    const list = await getJson<ModelsResponse>('/api/models');
    expect(list.models[0]).toMatchObject({ id: 'tiny-genai', state: 'installed', active: true });
    const again = await postDownload('tiny-genai');
    expect(again.status).toBe(409);
    expect(JSON.parse(again.body)).toMatchObject({ code: 'already_installed' });
  });
});
