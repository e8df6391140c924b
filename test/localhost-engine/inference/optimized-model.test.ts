/**
 * The optimized CPU copy of a model (weights saved by onnxruntime in its kernel's packed layout): built once,
 * reused, rebuilt when the model changes, never used half-written or broken, and it generates the same tokens.
 *
 * onnxruntime-node 1.30 saves packed weights correctly only when each is over 1 MB (Phi-3-mini's are 1.5–50 MB):
 * the "wide" two-layer decoder here has such weights at a test-friendly size; the tiny model's are a few KB, and
 * its copy computes wrong values — which the validation must catch.
 */
import { directGraph } from '../../helpers/direct-graph';
import { runTokens } from '../../helpers/run-tokens';
import {
  mkdirSync,
  mkdtempSync,
  promises as fs,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ensureGeneratedModel } from '../../../models/ensure-generated-model';
import { attentionAndSliceOrder, sliceAfterEachLayer } from '../../helpers/execution-order';
import { MODEL_SIZES } from '../../../models/model-sizes';
import { writeModelFolder } from '../../../models/write-model-folder';
import { addKvDeltaOutputs, kvDeltaName } from '../../../localhost-engine/onnx/rewrites/kv-delta';
import { optimizedCpuModel } from '../../../localhost-engine/inference/optimized-model';
import { createSession, sessionOptions } from '../../../localhost-engine/inference/session-factory';

let source: string;
let tinySource: string;
let work: string;
let root: string;
const options = sessionOptions('cpu', 0);

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'ls-optimized-'));
  const wide = path.join(work, 'wide');
  mkdirSync(wide);
  writeModelFolder(
    wide,
    {
      ...MODEL_SIZES.tiny,
      vocabSize: 2048,
      hiddenSize: 1536,
      intermediateSize: 1536,
      numHiddenLayers: 2,
      numAttentionHeads: 16,
      numKeyValueHeads: 16,
      headSize: 96,
    },
    'transformers',
    'test',
  );
  source = path.join(wide, 'onnx', 'model_q4.onnx');
  // A private copy of the tiny model, so marking it rejected does not disturb other tests.
  const tiny = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
  await fs.cp(tiny, path.join(work, 'tiny'), { recursive: true });
  tinySource = path.join(work, 'tiny', 'onnx', 'model_q4.onnx');
});

beforeEach(() => {
  root = path.join(work, `cache-${Math.random().toString(36).slice(2)}`);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

async function tokens(file: string | Buffer): Promise<number[]> {
  const session =
    typeof file === 'string'
      ? await ort.InferenceSession.create(file, options)
      : await ort.InferenceSession.create(file, {
          ...options,
          extra: { session: { model_external_initializers_file_folder_path: path.dirname(source) } },
        });
  try {
    const prompt = Array.from({ length: 40 }, (_, i) => 300 + ((i * 37) % 1700));
    return (await runTokens(session, prompt, { maxNewTokens: 12 })).tokens;
  } finally {
    await session.release();
  }
}

describe('optimizedCpuModel', () => {
  it('builds a copy holding the packed weights once, then reuses it; both generate the same tokens', async () => {
    const first = await optimizedCpuModel({ file: source }, root, options);
    expect(first.status).toBe('built');
    expect(first.file).not.toBe(source);
    expect(first.buildMs).toBeGreaterThan(0);
    // onnxruntime saved the packed layout next to the original weights: the copy's data is larger.
    const originalData = statSync(`${source}_data`).size;
    const copyData = statSync(path.join(path.dirname(first.file), 'model.onnx.data')).size;
    expect(copyData).toBeGreaterThan(originalData);
    expect((await fs.readdir(root)).filter((n) => n.includes('.tmp-'))).toEqual([]);

    const second = await optimizedCpuModel({ file: source }, root, options);
    expect(second).toEqual({ file: first.file, status: 'reused' });

    const fromCopy = await tokens(first.file);
    expect(fromCopy).toHaveLength(12);
    expect(fromCopy).toEqual(await tokens(source));
  });

  it('builds from a rewritten graph (KV delta outputs) whose weights stay next to the original file', async () => {
    const rewritten = addKvDeltaOutputs(readFileSync(source));
    expect(rewritten?.layers).toBe(2);
    const built = await optimizedCpuModel({ file: source, bytes: rewritten!.model }, root, options);
    expect(built.status).toBe('built');
    const session = await ort.InferenceSession.create(built.file, options);
    try {
      expect(session.outputNames).toContain(kvDeltaName(0, 'value'));
    } finally {
      await session.release();
    }
    expect(await tokens(built.file)).toEqual(await tokens(source));
    // The copy keeps each layer's slices right after its attention (onnxruntime saves them after every layer).
    expect(await attentionAndSliceOrder(built.file, options)).toEqual(sliceAfterEachLayer(2, 3));
    // A different graph for the same file is a different copy, and replaces it (one copy per model on disk).
    const plain = await optimizedCpuModel({ file: source }, root, options);
    expect(plain.status).toBe('built');
    expect(await fs.readdir(root)).toEqual([path.basename(path.dirname(plain.file))]);
  });

  it("builds from the engine's direct-attention graph, and the copy generates what that graph does", async () => {
    const rewritten = directGraph(readFileSync(source));
    expect(rewritten?.layers).toBe(2);
    // The check on the copy feeds an empty past: the rewrite must run with none.
    const built = await optimizedCpuModel({ file: source, bytes: rewritten!.model }, root, options);
    expect(built).toMatchObject({ status: 'built' });
    const fromCopy = await tokens(built.file);
    expect(fromCopy).toHaveLength(12);
    expect(fromCopy).toEqual(await tokens(rewritten!.model));
  });

  it('rebuilds when the model files change and removes the outdated copy', async () => {
    const first = await optimizedCpuModel({ file: source }, root, options);
    const later = new Date(statSync(`${source}_data`).mtimeMs + 5000);
    utimesSync(`${source}_data`, later, later);
    const second = await optimizedCpuModel({ file: source }, root, options);
    expect(second.status).toBe('built');
    expect(second.file).not.toBe(first.file);
    expect(await fs.readdir(root)).toEqual([path.basename(path.dirname(second.file))]);
  });

  it('skips the copy with a reason when the disk lacks room for it, or the cache is off', async () => {
    const full = await optimizedCpuModel({ file: source }, root, options, { freeBytes: async () => 1024 });
    expect(full.status).toBe('skipped');
    expect(full.file).toBe(source);
    expect(full.reason).toMatch(/not enough free disk space .* GB needed/);
    expect(await fs.readdir(root)).toEqual([]);

    const off = await optimizedCpuModel({ file: source }, null, options);
    expect(off).toMatchObject({ file: source, status: 'skipped' });
  });

  it('never throws: a cache folder that cannot be created falls back to the original', async () => {
    const blocker = path.join(work, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const result = await optimizedCpuModel({ file: source }, path.join(blocker, 'cache'), options);
    expect(result.status).toBe('skipped');
    expect(result.file).toBe(source);
    expect(result.reason).toMatch(/could not be made/);
  });

  it('a copy that does not reproduce the original (onnxruntime, weights under 1 MB) is never used, nor rebuilt', async () => {
    const first = await optimizedCpuModel({ file: tinySource }, root, options);
    expect(first.status).toBe('skipped');
    expect(first.file).toBe(tinySource);
    expect(first.reason).toMatch(/did not reproduce the model's outputs \(largest relative difference/);
    // Only the marker remains; the next start does not spend time building it again.
    expect((await fs.readdir(root)).every((n) => n.endsWith('.rejected.json'))).toBe(true);
    const second = await optimizedCpuModel({ file: tinySource }, root, options);
    expect(second).toEqual({ file: tinySource, status: 'skipped', reason: first.reason });
    expect(second.buildMs).toBeUndefined();
  });

  it('a copy cut short is discarded at open, the original opens instead, and the next start rebuilds it', async () => {
    const built = await optimizedCpuModel({ file: source }, root, options);
    const data = path.join(path.dirname(built.file), 'model.onnx.data');
    await fs.truncate(data, Math.floor(statSync(data).size / 3));

    const created = await createSession(source, ['cpu'], {
      layers: 0,
      cpu: { cacheRoot: root, rewrite: false, halfCache: false },
    });
    try {
      expect(created.device).toBe('cpu');
      expect(created.optimized?.status).toBe('skipped');
      expect(created.optimized?.reason).toMatch(/failed to open and was removed/);
      expect(created.session.inputNames).toContain('input_ids');
    } finally {
      await created.session.release();
    }
    const again = await optimizedCpuModel({ file: source }, root, options);
    expect(again.status).toBe('built');
  });
});
