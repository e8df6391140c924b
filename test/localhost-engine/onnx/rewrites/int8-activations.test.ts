/**
 * The int8-activations rewrite: every int4 product a real export leaves at accuracy level 0 (transformers.js' q4
 * and q4f16 files, Microsoft's DirectML export) gets level 4, nothing else in the graph changes, graphs already at
 * level 4 (Microsoft's CPU exports) are left alone, and the logits stay within the int8 rounding's bound of the
 * original's, while another position's row does not.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ensureGeneratedModel } from '../../../../models/ensure-generated-model';
import { findGraph, readGraph } from '../../../../localhost-engine/onnx/read';
import {
  INT8_ACCURACY_LEVEL,
  withInt8Activations,
} from '../../../../localhost-engine/onnx/rewrites/int8-activations';
import { readDecoderSignature } from '../../../../localhost-engine/inference/decoder-signature';
import { REAL_LAYOUT_FILES } from '../../../helpers/generated-layouts';
import { passFeeds } from '../../../helpers/pass-feeds';
import { emptyPast } from '../../../helpers/empty-past';
import { compareLogits, expectSameLogits, floatsOf } from '../../../helpers/same-logits';

/** Each MatMulNBits node's accuracy level (0 where the attribute is absent), in graph order. */
function levels(model: Uint8Array): number[] {
  return readGraph(model, findGraph(model))
    .nodes.filter((n) => n.opType === 'MatMulNBits')
    .map((n) => n.ints.get('accuracy_level') ?? 0);
}

/** Everything but the MatMulNBits nodes' attributes, to show the rewrite touches nothing else. */
function otherThanLevels(model: Uint8Array): unknown {
  return readGraph(model, findGraph(model)).nodes.map((n) => ({
    op: n.opType,
    inputs: n.inputs,
    outputs: n.outputs,
    ints: n.opType === 'MatMulNBits' ? [...n.ints].filter(([k]) => k !== 'accuracy_level') : [...n.ints],
  }));
}

describe('withInt8Activations', () => {
  it.each(REAL_LAYOUT_FILES.map(([layout, file]) => [layout, file]))(
    "sets accuracy level 4 on %s's level-0 int4 products (Microsoft's CPU exports have none), nothing else",
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const original = readFileSync(path.join(dir, file));
      const before = levels(original);
      expect(before.length).toBeGreaterThan(0);
      const rewritten = withInt8Activations(original);
      if (before.every((l) => l !== 0)) {
        expect(rewritten).toBeNull();
        return;
      }
      expect(rewritten!.nodes).toBe(before.filter((l) => l === 0).length);
      expect(levels(rewritten!.model)).toEqual(before.map(() => INT8_ACCURACY_LEVEL));
      expect(otherThanLevels(rewritten!.model)).toEqual(otherThanLevels(original));
    },
  );

  it.each([
    ['web-q4', 'onnx/model_q4.onnx'],
    ['ms-dml-int4-awq', 'model.onnx'],
  ] as const)(
    "keeps %s's logits within the int8 rounding's bound, which another position's row exceeds",
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const modelFile = path.join(dir, file);
      const rewritten = withInt8Activations(readFileSync(modelFile))!;
      const original = await ort.InferenceSession.create(modelFile);
      const int8 = await ort.InferenceSession.create(rewritten.model, {
        extra: { session: { model_external_initializers_file_folder_path: path.dirname(modelFile) } },
      });
      try {
        const sig = readDecoderSignature(original);
        const feeds = { ...emptyPast(sig), ...passFeeds(0, 6, sig.hasLogitsToKeep, sig.hasPositionIds) };
        const [a, b] = [await original.run(feeds), await int8.run(feeds)];
        const vocab = a.logits.dims[2];
        const [ours, theirs] = [floatsOf(b.logits).values, floatsOf(a.logits).values];
        const row = (x: Float32Array, i: number) => x.subarray(i * vocab, (i + 1) * vocab);
        for (let i = 0; i < 6; i++) {
          expectSameLogits(row(ours, i), row(theirs, i), 'int8-activations');
        }
        expect(compareLogits(row(ours, 5), row(theirs, 4), 'int8-activations').ratio).toBeGreaterThan(1);
      } finally {
        await original.release();
        await int8.release();
      }
    },
  );
});
