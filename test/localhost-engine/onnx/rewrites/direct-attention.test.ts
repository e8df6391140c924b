/**
 * The direct attention rewrite: a decoding pass attends with MatMuls that read the past where it lies (no
 * operator copies it), a prompt pass with the model's own GroupQueryAttention, the graph outputs only the new
 * keys and values, and its logits and new keys and values equal the original graph's, pass after pass (prompt
 * and decoding), with a past buffer longer than the tokens it holds. Graphs it cannot rewrite are left to the KV
 * delta slices.
 */
import { directGraph } from '../../../helpers/direct-graph';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { GENERATED_LAYOUTS, REAL_LAYOUT_FILES } from '../../../helpers/generated-layouts';
import { float16Bits, float16Value, roundToFloat16 } from '../../../../localhost-engine/onnx/float16';
import { PresentKv } from '../../../../localhost-engine/inference/kv/present-kv';
import { runTokens } from '../../../helpers/run-tokens';
import { emptyPast } from '../../../helpers/empty-past';
import { ensureGeneratedModel } from '../../../../models/ensure-generated-model';
import { directAttention } from '../../../../localhost-engine/onnx/rewrites/direct-attention';
import { kvRewrite } from '../../../../localhost-engine/inference/session-graph';
import { kvDeltaName } from '../../../../localhost-engine/onnx/rewrites/kv-delta';
import { KvCache } from '../../../../localhost-engine/inference/kv/kv-cache';
import {
  readDecoderSignature,
  type DecoderSignature,
} from '../../../../localhost-engine/inference/decoder-signature';
import { passFeeds } from '../../../helpers/pass-feeds';
import { profiledKernels } from '../../../helpers/execution-order';
import { findGraph, graphOf, readGraph, type GraphNode } from '../../../../localhost-engine/onnx/read';
import { sessionOptions } from '../../../../localhost-engine/inference/session-factory';
import { MODEL_SIZES } from '../../../../models/model-sizes';
import { compareLogits, expectSameLogits, floatsOf, type Precision } from '../../../helpers/same-logits';

const readsPast = (n: GraphNode): boolean => n.inputs.some((i) => i.startsWith('past_key_values.'));

/** The layouts whose cache is float32, which the engine keeps in float16 by default. */
const FLOAT32_CACHE_LAYOUTS = [...GENERATED_LAYOUTS, ...REAL_LAYOUT_FILES].filter(
  ([layout]) => !['web-q4f16', 'ms-dml-int4-awq'].includes(layout),
);

describe('directAttention', () => {
  it.each(GENERATED_LAYOUTS)(
    'decodes with MatMuls that read the past in place, and keeps GroupQueryAttention for prompt passes (%s layout)',
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const rewritten = directGraph(readFileSync(path.join(dir, file)));
      expect(rewritten).not.toBeNull();
      const { nodes, outputs } = graphOf(rewritten!.model);
      expect(outputs.filter((o) => o.startsWith('present.'))).toEqual([]);
      for (let l = 0; l < rewritten!.layers; l++) {
        expect(outputs).toEqual(expect.arrayContaining([kvDeltaName(l, 'key'), kvDeltaName(l, 'value')]));
      }
      // Outside the branches only the first layer's key is read, for its shape.
      expect(nodes.filter(readsPast).map((n) => n.opType)).toEqual(['Shape']);
      const branches = nodes.filter((n) => n.opType === 'If');
      expect(branches).toHaveLength(rewritten!.layers);
      for (const { branches: b } of branches) {
        // Decoding: each layer's keys are read once, by the transpose that feeds q·pastKᵀ (onnxruntime folds it
        // into the product), and its values once, by a MatMul; no attention operator.
        expect(b.then_branch.filter(readsPast).map((n) => n.opType)).toEqual(['Transpose', 'MatMul']);
        expect(b.then_branch.some((n) => n.opType.endsWith('Attention'))).toBe(false);
        // Prompt passes: the model's own attention, its present sliced to the new positions.
        expect(b.else_branch.map((n) => n.opType)).toEqual(['GroupQueryAttention', 'Slice', 'Slice']);
      }
    },
  );

  it.each(GENERATED_LAYOUTS)(
    'runs each decoding step as products of the query rows by the past where it lies (%s layout)',
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const rewritten = directGraph(readFileSync(path.join(dir, file)))!;
      const kernels = await profiledKernels(rewritten.model, {
        ...sessionOptions('cpu', rewritten.layers),
        extra: {
          session: { model_external_initializers_file_folder_path: path.dirname(path.join(dir, file)) },
        },
      });
      const { numKeyValueHeads: kvHeads, numAttentionHeads: heads } = MODEL_SIZES.tiny;
      const group = heads / kvHeads;
      // Every pass starts by reading the past's shape (`past_shape`); the kernels of that pass that take a tensor
      // of exactly that shape are the ones that read the cache. Shape reads no data, and the prompt branch's
      // slices read the present (as long as the past there, since a prompt pass's past has just its room).
      const passes: Array<Array<{ op: string; past: number; rows: string }>> = [];
      let pastShape = '';
      for (const k of kernels) {
        if (k.name === '/localscribe/attn/past_shape') {
          pastShape = JSON.stringify(k.inputs[0]);
          passes.push([]);
          continue;
        }
        const past = k.inputs.findIndex((d) => JSON.stringify(d) === pastShape);
        if (past < 0 || k.op === 'Shape' || /\/[kv]_slice$/.test(k.name)) continue;
        const rows = k.inputs[1 - past];
        passes.at(-1)!.push({ op: k.op, past, rows: rows ? `[${rows.slice(0, 3).join(', ')}, …]` : '' });
      }
      // The prompt pass: the model's own attention, once per layer (its past and key and value inputs).
      expect(passes).toHaveLength(3);
      expect(passes[0].map((r) => r.op)).toEqual(new Array(rewritten.layers).fill('GroupQueryAttention'));
      // Each decoding step, every layer: the keys read once by q·pastKᵀ and the values once by p·pastV, each the
      // product's second operand with the `group` query rows as the first, so that onnxruntime runs those rows
      // against the past as it lies. No kernel copies the past (a transpose of its own, a concat), and the keys
      // are not the first operand (pastK·qᵀ, which onnxruntime ran slower: npm run bench:attention).
      const queryRows = `[1, ${kvHeads}, ${group}, …]`;
      const step = Array.from({ length: rewritten.layers }, () => [
        { op: 'FusedMatMul', past: 1, rows: queryRows },
        { op: 'MatMul', past: 1, rows: queryRows },
      ]).flat();
      expect(passes.slice(1)).toEqual([step, step]);
    },
  );

  /**
   * The bound for values computed after the engine's attention instead of the op's: float16's own rounding, or
   * for float32 graphs one int8 step of the int4 kernel's quantized activations (`same-logits.ts`).
   */
  const downstream = (p: Precision): Precision => (p === 'float16' ? 'float16' : 'int8-activations');

  /** A past buffer's positions from `held` on set to large numbers: the rewrite must mask them, not rely on zeros. */
  const stale = (
    cache: KvCache,
    sig: DecoderSignature,
    past: Record<string, ort.Tensor>,
    held: number,
  ): void => {
    for (const tensor of Object.values(past)) {
      const data = tensor.data as Float32Array | Uint16Array;
      for (let h = 0; h < sig.kvHeads; h++) {
        const value = 1e3 * (h + 1);
        data.fill(
          data instanceof Uint16Array ? float16Bits(value) : value,
          (h * cache.stride + held) * sig.headSize,
          (h + 1) * cache.stride * sig.headSize,
        );
      }
    }
  };

  it.each([...GENERATED_LAYOUTS, ...REAL_LAYOUT_FILES])(
    "gives the original graph's logits and new keys and values, with a past longer than it holds (%s layout)",
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const original = await ort.InferenceSession.create(path.join(dir, file));
      const rewritten = directGraph(readFileSync(path.join(dir, file)));
      const direct = await ort.InferenceSession.create(rewritten.model, {
        extra: {
          session: { model_external_initializers_file_folder_path: path.dirname(path.join(dir, file)) },
        },
      });
      try {
        const sig = readDecoderSignature(direct);
        const cache = new KvCache(sig, 40);
        let exact = emptyPast(sig);
        const fetches = ['logits'];
        for (let l = 0; l < sig.layers; l++) fetches.push(kvDeltaName(l, 'key'), kvDeltaName(l, 'value'));
        let held = 0;
        let decodePasses = 0;
        // The exported MultiHeadAttention graphs take several new tokens only with no past: no 3-token pass there.
        const mha = graphOf(readFileSync(path.join(dir, file))).nodes.some(
          (x) => x.opType === 'MultiHeadAttention',
        );
        for (const n of mha ? [6, 1, 1, 1, 1] : [6, 3, 1, 1, 1, 1]) {
          const common = passFeeds(held, n, sig.hasLogitsToKeep, sig.hasPositionIds);
          const past = cache.feeds(held, n);
          stale(cache, sig, past, held);
          if (n === 1 && cache.stride > held + 1) decodePasses++;
          const want = await original.run({ ...common, ...exact });
          const got = await direct.run({ ...common, ...past }, fetches);
          const vocab = want.logits.dims[2];
          const a = floatsOf(want.logits);
          expectSameLogits(
            floatsOf(got.logits).values.slice(-vocab),
            a.values.slice(-vocab),
            downstream(a.precision),
          );
          for (let l = 0; l < sig.layers; l++) {
            for (const kind of ['key', 'value'] as const) {
              const present = floatsOf(want[`present.${l}.${kind}`]);
              const delta = floatsOf(got[kvDeltaName(l, kind)]).values;
              for (let h = 0; h < sig.kvHeads; h++) {
                const from = (h * (held + n) + held) * sig.headSize;
                const fromPresent = present.values.subarray(from, from + n * sig.headSize);
                const ours = delta.subarray(h * n * sig.headSize, (h + 1) * n * sig.headSize);
                expect(
                  compareLogits(ours, fromPresent, downstream(present.precision)).ratio,
                ).toBeLessThanOrEqual(1);
              }
            }
          }
          cache.append(got, held, n);
          const next: Record<string, ort.Tensor> = {};
          for (let l = 0; l < sig.layers; l++) {
            for (const kind of ['key', 'value'])
              next[`past_key_values.${l}.${kind}`] = want[`present.${l}.${kind}`];
          }
          exact = next;
          held += n;
        }
        // The decode passes did run with unused positions in the past.
        expect(decodePasses).toBeGreaterThan(0);
      } finally {
        await Promise.all([original.release(), direct.release()]);
      }
    },
  );

  it.each(FLOAT32_CACHE_LAYOUTS)(
    "keeps a float32 graph's cache in float16: the original's logits over the same rounded past (%s layout)",
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const original = await ort.InferenceSession.create(path.join(dir, file));
      const rewritten = directAttention(readFileSync(path.join(dir, file)), { halfCache: true });
      if ('reason' in rewritten) throw new Error(rewritten.reason);
      // Each layer's past is widened to float32 inside its own branch, never for the whole graph at once.
      const { nodes } = graphOf(rewritten.model);
      expect(nodes.filter(readsPast).map((n) => n.opType)).toEqual(['Shape']);
      for (const { branches: b } of nodes.filter((n) => n.opType === 'If')) {
        expect(b.then_branch.filter(readsPast).map((n) => n.opType)).toEqual(['Cast', 'Cast']);
        // MultiHeadAttention's prompt passes cut the past to the held positions first, and widen that.
        const mha = b.else_branch.some((n) => n.opType === 'MultiHeadAttention');
        const first = mha ? 'Slice' : 'Cast';
        expect(b.else_branch.filter(readsPast).map((n) => n.opType)).toEqual([first, first]);
      }
      const half = await ort.InferenceSession.create(rewritten.model, {
        extra: {
          session: { model_external_initializers_file_folder_path: path.dirname(path.join(dir, file)) },
        },
      });
      try {
        const sig = readDecoderSignature(half);
        expect(sig.kvType).toBe('float16');
        const cache = new KvCache(sig, 40);
        const fetches = ['logits'];
        for (let l = 0; l < sig.layers; l++) fetches.push(kvDeltaName(l, 'key'), kvDeltaName(l, 'value'));
        let held = 0;
        // The exported MultiHeadAttention graphs take several new tokens only with no past: no 3-token pass there.
        const mha = nodes.some(
          (n) => n.opType === 'If' && n.branches.else_branch.some((x) => x.opType === 'MultiHeadAttention'),
        );
        for (const n of mha ? [6, 1, 1, 1] : [6, 3, 1, 1, 1]) {
          const common = passFeeds(held, n, sig.hasLogitsToKeep, sig.hasPositionIds);
          const past = cache.feeds(held, n);
          // The original reads the cache's held positions, widened back to float32.
          const widened: Record<string, ort.Tensor> = {};
          for (const [name, tensor] of Object.entries(past)) {
            const bits = tensor.data as Uint16Array;
            const values = new Float32Array(sig.kvHeads * held * sig.headSize);
            for (let h = 0; h < sig.kvHeads; h++) {
              for (let i = 0; i < held * sig.headSize; i++)
                values[h * held * sig.headSize + i] = float16Value(bits[h * cache.stride * sig.headSize + i]);
            }
            widened[name] = new ort.Tensor('float32', values, [1, sig.kvHeads, held, sig.headSize]);
          }
          stale(cache, sig, past, held);
          const want = await original.run({ ...common, ...widened });
          const got = await half.run({ ...common, ...past }, fetches);
          const vocab = want.logits.dims[2];
          expectSameLogits(
            floatsOf(got.logits).values.slice(-vocab),
            floatsOf(want.logits).values.slice(-vocab),
            'int8-activations',
          );
          // The new keys and values are the original's, rounded to float16.
          for (let l = 0; l < sig.layers; l++) {
            for (const kind of ['key', 'value'] as const) {
              const present = floatsOf(want[`present.${l}.${kind}`]).values;
              const delta = floatsOf(got[kvDeltaName(l, kind)]);
              expect(delta.precision).toBe('float16');
              for (let h = 0; h < sig.kvHeads; h++) {
                const from = (h * (held + n) + held) * sig.headSize;
                const rounded = Array.from(present.subarray(from, from + n * sig.headSize), roundToFloat16);
                const ours = delta.values.subarray(h * n * sig.headSize, (h + 1) * n * sig.headSize);
                expect(compareLogits(ours, rounded, 'float16').ratio).toBeLessThanOrEqual(1);
              }
            }
          }
          cache.append(got, held, n);
          held += n;
        }
      } finally {
        await Promise.all([original.release(), half.release()]);
      }
    },
  );

  it.each(REAL_LAYOUT_FILES)(
    'takes a prompt in passes after a past, with the logits of the prompt in one pass (%s layout)',
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const options = {
        extra: {
          session: { model_external_initializers_file_folder_path: path.dirname(path.join(dir, file)) },
        },
      };
      const original = await ort.InferenceSession.create(path.join(dir, file));
      const direct = await ort.InferenceSession.create(
        directGraph(readFileSync(path.join(dir, file))).model,
        options,
      );
      try {
        const sig = readDecoderSignature(direct);
        const whole = await original.run({
          ...emptyPast(sig),
          ...passFeeds(0, 9, false, sig.hasPositionIds),
        });
        const cache = new KvCache(sig, 16);
        const fetches = ['logits'];
        for (let l = 0; l < sig.layers; l++) fetches.push(kvDeltaName(l, 'key'), kvDeltaName(l, 'value'));
        let last: ort.Tensor | null = null;
        for (const [held, n] of [
          [0, 4],
          [4, 5],
        ]) {
          const past = cache.feeds(held, n);
          stale(cache, sig, past, held);
          const out = await direct.run(
            { ...past, ...passFeeds(held, n, false, sig.hasPositionIds) },
            fetches,
          );
          cache.append(out, held, n);
          last = out.logits;
        }
        const vocab = whole.logits.dims[2];
        const want = floatsOf(whole.logits);
        const ours = floatsOf(last!).values.slice(-vocab);
        expectSameLogits(ours, want.values.slice(-vocab), downstream(want.precision));
        // The bound still tells the last position from the one before it.
        expect(() =>
          expectSameLogits(ours, want.values.slice(-2 * vocab, -vocab), downstream(want.precision)),
        ).toThrow(/differ/);
      } finally {
        await Promise.all([original.release(), direct.release()]);
      }
    },
  );

  it.each(REAL_LAYOUT_FILES)(
    'leaves no node or initializer that nothing reads (%s layout)',
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const model = directGraph(readFileSync(path.join(dir, file))).model;
      const view = readGraph(model, findGraph(model));
      const read = new Set(view.outputs.keys());
      const readBy = (nodes: GraphNode[]): void => {
        for (const n of nodes) {
          for (const i of n.inputs) read.add(i);
          for (const b of Object.values(n.branches)) readBy(b);
        }
      };
      readBy(graphOf(model).nodes);
      expect(view.nodes.filter((n) => !n.outputs.some((o) => read.has(o))).map((n) => n.name)).toEqual([]);
      expect([...view.initializers].filter((name) => !read.has(name))).toEqual([]);
    },
  );

  it("attends within GroupQueryAttention's sliding window as onnxruntime does (ms-builder-2025, a window of 130)", async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'ms-builder-2025' });
    const bytes = Buffer.from(readFileSync(path.join(dir, 'model.onnx')));
    // local_window_size 2047 → 130 in place: both are two-byte varints.
    const attribute = Buffer.concat([Buffer.from('local_window_size'), Buffer.from([0x18, 0xff, 0x0f])]);
    let patched = 0;
    for (let at = bytes.indexOf(attribute); at >= 0; at = bytes.indexOf(attribute, at + 1), patched++)
      bytes.set([0x82, 0x01], at + attribute.length - 2);
    expect(patched).toBe(MODEL_SIZES.tiny.numHiddenLayers);
    const options = { extra: { session: { model_external_initializers_file_folder_path: dir } } };
    const original = await ort.InferenceSession.create(bytes, options);
    const direct = await ort.InferenceSession.create(directGraph(bytes).model, options);
    try {
      // 40 tokens after a 180-token prompt: every step attends past the window's start.
      const prompt = Array.from({ length: 180 }, (_, i) => 300 + ((i * 53) % 5000));
      const over = { maxNewTokens: 40, repetitionPenalty: 1, noRepeatNgramSize: 0, prefillChunk: 1000 };
      const ours = (await runTokens(direct, prompt, over)).tokens;
      expect(ours).toEqual((await runTokens(original, prompt, over, (sig) => new PresentKv(sig))).tokens);
    } finally {
      await Promise.all([original.release(), direct.release()]);
    }
  });

  it('leaves graphs it cannot rewrite to the KV delta slices, and refuses bytes that are not a model', async () => {
    // GroupQueryAttention told to apply the rotary embedding itself with no cos and sin caches to apply: refused,
    // with the reason, and the engine's choice (kvRewrite) falls back to the slices.
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const bytes = Buffer.from(readFileSync(path.join(dir, 'onnx/model_q4.onnx')));
    const doRotary = Buffer.concat([
      Buffer.from([0x0a, 0x09]),
      Buffer.from('do_rotary'),
      Buffer.from([0x18, 0x00]),
    ]);
    let at = bytes.indexOf(doRotary);
    expect(at).toBeGreaterThan(0);
    for (; at >= 0; at = bytes.indexOf(doRotary, at + 1)) bytes[at + doRotary.length - 1] = 1;
    expect(directAttention(bytes)).toEqual({
      reason: expect.stringMatching(/rotates without cos and sin caches/),
    });
    const fallback = kvRewrite(bytes, { halfCache: true });
    expect(fallback).toMatchObject({ attention: 'delta-slices', note: expect.stringMatching(/cos and sin/) });
    expect(graphOf(fallback.bytes!).nodes.some((n) => n.opType === 'If')).toBe(false);
    expect(graphOf(fallback.bytes!).outputs).toContain(kvDeltaName(0, 'key'));
    expect(() => directAttention(Buffer.from([0x3a, 0xff]))).toThrow(/truncated/);
  });
});
