/**
 * The llama.cpp side of `npm run bench`, run in its own fresh process: node-llama-cpp 3.21.1 (the runtime under
 * Ollama and LM Studio, installed by `npm run bench:install-llama`) on the generator's GGUF Q4_0 of the same
 * weights, given the same prompt token ids, decoding greedily, with its defaults as those apps run it on a CPU
 * (flash attention auto, float16 KV cache).
 *
 *   npx tsx bench/llama-cpp-runner.ts --gguf FILE --prompts 512,2048 --new-tokens 128 [--threads N]
 *
 * Prints one line of JSON last, in the engine runner's shape.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadLlamaCpp } from './peers/node-llama-cpp';
import { benchPrompt } from './bench-prompt';
import { RUNNER_OPTIONS, runSide, timedRun } from './runner-common';

const { values } = parseArgs({
  options: {
    gguf: { type: 'string' },
    ...RUNNER_OPTIONS,
  },
});

runSide('llama.cpp', async () => {
  if (!values.gguf) throw new Error('--gguf is required');
  const threads = Number(values.threads ?? os.availableParallelism());
  const prompts = values.prompts.split(',').map(Number);
  const newTokens = Number(values['new-tokens']);
  const loadStart = performance.now();
  const llama = await loadLlamaCpp(threads);
  const model = await llama.loadModel({ modelPath: values.gguf });
  const context = await model.createContext({ contextSize: Math.max(...prompts) + newTokens + 16, threads });
  const loadMs = performance.now() - loadStart;

  const generate = async (prompt: number[], count: number) => {
    const sequence = context.getSequence();
    const started = performance.now();
    const times: number[] = [];
    const tokens: number[] = [];
    for await (const token of sequence.evaluate(prompt, { temperature: 0 })) {
      times.push(performance.now());
      tokens.push(token);
      if (tokens.length >= count) break;
    }
    (sequence as unknown as { dispose(): void }).dispose();
    return timedRun(prompt, started, times, tokens);
  };

  // Both sides warm up the same way before timing: a short prompt and two tokens.
  await generate(benchPrompt(16), 2);
  const runs = [];
  for (const promptTokens of prompts) runs.push(await generate(benchPrompt(promptTokens), newTokens));
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  return { device: 'cpu', loadMs: Math.round(loadMs), runs };
});
