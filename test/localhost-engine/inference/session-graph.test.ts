/**
 * Which graph a session opens: the engine's rewrite on the CPU where it applies, with the reason where it does not,
 * and on a GPU the exported graph with last-position logits.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureGeneratedModel } from '../../../models/ensure-generated-model';
import { AS_EXPORTED, cpuGraph, gpuGraph } from '../../../localhost-engine/inference/session-graph';
import { findGraph, readGraph } from '../../../localhost-engine/onnx/read';
import { DataType, GRAPH, NODE } from '../../../localhost-engine/onnx/schema';
import { kvDeltaName } from '../../../localhost-engine/onnx/rewrites/kv-delta';
import { withGraph, withRepeatedStrings } from '../../../localhost-engine/onnx/splice';
import { fields, lengthDelimited } from '../../../localhost-engine/onnx/wire';
import { GENAI_TINY_FIXTURE } from '../../helpers/genai-fixture-for-transformers';
import { REAL_LAYOUTS } from '../../../models/layouts/registry';

/** `model` with its first MultiHeadAttention reading a bias (input 3). */
function withBias(model: Uint8Array): Buffer {
  const graph = findGraph(model);
  const mha = readGraph(model, graph).nodes.find((n) => n.opType === 'MultiHeadAttention')!;
  const inputs = [...mha.inputs];
  inputs[3] = 'bias';
  const parts: Uint8Array[] = [];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    parts.push(
      f.start === mha.field.start
        ? lengthDelimited(GRAPH.node, withRepeatedStrings(model, mha.field, NODE.input, inputs))
        : model.subarray(f.start, f.end),
    );
  }
  return withGraph(model, graph, parts);
}

/** The engine's default: a float32 graph's cache kept in float16. */
const HALF = { halfCache: true };

describe('cpuGraph', () => {
  it.each([
    ['genai', 'model.onnx', 'last-position'],
    ['transformers', 'onnx/model_q4.onnx', 'num_logits_to_keep'],
  ] as const)(
    'gives a generated %s graph direct attention over the cache in place',
    async (layout, file, logits) => {
      const modelFile = path.join(await ensureGeneratedModel({ size: 'tiny', layout }), file);
      const { source, graph } = await cpuGraph(modelFile, HALF);
      expect(graph).toEqual({
        attention: 'direct',
        logits,
        int4Accuracy: 'as-exported',
        cache: 'float16',
        pastInBuffer: true,
        notes: [],
      });
      expect(source.file).toBe(modelFile);
      expect(source.bytes).toBeDefined();
    },
  );

  it("keeps a float32 graph's cache in float16 unless asked for the model's own type", async () => {
    const modelFile = path.join(await ensureGeneratedModel({ size: 'tiny', layout: 'genai' }), 'model.onnx');
    const types = (bytes: Uint8Array) => {
      const view = readGraph(bytes, findGraph(bytes));
      return [
        view.inputs.get('past_key_values.0.value')?.elemType,
        view.outputs.get(kvDeltaName(0, 'value'))?.elemType,
      ];
    };
    const half = await cpuGraph(modelFile, HALF);
    expect(half.graph.cache).toBe('float16');
    expect(types(half.source.bytes!)).toEqual([DataType.FLOAT16, DataType.FLOAT16]);
    const own = await cpuGraph(modelFile, { halfCache: false });
    expect(own.graph).toMatchObject({ attention: 'direct', cache: 'as-exported' });
    expect(types(own.source.bytes!)).toEqual([DataType.FLOAT, DataType.FLOAT]);
  });

  it("rewrites MultiHeadAttention over a float16 cache too (Microsoft's builder fixture)", async () => {
    const { graph } = await cpuGraph(path.join(GENAI_TINY_FIXTURE, 'model.onnx'), HALF);
    expect(graph).toEqual({
      attention: 'direct',
      logits: 'last-position',
      int4Accuracy: 'as-exported',
      // Its cache is float16 already.
      cache: 'as-exported',
      pastInBuffer: true,
      notes: [],
    });
  });

  it("gives the int4 products of transformers.js' q4 file int8 inputs, as Microsoft's CPU export has them", async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'web-q4' });
    const { graph } = await cpuGraph(path.join(dir, 'onnx', 'model_q4.onnx'), HALF);
    expect(graph).toMatchObject({ attention: 'direct', int4Accuracy: 'int8' });
    const cpuExport = await ensureGeneratedModel({ size: 'tiny', layout: 'ms-cpu-int4' });
    const file = path.join(cpuExport, REAL_LAYOUTS['ms-cpu-int4'].file.modelFileName);
    expect((await cpuGraph(file, HALF)).graph.int4Accuracy).toBe('as-exported');
  });

  it('keeps an attention it cannot rewrite as exported, and says why', async () => {
    const bytes = readFileSync(path.join(GENAI_TINY_FIXTURE, 'model.onnx'));
    // The fixture's first MultiHeadAttention given a bias input, which the rewrite does not model.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ls-mha-bias-'));
    const file = path.join(dir, 'model.onnx');
    writeFileSync(file, withBias(bytes));
    const { graph } = await cpuGraph(file, HALF);
    expect(graph).toMatchObject({ attention: 'as-exported', pastInBuffer: false });
    expect(graph.notes).toEqual([
      expect.stringMatching(/whole cache is copied every step: .*inputs the rewrite does not model/),
    ]);
  });

  it('opens a graph it cannot read as the file itself, for onnxruntime to say what is wrong', async () => {
    const original = path.join(await ensureGeneratedModel({ size: 'tiny', layout: 'genai' }), 'model.onnx');
    const cut = path.join(mkdtempSync(path.join(os.tmpdir(), 'ls-cut-')), 'model.onnx');
    const bytes = readFileSync(original);
    writeFileSync(cut, bytes.subarray(0, bytes.length >> 1));
    expect(await cpuGraph(cut, HALF)).toEqual({ source: { file: cut }, graph: AS_EXPORTED });
  });
});

describe('gpuGraph', () => {
  it('keeps the exported attention and limits the LM head to the last position', async () => {
    const modelFile = path.join(await ensureGeneratedModel({ size: 'tiny', layout: 'genai' }), 'model.onnx');
    const { source, graph } = await gpuGraph(modelFile);
    expect(graph).toMatchObject({ attention: 'as-exported', logits: 'last-position', pastInBuffer: false });
    expect(source.bytes).toBeDefined();
  });
});
