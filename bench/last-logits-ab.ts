/**
 * `npm run bench:logits -- [--size phi3-mini] [--prompt 1024] [--reps 8]`: prefill on the GenAI-layout graph
 * (no `num_logits_to_keep`) as the engine opened it before `onnx/rewrites/last-logits.ts` (logits for every position)
 * and as it opens it now (the LM head on the last position only), both sessions in one process, in alternating
 * order, through the engine's token loop. Writes each side's prefill rates, their medians and whether the first
 * token agrees to `bench/results/last-logits.json` and its section of BENCHMARKS.md.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ensureGeneratedModel } from '../models/ensure-generated-model';
import type { ModelSize } from '../models/model-sizes';
import { kvRewrite } from '../localhost-engine/inference/session-graph';
import { lastPositionLogits } from '../localhost-engine/onnx/rewrites/last-logits';
import { sessionOptions } from '../localhost-engine/inference/session-factory';
import { runTokens } from '../test/helpers/run-tokens';
import { benchPrompt } from './bench-prompt';
import { saveResult } from './benchmarks-md';
import { machineLine, median } from './summary';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'phi3-mini' },
    prompt: { type: 'string', default: '1024' },
    reps: { type: 'string', default: '8' },
  },
});

async function main(): Promise<void> {
  const dir = await ensureGeneratedModel({ size: values.size as ModelSize, layout: 'genai' });
  const file = path.join(dir, 'model.onnx');
  const kv = kvRewrite(readFileSync(file), { halfCache: false }).bytes;
  if (!kv) throw new Error(`${file}: the engine's graph rewrite does not apply`);
  const last = lastPositionLogits(kv);
  if (!last) throw new Error(`${file}: the LM head was not found`);
  const options = {
    ...sessionOptions('cpu', 0),
    extra: { session: { model_external_initializers_file_folder_path: dir } },
  };
  const sides = {
    everyPosition: await ort.InferenceSession.create(kv, options),
    lastPosition: await ort.InferenceSession.create(last, options),
  };
  const prompt = benchPrompt(Number(values.prompt));
  const rates: Record<keyof typeof sides, number[]> = { everyPosition: [], lastPosition: [] };
  const firstTokens = new Set<number>();
  for (let rep = 0; rep < Number(values.reps); rep++) {
    const order: Array<keyof typeof sides> =
      rep % 2 ? ['lastPosition', 'everyPosition'] : ['everyPosition', 'lastPosition'];
    for (const side of order) {
      const r = await runTokens(sides[side], prompt, { maxNewTokens: 1 });
      rates[side].push(Number((prompt.length / (r.prefillMs / 1000)).toFixed(2)));
      firstTokens.add(r.tokens[0]);
    }
  }
  await Promise.all(Object.values(sides).map((s) => s.release()));
  const result = {
    date: new Date().toISOString(),
    machine: machineLine(),
    command: `npm run bench:logits -- --size ${values.size} --prompt ${values.prompt} --reps ${values.reps}`,
    size: values.size,
    promptTokens: prompt.length,
    prefillTokensPerSecond: rates,
    medians: {
      everyPosition: Number(median(rates.everyPosition).toFixed(2)),
      lastPosition: Number(median(rates.lastPosition).toFixed(2)),
    },
    sameFirstToken: firstTokens.size === 1,
  };
  console.log(JSON.stringify(result));
  saveResult('last-logits.json', result);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
