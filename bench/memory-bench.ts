/**
 * `npm run bench:memory -- [--layout ms-cpu-int4] [--size phi3-mini] [--prompt 2048] [--new-tokens 16] [--chunks 128,256,512]`: where
 * the CPU engine's memory goes during one generation, and what the KV delta graph's layout and the prefill pass
 * size change in it. Each configuration runs in a fresh process (bench/memory-runner.ts):
 * - `present kept`: the delta outputs added beside `present.*` (the engine before this benchmark existed), which
 *   makes onnxruntime hold every layer's present, the whole cache a second time, until a pass ends;
 * - `slices`: each layer's present is freed once its new positions are sliced out (the engine until direct
 *   attention);
 * - `engine`: the engine's graph, whose decoding attention reads the past in place and makes no present
 *   (`onnx/rewrites/direct-attention.ts`; prompt passes run as in `slices`), at each prefill pass size, with its
 *   default float16 cache, and once with `--kv-cache model` (the model's own float32 cache). Reports the resident weights after load, the cache the engine allocates, the peak
 * RSS, what is left over (onnxruntime's working memory and transients), and the prefill and decode rates.
 * Writes bench/results/memory.json and rewrites BENCHMARKS.md.
 */
import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ensureGeneratedModel } from '../models/ensure-generated-model';
import { isRealLayout, type RealLayoutName } from '../models/layouts/registry';
import { inspectModelFolder } from '../localhost-engine/inference/model-folder';
import type { ModelSize } from '../models/model-sizes';
import { saveResult } from './benchmarks-md';
import type { MemoryRun } from './memory-runner';
import { runChild } from './run-child';
import { machineLine } from './summary';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'phi3-mini' },
    layout: { type: 'string', default: 'ms-cpu-int4' },
    prompt: { type: 'string', default: '2048' },
    'new-tokens': { type: 'string', default: '16' },
    chunks: { type: 'string', default: '128,256,512' },
  },
});

async function main(): Promise<void> {
  const size = values.size as ModelSize;
  const layout = values.layout as RealLayoutName;
  if (!isRealLayout(layout)) throw new Error(`--layout must be a real export layout, not ${layout}`);
  const dir = await ensureGeneratedModel({ size, layout });
  const folder = await inspectModelFolder(dir, 'cpu');
  const file = folder.modelFile;
  const diskBytes = [file, ...folder.externalDataFiles].reduce((n, f) => n + statSync(f).size, 0);
  const chunks = values.chunks.split(',').map(Number);
  const configs = [
    { graph: 'present kept', chunk: 512 },
    { graph: 'slices', chunk: 256 },
    { graph: 'engine, --kv-cache model', chunk: 256 },
    ...chunks.map((chunk) => ({ graph: 'engine', chunk })),
  ];
  const rows = configs.map(({ graph, chunk }) => {
    const args = ['--file', file, '--prompt', values.prompt, '--new-tokens', values['new-tokens']];
    const [name, kvCache] = graph.startsWith('engine, ') ? ['engine', 'model'] : [graph, 'float16'];
    args.push('--chunk', String(chunk), '--graph', name, '--kv-cache', kvCache);
    const run = runChild<MemoryRun>('memory-runner.ts', args);
    console.error(graph, chunk, JSON.stringify(run));
    return { graph, chunk, ...run };
  });
  const result = {
    date: new Date().toISOString(),
    machine: machineLine(),
    command: `npm run bench:memory -- --layout ${layout} --size ${size} --prompt ${values.prompt} --new-tokens ${values['new-tokens']} --chunks ${values.chunks}`,
    size,
    layout,
    diskMB: Math.round(diskBytes / 2 ** 20),
    promptTokens: Number(values.prompt),
    newTokens: Number(values['new-tokens']),
    rows,
  };
  saveResult('memory.json', result);
  console.log(JSON.stringify(result));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
