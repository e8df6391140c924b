/**
 * A model opened in shards of layers (`shard-graph.ts`, `sharded-session.ts`): the shards, each with the cache of
 * its own layers, give the whole graph's logits pass after pass (prompt and decoding); each shard holds only the
 * weights its layers use; the engine opened in two shards (one on its own thread) generates the same tokens as
 * opened whole, and says so; graphs that cannot be split open whole, with the reason.
 */
import { expectSameLogits } from '../../helpers/same-logits';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { GENERATED_LAYOUTS } from '../../helpers/generated-layouts';
import { ensureGeneratedModel } from '../../../models/ensure-generated-model';
import { engineKvGraph } from '../../../localhost-engine/inference/direct-attention-graph';
import { kvDeltaName } from '../../../localhost-engine/inference/kv-delta-graph';
import { fields, findGraph, stringField } from '../../../localhost-engine/inference/onnx-bytes';
import { KvCache } from '../../../localhost-engine/inference/kv-cache';
import { shardGraph } from '../../../localhost-engine/inference/shard-graph';
import { ShardState } from '../../../localhost-engine/inference/sharded-session';
import { InferenceWorkerClient } from '../../../localhost-engine/inference/inference-worker-client';
import { readDecoderSignature } from '../../../localhost-engine/inference/token-loop';
import { passFeeds } from '../../helpers/pass-feeds';

/** A shard graph's initializer names and its input and output names. */
function signature(model: Uint8Array): { initializers: string[]; inputs: string[]; outputs: string[] } {
  const graph = findGraph(model);
  const out = { initializers: [] as string[], inputs: [] as string[], outputs: [] as string[] };
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    if (f.number === 5) out.initializers.push(stringField(model, f, 8));
    if (f.number === 11) out.inputs.push(stringField(model, f, 1));
    if (f.number === 12) out.outputs.push(stringField(model, f, 1));
  }
  return out;
}

describe('shardGraph', () => {
  it.each(GENERATED_LAYOUTS)(
    "splits the engine graph by layers into shards that give the whole graph's logits, pass after pass (%s layout)",
    async (layout, file) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const modelFile = path.join(dir, file);
      const engine = engineKvGraph(readFileSync(modelFile))!;
      const shards = shardGraph(engine.model, 2)!;
      expect(shards.map((s) => s.layers)).toEqual([
        [0, 1],
        [1, 2],
      ]);
      // The second shard reads what the first computed (the hidden state between the layers among it).
      expect(shards[0].carried).toEqual([]);
      expect(shards[1].carried.length).toBeGreaterThan(0);

      const [first, second] = shards.map((s) => signature(s.model));
      // No weight is in both shards (they share only constants and the rotary tables): the first holds layer 0,
      // the second layer 0's output projection and MLP (after its attention, the cut) and layer 1.
      const shared = first.initializers.filter((n) => second.initializers.includes(n));
      expect(shared.filter((n) => /MatMulNBits|embed|lm_head|norm/.test(n))).toEqual([]);
      expect(first.initializers.some((n) => n.includes('layers.1.'))).toBe(false);
      expect(second.initializers.some((n) => /layers\.0\..*qkv_proj/.test(n))).toBe(false);
      expect(second.initializers.some((n) => /layers\.0\..*down_proj/.test(n))).toBe(true);
      // Each shard reads the past keys and values of its own layers only.
      expect(first.inputs.filter((n) => n.startsWith('past_key_values.'))).toEqual([
        'past_key_values.0.key',
        'past_key_values.0.value',
      ]);
      expect(second.outputs).toEqual(
        expect.arrayContaining(['logits', kvDeltaName(1, 'key'), kvDeltaName(1, 'value')]),
      );
      expect(first.outputs).not.toContain('logits');
      for (const n of shards[1].carried) expect(first.outputs).toContain(n);

      const options = {
        extra: { session: { model_external_initializers_file_folder_path: path.dirname(modelFile) } },
      };
      const whole = await ort.InferenceSession.create(engine.model, options);
      const states = await Promise.all(
        shards.map(async (s) => new ShardState(await ort.InferenceSession.create(s.model, options))),
      );
      try {
        const sig = readDecoderSignature(whole);
        const cache = new KvCache(sig, 40);
        for (const s of states) s.reset(40);
        let held = 0;
        for (const n of [6, 3, 1, 1, 1]) {
          const common = passFeeds(held, n, sig.hasLogitsToKeep);
          const want = await whole.run({ ...common, ...cache.feeds(held, n) });
          cache.append(want, held, n);
          const known: Record<string, ort.Tensor> = { ...common };
          for (const s of states) Object.assign(known, await s.run(known));
          // Each shard kept its layers' new keys and values to itself.
          expect(Object.keys(known).filter((k) => k.startsWith('present_delta.'))).toEqual([]);
          const a = want.logits.data as Float32Array;
          const b = known.logits.data as Float32Array;
          expect(b.length).toBe(a.length);
          expectSameLogits(b, a);
          held += n;
        }
      } finally {
        await Promise.all([whole.release(), ...states.map((s) => s.session.release())]);
      }
    },
  );

  it('does not split a graph into more shards than it has layers, nor one without KV delta outputs', async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const original = readFileSync(path.join(dir, 'onnx/model_q4.onnx'));
    expect(shardGraph(engineKvGraph(original)!.model, 3)).toBeNull();
    expect(shardGraph(original, 2)).toBeNull();
    expect(shardGraph(engineKvGraph(original)!.model, 1)).toBeNull();
  });
});

describe('a sharded engine', () => {
  const callbacks = { onStarted: () => undefined, onDelta: () => undefined };
  const prompt = Array.from({ length: 40 }, (_, i) => 300 + ((i * 131) % 5000));

  it.each(GENERATED_LAYOUTS)(
    'generates the same tokens opened in two shards (one on its own thread) as opened whole (%s layout)',
    async (layout) => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout });
      const tokens: number[][] = [];
      for (const shards of [1, 2]) {
        const client = new InferenceWorkerClient({
          modelDir: dir,
          device: 'cpu',
          optimizedModelsDir: null,
          shards,
          // Both sides start each generation from an empty cache (shards keep no prompt cache).
          promptCacheIdleMs: 0,
        });
        try {
          await client.ensureLoaded();
          expect(client.state).toBe('ready');
          expect(client.shards).toEqual({ count: shards });
          // Two generations in a row: the second starts from an empty cache in every shard.
          const long = await client.generateFromIds(prompt, 24, callbacks);
          const short = await client.generateFromIds(prompt.slice(0, 10), 8, callbacks);
          expect(long.tokenIds).toHaveLength(24);
          tokens.push([...long.tokenIds, ...short.tokenIds]);
        } finally {
          await client.close();
        }
      }
      expect(tokens[1]).toEqual(tokens[0]);
    },
  );

  it('opens a model it cannot split whole, and says why; auto leaves small models whole', async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const client = new InferenceWorkerClient({
      modelDir: dir,
      device: 'cpu',
      optimizedModelsDir: null,
      shards: 4,
    });
    try {
      await client.ensureLoaded();
      expect(client.state).toBe('ready');
      expect(client.shards).toEqual({ count: 1, reason: 'the graph could not be split by layer' });
      const result = await client.generateFromIds(prompt, 4, callbacks);
      expect(result.tokenIds).toHaveLength(4);
    } finally {
      await client.close();
    }
    // `auto` leaves a small model (it opens in well under a second) as one session, with no complaint.
    const auto = new InferenceWorkerClient({
      modelDir: dir,
      device: 'cpu',
      optimizedModelsDir: null,
      shards: 'auto',
    });
    try {
      await auto.ensureLoaded();
      expect(auto.shards).toEqual({ count: 1 });
    } finally {
      await auto.close();
    }
  });
});
