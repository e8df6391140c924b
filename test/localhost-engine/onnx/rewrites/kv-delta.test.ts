/**
 * The KV delta rewrite: the graph gains one output per layer and kind holding only this pass's new positions in
 * place of `present.*`, they equal the matching slice of `present.*`, greedy decoding through them (the engine's
 * CPU mode) gives the same tokens as the two other cache modes on both generated layouts, and onnxruntime takes
 * each layer's slice before the next layer's attention (so it can free that layer's present there).
 */
import { runTokens } from '../../../helpers/run-tokens';
import { PresentKv } from '../../../../localhost-engine/inference/kv/present-kv';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { GENERATED_LAYOUTS } from '../../../helpers/generated-layouts';
import { emptyPast } from '../../../helpers/empty-past';
import { ensureGeneratedModel } from '../../../../models/ensure-generated-model';
import {
  addKvDeltaOutputs,
  kvDeltaName,
  orderKvDeltaSlices,
} from '../../../../localhost-engine/onnx/rewrites/kv-delta';
import { attentionAndSliceOrder, sliceAfterEachLayer } from '../../../helpers/execution-order';
import { readDecoderSignature } from '../../../../localhost-engine/inference/decoder-signature';
import { int64 } from '../../../../localhost-engine/inference/tensors';

async function openRewritten(
  file: string,
  options: { keepPresent?: boolean } = {},
): Promise<ort.InferenceSession> {
  const rewritten = addKvDeltaOutputs(readFileSync(file), options);
  if (!rewritten) throw new Error('no present outputs');
  return ort.InferenceSession.create(rewritten.model, {
    extra: { session: { model_external_initializers_file_folder_path: path.dirname(file) } },
  });
}

describe('addKvDeltaOutputs', () => {
  it.each(GENERATED_LAYOUTS)(
    'puts one delta output per layer and kind in place of present (%s layout)',
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const original = await ort.InferenceSession.create(path.join(dir, file));
      const session = await openRewritten(path.join(dir, file));
      const both = await openRewritten(path.join(dir, file), { keepPresent: true });
      try {
        const deltas = [
          kvDeltaName(0, 'key'),
          kvDeltaName(0, 'value'),
          kvDeltaName(1, 'key'),
          kvDeltaName(1, 'value'),
        ];
        expect(original.outputNames).toContain('present.1.value');
        expect(session.outputNames).toEqual([
          ...original.outputNames.filter((n) => !n.startsWith('present.')),
          ...deltas,
        ]);
        expect(both.outputNames).toEqual([...original.outputNames, ...deltas]);
        expect(readDecoderSignature(session).kvDelta).toBe(true);
        expect(readDecoderSignature(original).kvDelta).toBe(false);
      } finally {
        await Promise.all([original.release(), session.release(), both.release()]);
      }
    },
  );

  it.each(GENERATED_LAYOUTS)(
    "runs each layer's slices right after its attention, before the next layer's (%s layout)",
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const rewritten = addKvDeltaOutputs(readFileSync(path.join(dir, file)))!;
      const order = await attentionAndSliceOrder(rewritten.model, {
        extra: {
          session: { model_external_initializers_file_folder_path: path.dirname(path.join(dir, file)) },
        },
      });
      // The prompt's pass and two decode steps.
      expect(order).toEqual(sliceAfterEachLayer(2, 3));
    },
  );

  it('puts the slices of a graph onnxruntime saved back in that order', async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'genai' });
    const rewritten = addKvDeltaOutputs(readFileSync(path.join(dir, 'model.onnx')))!;
    const saved = mkdtempSync(path.join(os.tmpdir(), 'localscribe-saved-'));
    try {
      const file = path.join(saved, 'model.onnx');
      const building = await ort.InferenceSession.create(rewritten.model, {
        graphOptimizationLevel: 'all',
        optimizedModelFilePath: file,
        logSeverityLevel: 3,
        extra: {
          session: {
            model_external_initializers_file_folder_path: dir,
            optimized_model_external_initializers_file_name: 'model.onnx.data',
            optimized_model_external_initializers_min_size_in_bytes: '1024',
          },
        },
      });
      await building.release();
      // As onnxruntime saved it, every attention runs before the first slice.
      expect(await attentionAndSliceOrder(file, {})).not.toEqual(sliceAfterEachLayer(2, 3));
      const reordered = orderKvDeltaSlices(readFileSync(file));
      expect(reordered).not.toBeNull();
      writeFileSync(file, reordered!);
      expect(await attentionAndSliceOrder(file, {})).toEqual(sliceAfterEachLayer(2, 3));
      expect(orderKvDeltaSlices(readFileSync(path.join(dir, 'model.onnx')))).toBeNull();
    } finally {
      rmSync(saved, { recursive: true, force: true });
    }
  });

  it('each delta holds exactly the new positions of present, after a past of several tokens', async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const session = await openRewritten(path.join(dir, 'onnx/model_q4.onnx'), { keepPresent: true });
    try {
      const sig = readDecoderSignature(session);
      const feedsFor = (ids: number[], pastLength: number, past: Record<string, ort.Tensor>) => ({
        ...past,
        input_ids: int64(ids, [1, ids.length]),
        attention_mask: int64(new Array<number>(pastLength + ids.length).fill(1), [
          1,
          pastLength + ids.length,
        ]),
        position_ids: int64(
          ids.map((_, i) => pastLength + i),
          [1, ids.length],
        ),
        num_logits_to_keep: int64([1], []),
      });
      const empty = emptyPast(sig);
      const first = await session.run(feedsFor([400, 401, 402, 403, 404], 0, empty));
      const past: Record<string, ort.Tensor> = {};
      for (let l = 0; l < sig.layers; l++) {
        for (const kind of ['key', 'value'])
          past[`past_key_values.${l}.${kind}`] = first[`present.${l}.${kind}`];
      }
      // Prefill: the delta is the whole present.
      expect(Array.from(first[kvDeltaName(1, 'value')].data as Float32Array)).toEqual(
        Array.from(first['present.1.value'].data as Float32Array),
      );
      const second = await session.run(feedsFor([405, 406], 5, past));
      const present = second['present.0.key'];
      const delta = second[kvDeltaName(0, 'key')];
      expect(present.dims).toEqual([1, sig.kvHeads, 7, sig.headSize]);
      expect(delta.dims).toEqual([1, sig.kvHeads, 2, sig.headSize]);
      const p = present.data as Float32Array;
      const d = delta.data as Float32Array;
      for (let h = 0; h < sig.kvHeads; h++) {
        const fromPresent = p.subarray((h * 7 + 5) * sig.headSize, (h * 7 + 7) * sig.headSize);
        expect(Array.from(d.subarray(h * 2 * sig.headSize, (h + 1) * 2 * sig.headSize))).toEqual(
          Array.from(fromPresent),
        );
      }
    } finally {
      await session.release();
    }
  });

  it.each(['transformers', 'genai'] as const)(
    'delta, shared-buffer and copied caches give the same greedy tokens (%s layout)',
    async (layout) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const file = path.join(dir, layout === 'genai' ? 'model.onnx' : 'onnx/model_q4.onnx');
      // The engine's graph (delta outputs only), and one that keeps present.* for the two other modes.
      const engineGraph = await openRewritten(file);
      const session = await openRewritten(file, { keepPresent: true });
      try {
        const prompt = Array.from({ length: 30 }, (_, i) => 300 + ((i * 53) % 5000));
        const over = { prefillChunk: 7, maxNewTokens: 16 };
        const delta = (await runTokens(engineGraph, prompt, over)).tokens;
        expect(delta).toHaveLength(16);
        // The slices in place, and the whole present fed back as the next past.
        expect((await runTokens(session, prompt, over)).tokens).toEqual(delta);
        expect((await runTokens(session, prompt, over, (sig) => new PresentKv(sig))).tokens).toEqual(delta);
      } finally {
        await Promise.all([engineGraph.release(), session.release()]);
      }
    },
  );

  it('leaves a graph without present outputs alone and refuses bytes that are not a model', () => {
    expect(() => addKvDeltaOutputs(Buffer.from([0x3a, 0xff]))).toThrow(/truncated/);
    // A ModelProto whose graph (field 7) is empty: no present outputs, nothing to add.
    expect(addKvDeltaOutputs(Buffer.from([0x3a, 0x00]))).toBeNull();
  });
});
