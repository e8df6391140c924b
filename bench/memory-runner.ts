/**
 * One configuration of `npm run bench:memory`, in its own process: opens `--file` on the CPU as `--graph` says
 * (`engine`: the engine's graph, its cache as `--kv-cache` says, float16 or the model's own type; `slices`: the KV
 * delta slices of `present.*`; `present kept`: those slices beside `present.*`), generates `--new-tokens` greedy
 * tokens after a `--prompt`-token prompt in `--chunk`-token prefill passes through the engine's token loop, and
 * prints a `MemoryRun` as its last line.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { addKvDeltaOutputs } from '../localhost-engine/onnx/rewrites/kv-delta';
import { cpuGraph } from '../localhost-engine/inference/session-graph';
import { sessionOptions } from '../localhost-engine/inference/session-factory';
import { readDecoderSignature } from '../localhost-engine/inference/decoder-signature';
import { runTokens } from '../test/helpers/run-tokens';
import { benchPrompt } from './bench-prompt';

export interface MemoryRun {
  /** RSS once the session is open: the weights as onnxruntime keeps them, plus Node itself. */
  loadedRssMB: number;
  /** The engine's KV cache buffers: every layer's keys and values for the prompt and every new token. */
  cacheMB: number;
  peakRssMB: number;
  /** Peak − loaded − cache: onnxruntime's working memory and the transients of a pass. */
  restMB: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  error?: string;
}

const { values } = parseArgs({
  options: {
    file: { type: 'string' },
    prompt: { type: 'string', default: '2048' },
    'new-tokens': { type: 'string', default: '16' },
    chunk: { type: 'string', default: '256' },
    graph: { type: 'string', default: 'engine' },
    'kv-cache': { type: 'string', default: 'float16' },
  },
});

const MB = 2 ** 20;

async function main(): Promise<MemoryRun> {
  const file = values.file;
  if (!file) throw new Error('--file is required');
  if (!['engine', 'slices', 'present kept'].includes(values.graph)) {
    throw new Error(`--graph must be engine, slices or "present kept", not ${values.graph}`);
  }
  const bytes = readFileSync(file);
  const rewritten =
    values.graph === 'engine'
      ? (await cpuGraph(file, { halfCache: values['kv-cache'] === 'float16' })).source.bytes
      : addKvDeltaOutputs(bytes, { keepPresent: values.graph === 'present kept' })?.model;
  if (!rewritten) throw new Error(`${file} has no present outputs`);
  const session = await ort.InferenceSession.create(rewritten, {
    // The layer count only names a GPU's outputs.
    ...sessionOptions('cpu', 0),
    extra: { session: { model_external_initializers_file_folder_path: path.dirname(file) } },
  });
  const loadedRss = process.memoryUsage().rss;
  const sig = readDecoderSignature(session);
  const promptTokens = Number(values.prompt);
  const newTokens = Number(values['new-tokens']);
  const r = await runTokens(session, benchPrompt(promptTokens), {
    prefillChunk: Number(values.chunk),
    maxNewTokens: newTokens,
  });
  // maxRSS is in KiB (libuv normalizes it across platforms).
  const peak = process.resourceUsage().maxRSS * 1024;
  const capacity = promptTokens + newTokens + 1;
  const cache = sig.layers * 2 * sig.kvHeads * capacity * sig.headSize * (sig.kvType === 'float16' ? 2 : 4);
  return {
    loadedRssMB: Math.round(loadedRss / MB),
    cacheMB: Math.round(cache / MB),
    peakRssMB: Math.round(peak / MB),
    restMB: Math.round((peak - loadedRss - cache) / MB),
    prefillTokensPerSecond: Number((promptTokens / (r.prefillMs / 1000)).toFixed(2)),
    decodeTokensPerSecond: Number(((r.tokens.length - 1) / (r.decodeMs / 1000)).toFixed(2)),
  };
}

main().then(
  (run) => console.log(JSON.stringify(run)),
  (err: unknown) => {
    console.log(JSON.stringify({ error: (err as Error).message }));
    process.exit(1);
  },
);
