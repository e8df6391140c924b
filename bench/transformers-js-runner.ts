/**
 * The other side of `npm run bench`, run in its own fresh process: transformers.js' own `from_pretrained` and
 * `generate` on a model folder in the transformers.js layout, given the same prompt tokens and decoding settings
 * as the engine's side (bench/engine-runner.ts).
 *
 *   npx tsx bench/transformers-js-runner.ts --model-dir DIR --prompts 512,2048 --new-tokens 128
 *     [--threads N] [--device cpu|webgpu] [--load-only]
 *
 * Prints one line of JSON last, in the engine runner's shape. Timing comes from a streamer: `generate` hands it
 * the prompt first, then each new token as it is chosen.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { PreTrainedModel, Tensor } from '@huggingface/transformers';
import { benchPrompt } from './bench-prompt';
import { RUNNER_OPTIONS, runSide, timedRun } from './runner-common';

const { values } = parseArgs({
  options: {
    'model-dir': { type: 'string' },
    ...RUNNER_OPTIONS,
    device: { type: 'string', default: 'cpu' },
    'load-only': { type: 'boolean', default: false },
    /** More from_pretrained options, as JSON: how to find a GenAI folder's graph (bench/run-bench.ts says). */
    'from-pretrained': { type: 'string' },
  },
});

type Transformers = typeof import('@huggingface/transformers');

/** A streamer that records when each new token arrives (`generate` hands it the prompt first). */
function timingStreamer(t: Transformers) {
  return new (class extends t.BaseStreamer {
    times: number[] = [];
    private sawPrompt = false;
    override put(): void {
      if (!this.sawPrompt) this.sawPrompt = true;
      else this.times.push(performance.now());
    }
    override end(): void {}
  })();
}

async function generate(t: Transformers, model: PreTrainedModel, prompt: number[], newTokens: number) {
  const int64 = (values: number[]): Tensor =>
    new t.Tensor('int64', BigInt64Array.from(values, BigInt), [1, values.length]);
  const streamer = timingStreamer(t);
  const started = performance.now();
  const output = (await model.generate({
    input_ids: int64(prompt),
    attention_mask: int64(prompt.map(() => 1)),
    max_new_tokens: newTokens,
    min_new_tokens: newTokens,
    do_sample: false,
    repetition_penalty: 1.1,
    no_repeat_ngram_size: 4,
    streamer,
  } as unknown as Parameters<PreTrainedModel['generate']>[0])) as Tensor;
  const tokens = Array.from(output.data as BigInt64Array, Number).slice(prompt.length);
  return timedRun(prompt, started, streamer.times, tokens);
}

runSide('transformers.js', async () => {
  const dir = values['model-dir'];
  if (!dir) throw new Error('--model-dir is required');
  // Without this, a wrong folder fails inside the tokenizer ("reading 'tokenizer_class'").
  if (!existsSync(path.join(dir, 'config.json')))
    throw new Error(`${dir} is not a model folder transformers.js reads (no config.json)`);
  if (values.device !== 'cpu' && values.device !== 'webgpu')
    throw new Error(`--device must be cpu or webgpu, not ${values.device}`);
  // Importing transformers.js (and onnxruntime-node with it) is part of its load, as it is of the engine's worker.
  const loadStart = performance.now();
  const t: Transformers = await import('@huggingface/transformers');
  t.env.allowRemoteModels = false;
  t.env.allowLocalModels = true;
  t.env.localModelPath = '';
  const [model] = await Promise.all([
    t.AutoModelForCausalLM.from_pretrained(dir, {
      local_files_only: true,
      dtype: 'q4',
      ...(values['from-pretrained'] ? (JSON.parse(values['from-pretrained']) as object) : {}),
      device: values.device as 'cpu' | 'webgpu',
      ...(values.threads ? { session_options: { intraOpNumThreads: Number(values.threads) } } : {}),
    }),
    t.AutoTokenizer.from_pretrained(dir, { local_files_only: true }),
  ]);
  const loadMs = Math.round(performance.now() - loadStart);
  try {
    if (values['load-only']) return { loadMs };
    await generate(t, model, benchPrompt(16), 2);
    const newTokens = Number(values['new-tokens']);
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const runs = [];
    for (const n of values.prompts.split(',').map(Number))
      runs.push(await generate(t, model, benchPrompt(n), newTokens));
    histogram.disable();
    return { loadMs, runs, eventLoopP99Ms: Number((histogram.percentile(99) / 1e6).toFixed(1)) };
  } finally {
    await model.dispose();
  }
});
