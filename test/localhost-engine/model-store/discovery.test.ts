/**
 * Folders users already have: the predecessor's DirectML model under %APPDATA% (placed in a temporary home) is
 * found, validated and offered, picked by an engine left at its default, and loads and summarizes.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureGeneratedModel } from '../../../models/ensure-generated-model';
import { resolveConfig } from '../../../localhost-engine/config';
import { loadCatalog } from '../../../localhost-engine/model-store/catalog';
import { ModelStore } from '../../../localhost-engine/model-store/model-store';
import { collect, startTestEngine, summarizeStream, type TestEngine } from '../../helpers/test-engine';

describe("the predecessor's model folder", () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let predecessor: string;
  const saved = { APPDATA: process.env.APPDATA, LOCALSCRIBE_HOME: process.env.LOCALSCRIBE_HOME };
  let engine: TestEngine | null = null;

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'ls-home-'));
    env = {
      APPDATA: path.join(home, 'AppData', 'Roaming'),
      LOCALSCRIBE_HOME: path.join(home, 'localscribe'),
    };
    predecessor = path.join(env.APPDATA!, 'LocalScribe', 'models', 'phi-3-mini-onnx-directml');
    mkdirSync(predecessor, { recursive: true });
    // The predecessor's folder: the GenAI layout, as onnxruntime-genai downloaded it.
    cpSync(await ensureGeneratedModel({ size: 'tiny', layout: 'genai' }), predecessor, { recursive: true });
  });
  afterAll(async () => {
    await engine?.close();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('is listed as a usable GenAI model and picked when nothing else is installed', async () => {
    const store = new ModelStore({
      catalog: loadCatalog(),
      modelsDir: path.join(env.LOCALSCRIBE_HOME!, 'models'),
      hubUrl: 'https://huggingface.co',
      device: 'cpu',
      env,
    });
    const list = await store.list();
    expect(list.found).toEqual([
      { dir: predecessor, source: 'predecessor', valid: true, layout: 'genai', error: null, active: false },
    ]);
    expect(list.models.every((m) => m.state === 'missing')).toBe(true);
    expect(await store.pickModelDir()).toBe(predecessor);
  });

  it('a broken folder there is reported, not picked', async () => {
    const broken = mkdtempSync(path.join(os.tmpdir(), 'ls-broken-'));
    const brokenEnv = { APPDATA: broken };
    const dir = path.join(broken, 'LocalScribe', 'models', 'phi-3-mini-onnx-directml');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'genai_config.json'), '{"model":{"decoder":{"filename":"model.onnx"}}}');
    const store = new ModelStore({
      catalog: loadCatalog(),
      modelsDir: path.join(broken, 'models'),
      hubUrl: 'https://huggingface.co',
      device: 'cpu',
      env: brokenEnv,
    });
    const [found] = (await store.list()).found;
    expect(found).toMatchObject({ source: 'predecessor', valid: false, layout: null });
    expect(found.error).toContain('the model graph');
    expect(await store.pickModelDir()).toBe(path.join(broken, 'models', 'phi-3-mini-4k-instruct-cpu-int4'));
  });

  it('loads and summarizes in an engine started with the default configuration', async () => {
    process.env.APPDATA = env.APPDATA;
    process.env.LOCALSCRIBE_HOME = env.LOCALSCRIBE_HOME;
    const config = resolveConfig({}, process.env);
    engine = await startTestEngine(config.modelDir);
    expect(engine.modelDir).toBe(predecessor);
    const stream = await summarizeStream(engine, { text: 'The contract renews in May. Fees rise by 3%.' });
    const events = (await collect(stream)).map((e) => e.event);
    expect(events.find((e) => e.type === 'start')).toMatchObject({
      model: 'phi-3-mini-onnx-directml',
      device: 'cpu',
    });
    expect(events[events.length - 1]).toMatchObject({ type: 'done' });
  });
});
