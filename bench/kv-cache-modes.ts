/**
 * `npm run bench:kv -- [--size phi3-mini] [--prompt 1500] [--steps 12]`: the two ways the token loop can keep the
 * KV cache on the CPU, side by side in one process on the same generated model and prompt — each step's present
 * fed back as the next past (copies), and one buffer per layer passed as both past and present (GroupQueryAttention's
 * shared-buffer mode) — with the decode rate of each and whether their greedy tokens agree.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ensureGeneratedModel } from '../models/ensure-generated-model';
import type { ModelSize } from '../models/model-sizes';
import { writeBenchmarksMd } from './benchmarks-md';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'phi3-mini' },
    prompt: { type: 'string', default: '1500' },
    steps: { type: 'string', default: '12' },
  },
});
const promptLength = Number(values.prompt);
const steps = Number(values.steps);

function int64(v: number[], dims: number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), dims);
}

function argmax(logits: ort.Tensor): number {
  const data = logits.data as Float32Array;
  const vocab = logits.dims[2];
  const offset = (logits.dims[1] - 1) * vocab;
  let best = 0;
  for (let i = 1; i < vocab; i++) if (data[offset + i] > data[offset + best]) best = i;
  return best;
}

async function main(): Promise<void> {
  const dir = await ensureGeneratedModel({ size: values.size as ModelSize, layout: 'transformers' });
  const session = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model_q4.onnx'), {
    graphOptimizationLevel: 'all',
  });
  const meta = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
  if (!meta || !meta.isTensor) throw new Error('no KV input');
  const [, kvHeads, , headSize] = meta.shape as number[];
  const layers = session.inputNames.filter((n) => /^past_key_values\.\d+\.key$/.test(n)).length;
  const prompt = Array.from({ length: promptLength }, (_, i) => 100 + ((i * 37) % 20000));
  const names = Array.from({ length: layers }, (_, l) => [`${l}.key`, `${l}.value`]).flat();

  async function run(
    shared: boolean,
  ): Promise<{ tokens: number[]; prefillMs: number; decodeTokensPerSecond: number }> {
    const length = shared ? promptLength + steps + 1 : 0;
    let past: Record<string, ort.Tensor> = {};
    for (const n of names) {
      past[`past_key_values.${n}`] = new ort.Tensor(
        'float32',
        new Float32Array(kvHeads * length * headSize),
        [1, kvHeads, length, headSize],
      );
    }
    const tokens: number[] = [];
    let ids = prompt;
    let position = 0;
    const started = performance.now();
    let decodeStart = 0;
    let prefillMs = 0;
    for (let step = 0; step <= steps; step++) {
      const total = position + ids.length;
      const feeds: Record<string, ort.Tensor> = {
        ...past,
        input_ids: int64(ids, [1, ids.length]),
        attention_mask: int64(new Array<number>(total).fill(1), [1, total]),
        position_ids: int64(
          ids.map((_, i) => position + i),
          [1, ids.length],
        ),
        num_logits_to_keep: int64([1], []),
      };
      let logits: ort.Tensor;
      if (shared) {
        const fetches: Record<string, ort.Tensor | null> = { logits: null };
        for (const n of names) fetches[`present.${n}`] = past[`past_key_values.${n}`];
        logits = (await session.run(feeds, fetches as ort.InferenceSession.FetchesType)).logits;
      } else {
        const out = await session.run(feeds);
        past = {};
        for (const n of names) past[`past_key_values.${n}`] = out[`present.${n}`];
        logits = out.logits;
      }
      if (step === 0) {
        prefillMs = performance.now() - started;
        decodeStart = performance.now();
      }
      position = total;
      const next = argmax(logits);
      tokens.push(next);
      ids = [next];
    }
    return { tokens, prefillMs, decodeTokensPerSecond: steps / ((performance.now() - decodeStart) / 1000) };
  }

  const copies = await run(false);
  const shared = await run(true);
  const cpu = os.cpus();
  const result = {
    date: new Date().toISOString(),
    machine: `${cpu.length}× ${cpu[0]?.model ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.arch()}`,
    size: values.size,
    promptLength,
    steps,
    copies: {
      prefillMs: Math.round(copies.prefillMs),
      decodeTokensPerSecond: Number(copies.decodeTokensPerSecond.toFixed(2)),
    },
    shared: {
      prefillMs: Math.round(shared.prefillMs),
      decodeTokensPerSecond: Number(shared.decodeTokensPerSecond.toFixed(2)),
    },
    sameTokens: JSON.stringify(copies.tokens) === JSON.stringify(shared.tokens),
  };
  console.log(JSON.stringify(result));
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'kv-cache.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeBenchmarksMd();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
