/**
 * The direct attention rewrite: a decoding pass attends with MatMuls that read the past where it lies (no
 * operator copies it), a prompt pass with the model's own GroupQueryAttention, the graph outputs only the new
 * keys and values, and its logits and new keys and values equal the original graph's, pass after pass (prompt
 * and decoding), with a past buffer longer than the tokens it holds. Graphs it cannot rewrite are left to the KV
 * delta slices.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { GENERATED_LAYOUTS } from '../../../helpers/generated-layouts';
import { emptyPast } from '../../../helpers/empty-past';
import { ensureGeneratedModel } from '../../../../models/ensure-generated-model';
import { directAttention, engineKvGraph } from '../../../../localhost-engine/onnx/rewrites/direct-attention';
import { kvDeltaName } from '../../../../localhost-engine/onnx/rewrites/kv-delta';
import { KvCache } from '../../../../localhost-engine/inference/kv/kv-cache';
import { readDecoderSignature } from '../../../../localhost-engine/inference/decoder-signature';
import { GENAI_TINY_FIXTURE } from '../../../helpers/genai-fixture-for-transformers';
import { passFeeds } from '../../../helpers/pass-feeds';
import { profiledKernels } from '../../../helpers/execution-order';
import { graphOf, type GraphNode } from '../../../../localhost-engine/onnx/read';
import { sessionOptions } from '../../../../localhost-engine/inference/session-factory';
import { MODEL_SIZES } from '../../../../models/model-sizes';
import { compareLogits, expectSameLogits } from '../../../helpers/same-logits';

const readsPast = (n: GraphNode): boolean => n.inputs.some((i) => i.startsWith('past_key_values.'));

describe('directAttention', () => {
  it.each(GENERATED_LAYOUTS)(
    'decodes with MatMuls that read the past in place, and keeps GroupQueryAttention for prompt passes (%s layout)',
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const rewritten = directAttention(readFileSync(path.join(dir, file)));
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
      const rewritten = directAttention(readFileSync(path.join(dir, file)))!;
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

  it.each(GENERATED_LAYOUTS)(
    "gives the original graph's logits and new keys and values, with a past longer than it holds (%s layout)",
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const original = await ort.InferenceSession.create(path.join(dir, file));
      const rewritten = directAttention(readFileSync(path.join(dir, file)))!;
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
        for (const n of [6, 3, 1, 1, 1, 1]) {
          const common = passFeeds(held, n, sig.hasLogitsToKeep);
          const past = cache.feeds(held, n);
          // Positions past the held ones hold large stale numbers: the rewrite must mask them, not rely on zeros.
          for (const tensor of Object.values(past)) {
            const data = tensor.data as Float32Array;
            for (let h = 0; h < sig.kvHeads; h++) {
              data.fill(
                1e3 * (h + 1),
                (h * cache.stride + held) * sig.headSize,
                (h + 1) * cache.stride * sig.headSize,
              );
            }
          }
          if (n === 1 && cache.stride > held + 1) decodePasses++;
          const want = await original.run({ ...common, ...exact });
          const got = await direct.run({ ...common, ...past }, fetches);
          const a = want.logits.data as Float32Array;
          const b = got.logits.data as Float32Array;
          const vocab = want.logits.dims[2];
          const lastA = a.subarray(a.length - vocab);
          const lastB = b.subarray(b.length - vocab);
          expectSameLogits(lastB, lastA);
          for (let l = 0; l < sig.layers; l++) {
            for (const kind of ['key', 'value'] as const) {
              const present = want[`present.${l}.${kind}`].data as Float32Array;
              const delta = got[kvDeltaName(l, kind)].data as Float32Array;
              for (let h = 0; h < sig.kvHeads; h++) {
                const from = (h * (held + n) + held) * sig.headSize;
                const fromPresent = present.subarray(from, from + n * sig.headSize);
                const ours = delta.subarray(h * n * sig.headSize, (h + 1) * n * sig.headSize);
                expect(compareLogits(ours, fromPresent).ratio).toBeLessThanOrEqual(1);
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

  it('leaves graphs it cannot rewrite to the KV delta slices, and refuses bytes that are not a model', async () => {
    // MultiHeadAttention over a float16 cache (GenAI's tiny Llama): not rewritten here, nor by engineKvGraph.
    const mha = readFileSync(path.join(GENAI_TINY_FIXTURE, 'model.onnx'));
    expect(directAttention(mha)).toBeNull();
    // GroupQueryAttention that applies the rotary embedding itself: engineKvGraph falls back to the slices.
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
    expect(directAttention(bytes)).toBeNull();
    const fallback = engineKvGraph(bytes)!;
    expect(graphOf(fallback.model).nodes.some((n) => n.opType === 'If')).toBe(false);
    expect(graphOf(fallback.model).outputs).toContain(kvDeltaName(0, 'key'));
    expect(() => directAttention(Buffer.from([0x3a, 0xff]))).toThrow(/truncated/);
  });
});
