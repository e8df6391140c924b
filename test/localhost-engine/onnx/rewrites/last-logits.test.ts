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
import { ensureGeneratedModel } from '../../../../models/ensure-generated-model';
import { encodeModel, type NodeSpec } from '../../../../localhost-engine/onnx/write';
import { DataType } from '../../../../localhost-engine/onnx/schema';
import { lastPositionLogits } from '../../../../localhost-engine/onnx/rewrites/last-logits';
import { kvRewrite } from '../../../../localhost-engine/inference/session-graph';
import { createSession, openRewrittenOrFile } from '../../../../localhost-engine/inference/session-factory';
import {
  readDecoderSignature,
  type DecoderSignature,
} from '../../../../localhost-engine/inference/decoder-signature';
import { GENAI_TINY_FIXTURE } from '../../../helpers/genai-fixture-for-transformers';
import { passFeeds } from '../../../helpers/pass-feeds';
import { emptyPast } from '../../../helpers/empty-past';
import { graphOf } from '../../../../localhost-engine/onnx/read';
import { expectSameLogits, expectSameValues, floatsOf } from '../../../helpers/same-logits';

/** Each layer's present of `out` as the next pass's past. */
function presentsAsPast(
  sig: DecoderSignature,
  out: ort.InferenceSession.OnnxValueMapType,
): Record<string, ort.Tensor> {
  const past: Record<string, ort.Tensor> = {};
  for (let l = 0; l < sig.layers; l++) {
    for (const kind of ['key', 'value']) past[`past_key_values.${l}.${kind}`] = out[`present.${l}.${kind}`];
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
        let past = emptyPast(sig);
        let held = 0;
        for (const n of passes) {
          const feeds = { ...past, ...passFeeds(held, n, false) };
          const [a, b] = [await original.run(feeds), await last.run(feeds)];
          const vocab = a.logits.dims[2];
          expect(a.logits.dims).toEqual([1, n, vocab]);
          expect(b.logits.dims).toEqual([1, 1, vocab]);
          expect(b.logits.type).toBe(a.logits.type);
          const all = floatsOf(a.logits);
          const row = (i: number) => all.values.subarray(i * vocab, (i + 1) * vocab);
          const ours = floatsOf(b.logits).values;
          // The head ran on one row instead of n: the same logits to the int4 kernel's rounding…
          expectSameLogits(ours, row(n - 1), all.precision);
          // …and not another position's (the mutation the bound must catch).
          if (n > 1) expect(() => expectSameLogits(ours, row(n - 2), all.precision)).toThrow(/differ/);
          for (let l = 0; l < sig.layers; l++) {
            expectSameValues(b[`present.${l}.key`], a[`present.${l}.key`]);
          }
          past = presentsAsPast(sig, a);
          held += n;
        }
      } finally {
        await Promise.all([original.release(), last.release()]);
      }
    },
  );

  it('puts the slice just before the LM head and declares logits [batch, 1, vocab]', async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'genai' });
    const rewritten = lastPositionLogits(
      kvRewrite(readFileSync(path.join(dir, 'model.onnx')), { halfCache: false }).bytes!,
    )!;
    const ops = graphOf(rewritten).nodes.map((n) => n.name);
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

  describe('on small graphs: hidden → MatMul(weight) → tail → logits', () => {
    const floats = (n: number, seed: number): Float32Array =>
      Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3));
    const bytesOf = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer);
    const model = (tail: NodeSpec[], opset = 17): Uint8Array =>
      encodeModel({
        irVersion: 8,
        opsetImports: [{ domain: '', version: opset }],
        producerName: 'test',
        producerVersion: '1',
        graph: {
          name: 'g',
          initializers: [
            { name: 'w', dataType: DataType.FLOAT, dims: [2, 3], rawData: bytesOf(floats(6, 1)) },
            { name: 'bias', dataType: DataType.FLOAT, dims: [3], rawData: bytesOf(floats(3, 2)) },
          ],
          nodes: [{ name: 'head', opType: 'MatMul', inputs: ['hidden', 'w'], outputs: ['h'] }, ...tail],
          inputs: [
            { name: 'hidden', elemType: DataType.FLOAT, shape: ['batch', 'seq', 2] },
            { name: 'other', elemType: DataType.FLOAT, shape: ['batch', 'seq', 3] },
          ],
          outputs: [{ name: 'logits', elemType: DataType.FLOAT, shape: ['batch', 'seq', 3] }],
        },
      });
    const node = (opType: string, inputs: string[], output: string, attributes?: NodeSpec['attributes']) => ({
      name: `${opType}_${output}`,
      opType,
      inputs,
      outputs: [output],
      attributes,
    });

    const bias = floats(3, 2);
    // Each tail with the logits a rewrite that dropped its first operator would give (the bound must catch it).
    it.each<[string, NodeSpec[], (logit: number, i: number) => number]>([
      [
        'a bias, then a Cast',
        [
          node('Add', ['h', 'bias'], 'b'),
          node('Cast', ['b'], 'logits', [{ name: 'to', kind: 'int', value: 1 }]),
        ],
        (logit, i) => logit - bias[i % 3],
      ],
      [
        'a weight as the first input, then Tanh',
        [node('Mul', ['bias', 'h'], 'm'), node('Tanh', ['m'], 'logits')],
        (logit, i) => Math.tanh(Math.atanh(logit) / bias[i % 3]),
      ],
    ])('slices before the head through %s, with the original last row', async (_name, tail, dropped) => {
      const original = model(tail);
      const rewritten = lastPositionLogits(original);
      expect(rewritten).not.toBeNull();
      const feeds = {
        hidden: new ort.Tensor('float32', floats(2 * 4 * 2, 3), [2, 4, 2]),
        other: new ort.Tensor('float32', new Float32Array(2 * 4 * 3), [2, 4, 3]),
      };
      const [a, b] = await Promise.all([
        ort.InferenceSession.create(original),
        ort.InferenceSession.create(rewritten!),
      ]);
      try {
        const [all, last] = [(await a.run(feeds)).logits, (await b.run(feeds)).logits];
        expect(last.dims).toEqual([2, 1, 3]);
        const rows = all.data as Float32Array;
        // Batch entry i's last position: row 3 of 4.
        const expected = [...rows.subarray(9, 12), ...rows.subarray(21, 24)];
        const ours = last.data as Float32Array;
        expectSameLogits(ours, expected, 'float32', 3);
        expect(Math.max(...expected.map(Math.abs))).toBeGreaterThan(0);
        // Another position's rows, or the tail's first operator missing, fail the same bound.
        const previous = [...rows.subarray(6, 9), ...rows.subarray(18, 21)];
        expect(() => expectSameLogits(ours, previous, 'float32', 3)).toThrow(/differ/);
        expect(() => expectSameLogits(ours, expected.map(dropped), 'float32', 3)).toThrow(/differ/);
      } finally {
        await Promise.all([a.release(), b.release()]);
      }
    });

    it.each<[string, Uint8Array]>([
      [
        'an operator that mixes positions',
        model([node('Softmax', ['h'], 'logits', [{ name: 'axis', kind: 'int', value: 1 }])]),
      ],
      ['an Add of two activations', model([node('Add', ['h', 'other'], 'logits')])],
      ['opset 9, whose Slice takes no bounds as inputs', model([node('Add', ['h', 'bias'], 'logits')], 9)],
    ])('leaves the graph alone behind %s', (_name, graph) => {
      expect(lastPositionLogits(graph)).toBeNull();
    });

    it('leaves graphs that limit their logits already', async () => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
      expect(lastPositionLogits(readFileSync(path.join(dir, 'onnx', 'model_q4.onnx')))).toBeNull();
    });
  });

  it("is what the engine's CPU session opens for a GenAI-layout graph, with the original's last row", async () => {
    const file = path.join(await ensureGeneratedModel({ size: 'tiny', layout: 'genai' }), 'model.onnx');
    const created = await createSession(file, ['cpu'], {
      layers: 2,
      // The original's past is float32: the same feeds go to both.
      cpu: { cacheRoot: null, rewrite: true, halfCache: false },
    });
    const original = await ort.InferenceSession.create(file);
    try {
      const sig = readDecoderSignature(created.session);
      const feeds = { ...emptyPast(sig), ...passFeeds(0, 4, false) };
      const [engine, all] = [(await created.session.run(feeds)).logits, (await original.run(feeds)).logits];
      expect(engine.dims).toEqual([1, 1, 32064]);
      const rows = all.data as Float32Array;
      expectSameLogits(engine.data as Float32Array, rows.subarray(3 * 32064));
      expect(() =>
        expectSameLogits(engine.data as Float32Array, rows.subarray(2 * 32064, 3 * 32064)),
      ).toThrow(/differ/);
    } finally {
      await Promise.all([created.session.release(), original.release()]);
    }
  });
});

// GPU sessions open the rewritten graph this way (session-factory.ts): a provider that refused it must still get
// the model, as the file itself.
describe('openRewrittenOrFile', () => {
  let file: string;
  let rewritten: Buffer;
  const options = { executionProviders: ['cpu'] };

  beforeAll(async () => {
    file = path.join(await ensureGeneratedModel({ size: 'tiny', layout: 'genai' }), 'model.onnx');
    rewritten = lastPositionLogits(readFileSync(file))!;
  });

  it('opens the rewritten graph when onnxruntime takes it', async () => {
    const opened = await openRewrittenOrFile({ file, bytes: rewritten }, options);
    try {
      expect(opened.rewritten).toBe(true);
      const logits = opened.session.outputMetadata.find((m) => m.name === 'logits');
      expect(logits?.isTensor && logits.shape).toEqual(['batch_size', 1, 32064]);
    } finally {
      await opened.session.release();
    }
  });

  it('opens the file itself when onnxruntime refuses the rewritten bytes', async () => {
    // Cut short: no provider opens it.
    const refused = rewritten.subarray(0, rewritten.length >> 1);
    await expect(ort.InferenceSession.create(refused)).rejects.toThrow();
    const opened = await openRewrittenOrFile({ file, bytes: refused }, options);
    try {
      expect(opened.rewritten).toBe(false);
      const logits = opened.session.outputMetadata.find((m) => m.name === 'logits');
      expect(logits?.isTensor && logits.shape).toEqual(['batch_size', 'sequence_length', 32064]);
    } finally {
      await opened.session.release();
    }
  });

  it("throws the file's own error when the file does not open either", async () => {
    const missing = path.join(path.dirname(file), 'missing.onnx');
    await expect(
      openRewrittenOrFile({ file: missing, bytes: Buffer.from('not a model') }, options),
    ).rejects.toThrow(/missing\.onnx/);
  });
});
