/**
 * The last-position logits rewrite: on graphs without `num_logits_to_keep` (the GenAI layout, generated and
 * Microsoft's builder's fixture) the LM head runs on the last position only, and its logits equal the last row
 * of the original graph's, on a prompt pass and on a pass after it; graphs that already limit their logits, or
 * whose LM head sits behind an operator that mixes positions, are left alone; the engine's CPU session opens
 * the rewritten graph.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ensureGeneratedModel } from '../../../models/ensure-generated-model';
import { DataType, encodeModel, type NodeSpec } from '../../../models/onnx-proto';
import { lastPositionLogits } from '../../../localhost-engine/inference/last-logits-graph';
import { engineKvGraph } from '../../../localhost-engine/inference/direct-attention-graph';
import { fields, findGraph, GRAPH, stringField } from '../../../localhost-engine/inference/onnx-bytes';
import { createSession } from '../../../localhost-engine/inference/session-factory';
import { readDecoderSignature, type DecoderSignature } from '../../../localhost-engine/inference/token-loop';
import { GENAI_TINY_FIXTURE } from '../../helpers/genai-fixture-for-transformers';
import { passFeeds } from '../../helpers/pass-feeds';

type Values = ArrayLike<number>;

function pastOf(
  sig: DecoderSignature,
  out?: ort.InferenceSession.OnnxValueMapType,
): Record<string, ort.Tensor> {
  const past: Record<string, ort.Tensor> = {};
  for (let l = 0; l < sig.layers; l++) {
    for (const kind of ['key', 'value']) {
      past[`past_key_values.${l}.${kind}`] =
        out?.[`present.${l}.${kind}`] ??
        (sig.kvType === 'float16'
          ? new ort.Tensor('float16', new Uint16Array(0), [1, sig.kvHeads, 0, sig.headSize])
          : new ort.Tensor('float32', new Float32Array(0), [1, sig.kvHeads, 0, sig.headSize]));
    }
  }
  return past;
}

/** A decoder, and the passes to run on it: the fixture's attention takes several tokens only with no past. */
const decoders: Array<[string, () => Promise<string>, number[]]> = [
  [
    'generated GenAI layout',
    async () => path.join(await ensureGeneratedModel({ size: 'tiny', layout: 'genai' }), 'model.onnx'),
    [5, 3],
  ],
  [
    'GenAI builder fixture (float16)',
    () => Promise.resolve(path.join(GENAI_TINY_FIXTURE, 'model.onnx')),
    [5, 1],
  ],
];

describe('lastPositionLogits', () => {
  it.each(decoders)(
    'runs the LM head on the last position only, with the same logits (%s)',
    async (_name, file, passes) => {
      const modelFile = await file();
      const bytes = readFileSync(modelFile);
      const rewritten = lastPositionLogits(bytes);
      expect(rewritten).not.toBeNull();
      const original = await ort.InferenceSession.create(modelFile);
      const last = await ort.InferenceSession.create(rewritten!, {
        extra: { session: { model_external_initializers_file_folder_path: path.dirname(modelFile) } },
      });
      try {
        const sig = readDecoderSignature(original);
        expect(last.outputNames).toEqual(original.outputNames);
        // A prompt pass, then one more after it (the past from the original graph).
        let past = pastOf(sig);
        let held = 0;
        for (const n of passes) {
          const feeds = { ...past, ...passFeeds(held, n, false) };
          const [a, b] = [await original.run(feeds), await last.run(feeds)];
          const vocab = a.logits.dims[2];
          expect(a.logits.dims).toEqual([1, n, vocab]);
          expect(b.logits.dims).toEqual([1, 1, vocab]);
          expect(b.logits.type).toBe(a.logits.type);
          const all = a.logits.data as unknown as Values;
          const lastRow = Array.from(all).slice((n - 1) * vocab);
          expect(Array.from(b.logits.data as unknown as Values)).toEqual(lastRow);
          for (let l = 0; l < sig.layers; l++) {
            expect(b[`present.${l}.key`].data).toEqual(a[`present.${l}.key`].data);
          }
          past = pastOf(sig, a);
          held += n;
        }
      } finally {
        await Promise.all([original.release(), last.release()]);
      }
    },
  );

  it('puts the slice just before the LM head and declares logits [batch, 1, vocab]', async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'genai' });
    const rewritten = lastPositionLogits(engineKvGraph(readFileSync(path.join(dir, 'model.onnx')))!.model)!;
    const graph = findGraph(rewritten);
    const ops: string[] = [];
    for (const f of fields(rewritten, graph.payloadStart, graph.end)) {
      if (f.number === GRAPH.node) ops.push(stringField(rewritten, f, 3));
    }
    const head = ops.findIndex((name) => name === '/lm_head/MatMulNBits');
    expect(ops[head - 1]).toBe('/localscribe/last_logits/slice');
    const session = await ort.InferenceSession.create(rewritten, {
      extra: { session: { model_external_initializers_file_folder_path: dir } },
    });
    try {
      const logits = session.outputMetadata.find((m) => m.name === 'logits');
      expect(logits?.isTensor && logits.shape).toEqual(['batch_size', 1, 32064]);
    } finally {
      await session.release();
    }
  });

  it('leaves graphs that limit their logits already, or whose head sits behind a mixing operator', async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    expect(lastPositionLogits(readFileSync(path.join(dir, 'onnx', 'model_q4.onnx')))).toBeNull();

    // hidden → MatMul(weight) → [Softmax | Add(bias) → Cast] → logits
    const model = (tail: NodeSpec[]): Uint8Array =>
      encodeModel({
        irVersion: 8,
        opsetImports: [{ domain: '', version: 17 }],
        producerName: 'test',
        producerVersion: '1',
        graph: {
          name: 'g',
          initializers: [
            { name: 'w', dataType: DataType.FLOAT, dims: [2, 3], rawData: new Uint8Array(24) },
            { name: 'bias', dataType: DataType.FLOAT, dims: [3], rawData: new Uint8Array(12) },
          ],
          nodes: [{ name: 'head', opType: 'MatMul', inputs: ['hidden', 'w'], outputs: ['h'] }, ...tail],
          inputs: [{ name: 'hidden', elemType: DataType.FLOAT, shape: ['batch', 'seq', 2] }],
          outputs: [{ name: 'logits', elemType: DataType.FLOAT, shape: ['batch', 'seq', 3] }],
        },
      });
    const mixing = model([
      {
        name: 'mix',
        opType: 'Softmax',
        inputs: ['h'],
        outputs: ['logits'],
        attributes: [{ name: 'axis', kind: 'int', value: 1 }],
      },
    ]);
    expect(lastPositionLogits(mixing)).toBeNull();
    const perPosition = model([
      { name: 'bias', opType: 'Add', inputs: ['h', 'bias'], outputs: ['b'] },
      {
        name: 'cast',
        opType: 'Cast',
        inputs: ['b'],
        outputs: ['logits'],
        attributes: [{ name: 'to', kind: 'int', value: 1 }],
      },
    ]);
    const session = await ort.InferenceSession.create(lastPositionLogits(perPosition)!);
    try {
      const out = await session.run({
        hidden: new ort.Tensor('float32', new Float32Array(2 * 4 * 2), [2, 4, 2]),
      });
      expect(out.logits.dims).toEqual([2, 1, 3]);
    } finally {
      await session.release();
    }
  });

  it("is what the engine's CPU session opens for a GenAI-layout graph", async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'genai' });
    const created = await createSession(path.join(dir, 'model.onnx'), ['cpu'], 2, undefined, {
      cacheRoot: null,
      kvDelta: true,
    });
    try {
      const sig = readDecoderSignature(created.session);
      const out = await created.session.run({ ...pastOf(sig), ...passFeeds(0, 4, false) });
      expect(out.logits.dims).toEqual([1, 1, 32064]);
    } finally {
      await created.session.release();
    }
  });
});
