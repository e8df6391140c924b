/**
 * One side of `npm run bench`, run in its own fresh process: the engine's inference worker (the same class the
 * engine uses) on a model folder, given the exact prompt tokens transformers.js gets in its runner.
 *
 *   npx tsx bench/engine-runner.ts --model-dir DIR --prompts 512,2048 --new-tokens 128
 *     [--threads N] [--device cpu|webgpu|dml|auto] [--optimized-dir DIR|none] [--load-only]
 *     [--compiled] [--prefill-chunk N] [--kv-cache float16|model]
 *
 * Prints one line of JSON last: load time, the optimized copy's status, per prompt length the time to first
 * token, prefill and decode rates and the tokens, the main thread's event-loop delay while the worker generated,
 * and the process's peak RSS (main thread and worker together, as the engine's process holds both).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import path from 'node:path';
import type { DeviceOption, KvCacheOption } from '../localhost-engine/inference/worker-protocol';
import type { GenerationInput } from '../localhost-engine/inference/inference-worker-client';
import type { DecodeSettings } from '../localhost-engine/inference/token-loop';
import type { PromptIdsRequest } from '../test/helpers/hooked-worker';
import { WorkerProbe } from '../test/helpers/worker-probe';
import { benchPrompt } from './bench-prompt';
import { RUNNER_OPTIONS, runSide } from './runner-common';
import { RUNNING_AS_JS } from './run-child';

const { values } = parseArgs({
  options: {
    'model-dir': { type: 'string' },
    ...RUNNER_OPTIONS,
    device: { type: 'string', default: 'cpu' },
    'optimized-dir': { type: 'string' },
    'load-only': { type: 'boolean', default: false },
    compiled: { type: 'boolean', default: false },
    'prefill-chunk': { type: 'string' },
    'kv-cache': { type: 'string', default: 'float16' },
  },
});

type ClientModule = typeof import('../localhost-engine/inference/inference-worker-client');

/**
 * The engine as `npm start` runs it (`--compiled`: dist/, built by `npm run build`, so the worker thread starts
 * from JavaScript), or from source through tsx (its worker then compiles TypeScript as it starts).
 */
async function clientModule(): Promise<ClientModule> {
  // Bundled (`bench/device/build.sh`), this file is JavaScript already and holds the client.
  if (!values.compiled || RUNNING_AS_JS)
    return import('../localhost-engine/inference/inference-worker-client');
  const file = path.join(
    __dirname,
    '..',
    'dist',
    'localhost-engine',
    'inference',
    'inference-worker-client.js',
  );
  return (await import(file)) as ClientModule;
}

runSide('engine', async () => {
  if (!values['model-dir']) throw new Error('--model-dir is required');
  const optimizedDir = values['optimized-dir'];
  const { InferenceWorkerClient } = await clientModule();
  // Generation goes through the test worker, which can be handed exact prompt ids; starts through the engine's own.
  const probe = values['load-only'] ? null : new WorkerProbe();
  const client = new InferenceWorkerClient({
    ...(probe ? { worker: probe.worker } : {}),
    modelDir: values['model-dir'],
    device: values.device as DeviceOption,
    intraOpThreads: values.threads ? Number(values.threads) : undefined,
    optimizedModelsDir: optimizedDir === 'none' ? null : optimizedDir,
    kvCache: values['kv-cache'] as KvCacheOption,
    // Every prompt is measured whole: the bench's prompts share their first tokens, which the prompt cache would
    // otherwise read from the last generation.
    promptCacheIdleMs: 0,
  });
  try {
    const loadStart = performance.now();
    await client.ensureLoaded();
    const loadMs = performance.now() - loadStart;
    if (client.state !== 'ready') throw new Error(`load failed: ${client.error}`);
    const head = {
      device: client.device ?? undefined,
      loadMs: Math.round(loadMs),
      optimized: client.optimized,
    };
    if (values['load-only']) return head;
    const callbacks = { onDelta: () => undefined };
    // Exactly `maxNewTokens` after these exact prompt tokens (no chat template, no stop token), as transformers.js'
    // runner is given.
    const fromIds = (ids: number[], maxNewTokens: number, decode?: Partial<DecodeSettings>) =>
      client.generate(
        { messages: [], maxNewTokens, promptIds: ids } as GenerationInput & PromptIdsRequest,
        callbacks,
        undefined,
        decode,
      );
    // Both sides warm up the same way before timing: a short prompt and two tokens.
    await fromIds(benchPrompt(16), 2);
    const newTokens = Number(values['new-tokens']);
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    histogram.enable();
    const decode = values['prefill-chunk'] ? { prefillChunk: Number(values['prefill-chunk']) } : undefined;
    const runs = [];
    for (const promptTokens of values.prompts.split(',').map(Number)) {
      const stepsBefore = probe!.steps;
      const result = await fromIds(benchPrompt(promptTokens), newTokens, decode);
      const u = result.usage;
      runs.push({
        promptTokens,
        newTokens: result.tokenIds.length,
        forwardPasses: probe!.steps - stepsBefore,
        ttftMs: Math.round(u.ttftMs),
        prefillTokensPerSecond: Number(u.prefillTokensPerSecond.toFixed(2)),
        decodeTokensPerSecond: Number(u.decodeTokensPerSecond.toFixed(2)),
        tokens: result.tokenIds,
      });
    }
    histogram.disable();
    return {
      ...head,
      // Where the runs ended: a GPU that fails mid-generation hands the rest to the CPU.
      device: client.device ?? undefined,
      runs,
      eventLoopP99Ms: Number((histogram.percentile(99) / 1e6).toFixed(1)),
    };
  } finally {
    await client.close();
  }
});
