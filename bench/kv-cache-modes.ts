/**
 * `npm run bench:kv -- [--size phi3-mini] [--prompt 1500] [--steps 12]`: the ways the token loop can keep
 * the KV cache on the CPU, side by side in one process through the engine's own `greedyLoop` (the first three
 * on one session of the graph with the KV delta outputs beside `present.*`, so that all three can run on it):
 * - copies: each step's `present.*` fed back as the next past;
 * - shared: one buffer per layer passed as past and as preallocated `present` (attention writes in place, then
 *   onnxruntime-node 1.30 returns a copy of the whole buffer every step);
 * - delta: one buffer per layer as past, with only the step's new positions fetched (`onnx/rewrites/kv-delta.ts`);
 * - slices: delta on a graph where `present.*` are no longer outputs, only sliced (the engine until
 *   direct attention);
 * - engine: the engine's own graph, whose attention reads the past in place (`onnx/rewrites/direct-attention.ts`).
 * Reports each mode's decode rate and whether their greedy tokens agree.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ensureGeneratedModel } from '../models/ensure-generated-model';
import type { ModelSize } from '../models/model-sizes';
import { addKvDeltaOutputs } from '../localhost-engine/onnx/rewrites/kv-delta';
import { engineKvGraph } from '../localhost-engine/onnx/rewrites/direct-attention';
import { sessionOptions } from '../localhost-engine/inference/session-factory';
import { DEFAULT_DECODE, greedyLoop, readDecoderSignature } from '../localhost-engine/inference/token-loop';
import { benchPrompt } from './bench-prompt';
import { saveResult } from './benchmarks-md';
import { machineLine } from './summary';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'phi3-mini' },
    prompt: { type: 'string', default: '1500' },
    steps: { type: 'string', default: '12' },
  },
});
const promptLength = Number(values.prompt);
const steps = Number(values.steps);

async function main(): Promise<void> {
  const dir = await ensureGeneratedModel({ size: values.size as ModelSize, layout: 'transformers' });
  const file = path.join(dir, 'onnx', 'model_q4.onnx');
  const open = async (graph: 'present kept' | 'slices' | 'engine'): Promise<ort.InferenceSession> => {
    const bytes = readFileSync(file);
    const rewritten =
      graph === 'engine'
        ? engineKvGraph(bytes)
        : addKvDeltaOutputs(bytes, { keepPresent: graph === 'present kept' });
    if (!rewritten) throw new Error('the graph has no present outputs');
    return ort.InferenceSession.create(rewritten.model, {
      ...sessionOptions('cpu', rewritten.layers),
      extra: { session: { model_external_initializers_file_folder_path: path.dirname(file) } },
    });
  };
  const session = await open('present kept');
  const slicesGraph = await open('slices');
  const engineGraph = await open('engine');
  const base = readDecoderSignature(session);
  const modes = {
    copies: { session, sig: { ...base, sharedKvCache: false, kvDelta: false } },
    shared: { session, sig: { ...base, sharedKvCache: true, kvDelta: false } },
    delta: { session, sig: { ...base, sharedKvCache: true, kvDelta: true } },
    slices: { session: slicesGraph, sig: { ...readDecoderSignature(slicesGraph), sharedKvCache: true } },
    engine: { session: engineGraph, sig: { ...readDecoderSignature(engineGraph), sharedKvCache: true } },
  };
  const results: Record<string, { prefillMs: number; decodeTokensPerSecond: number; tokens: number[] }> = {};
  for (const [mode, { session: on, sig }] of Object.entries(modes)) {
    const r = await greedyLoop(
      on,
      sig,
      benchPrompt(promptLength),
      { ...DEFAULT_DECODE, maxNewTokens: steps + 1, eosTokenIds: [] },
      { shouldStop: () => false, onToken: () => undefined },
    );
    results[mode] = {
      prefillMs: Math.round(r.prefillMs),
      decodeTokensPerSecond: Number((steps / (r.decodeMs / 1000)).toFixed(2)),
      tokens: r.tokens,
    };
    console.error(mode, results[mode].decodeTokensPerSecond);
  }
  const same = (a: number[], b: number[]) => JSON.stringify(a) === JSON.stringify(b);
  const result = {
    date: new Date().toISOString(),
    machine: machineLine(),
    size: values.size,
    promptLength,
    steps,
    modes: Object.fromEntries(
      Object.entries(results).map(([k, v]) => [
        k,
        {
          prefillMs: v.prefillMs,
          decodeTokensPerSecond: v.decodeTokensPerSecond,
          sameTokensAsCopies: same(v.tokens, results.copies.tokens),
        },
      ]),
    ),
    sameTokens: Object.values(results).every((r) => same(r.tokens, results.copies.tokens)),
  };
  console.log(JSON.stringify(result));
  saveResult('kv-cache.json', result);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
