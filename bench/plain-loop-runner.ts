/**
 * The floor any runtime should clear, run in its own fresh process: a plain loop over `session.run` on the model
 * folder's graph as exported, the prompt in one pass, each step's presents fed back as the next past, greedy
 * argmax over the last row of logits. No rewrite, no cache of its own, no repetition control.
 *
 *   npx tsx bench/plain-loop-runner.ts --model-dir DIR --prompts 512,2048 --new-tokens 128 [--threads N]
 *
 * Prints one line of JSON last, in the engine runner's shape.
 */
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { inspectModelFolder } from '../localhost-engine/inference/model-folder';
import { argmax } from '../localhost-engine/inference/logits-processing';
import { PlainLoop } from '../test/helpers/plain-loop';
import { benchPrompt } from './bench-prompt';
import { RUNNER_OPTIONS, runSide, timedRun } from './runner-common';

const { values } = parseArgs({
  options: {
    'model-dir': { type: 'string' },
    ...RUNNER_OPTIONS,
  },
});

runSide('plain', async () => {
  const dir = values['model-dir'];
  if (!dir) throw new Error('--model-dir is required');
  const loadStart = performance.now();
  const folder = await inspectModelFolder(dir, 'cpu');
  const session = await ort.InferenceSession.create(folder.modelFile, {
    graphOptimizationLevel: 'all',
    executionProviders: ['cpu'],
    ...(values.threads ? { intraOpNumThreads: Number(values.threads) } : {}),
  });
  const loadMs = performance.now() - loadStart;
  const loop = new PlainLoop(session, {
    kvHeads: folder.kvHeads ?? undefined,
    headSize: folder.headSize ?? undefined,
  });

  const generate = async (prompt: number[], newTokens: number) => {
    loop.reset();
    const started = performance.now();
    const times: number[] = [];
    const tokens: number[] = [];
    let row = await loop.step(prompt);
    for (;;) {
      tokens.push(argmax(row));
      times.push(performance.now());
      if (tokens.length >= newTokens) break;
      row = await loop.step([tokens.at(-1)!]);
    }
    return timedRun(prompt, started, times, tokens);
  };

  // Both sides warm up the same way before timing: a short prompt and two tokens.
  await generate(benchPrompt(16), 2);
  const runs = [];
  for (const promptTokens of values.prompts.split(',').map(Number))
    runs.push(await generate(benchPrompt(promptTokens), Number(values['new-tokens'])));
  await session.release();
  return { device: 'cpu', loadMs: Math.round(loadMs), runs };
});
