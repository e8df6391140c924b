/**
 * `npm run bench`: the engine against transformers.js' own `generate` and against this machine's limits, in one
 * run, on the generated Phi-3-mini-sized int4 model (generated and cached on first use, 2.72 GB).
 *
 *   npm run bench                                  # phi3-mini, CPU, 2 alternated repetitions (~20 min here)
 *   npm run bench -- --size tiny --reps 1          # a quick check of the whole pipeline
 *   npm run bench -- --device webgpu               # where a WebGPU adapter exists (both sides)
 *   npm run bench -- --device webgpu --gpu-name "NVIDIA H200"   # names the GPU where it cannot be read
 *
 * Each side runs in its own fresh process (bench/engine-runner.ts, bench/transformers-js-runner.ts), given the
 * same prompt tokens and the same decoding settings, alternating which goes first so that drift in the machine's
 * speed falls on both. Cold loads start with the model's files dropped from the page cache. The ceilings
 * (bench/ceilings.ts) are measured in the same run. Writes bench/results/engine.json and rewrites BENCHMARKS.md.
 *
 * On a GPU (`--device webgpu|dml`) the run skips what only the CPU engine has (the CPU's ceilings, the optimized
 * copy), names the GPU, stops when the engine fell back to the CPU, and writes
 * bench/results/engine-<size>-<device>.json, which BENCHMARKS.md shows in a section of its own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ensureGeneratedModel } from '../models/ensure-generated-model';
import { MODEL_SIZES, type ModelSize } from '../models/model-sizes';
import { BENCH_OPTIMIZED_DIR } from './bench-home';
import { saveResult } from './benchmarks-md';
import type { RunnerResult } from './runner-result';
import { RUNNING_AS_JS, runChild as runScript } from './run-child';
import { measureCeilings, modelCosts } from './ceilings';
import { DEFAULT_DECODE } from '../localhost-engine/inference/token-loop';
import { machineLine, median } from './summary';

const runChild = (script: string, args: string[]): RunnerResult => runScript<RunnerResult>(script, args);

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'phi3-mini' },
    reps: { type: 'string', default: '2' },
    prompts: { type: 'string', default: '512,2048' },
    'new-tokens': { type: 'string', default: '128' },
    starts: { type: 'string', default: '10' },
    device: { type: 'string', default: 'cpu' },
    threads: { type: 'string' },
    'gpu-name': { type: 'string' },
  },
});
const size = values.size as ModelSize;
const reps = Number(values.reps);
const prompts = values.prompts.split(',').map(Number);
const newTokens = Number(values['new-tokens']);
const REPO = path.join(__dirname, '..');
if (!['cpu', 'webgpu', 'dml'].includes(values.device))
  throw new Error(`--device must be cpu, webgpu or dml, not ${values.device}`);
const onCpu = values.device === 'cpu';

/**
 * The GPU a `--device webgpu|dml` run used, for the report: `--gpu-name`, else NVIDIA's driver's own name for it
 * (Linux), else Chromium's software Vulkan when that is the driver the run was pointed at (the tests' adapter).
 */
function gpuName(): string {
  if (values['gpu-name']) return values['gpu-name'];
  const nvidia = '/proc/driver/nvidia/gpus';
  if (existsSync(nvidia)) {
    for (const bus of readdirSync(nvidia)) {
      const info = readFileSync(path.join(nvidia, bus, 'information'), 'utf8');
      const model = /^Model:\s*(.+)$/m.exec(info);
      if (model) return model[1].trim();
    }
  }
  if (/swiftshader/i.test(process.env.VK_DRIVER_FILES ?? ''))
    return "SwiftShader (Chromium's Vulkan on the CPU, no GPU)";
  return 'a GPU the run could not name (pass --gpu-name)';
}

/**
 * The engine's result, once it says it ran on the device asked for: a GPU run that fell back to the CPU, at load or
 * mid-generation, would report the CPU's figures as the GPU's.
 */
function onDevice(run: RunnerResult): RunnerResult {
  if (run.device !== values.device)
    throw new Error(`The engine ran on ${run.device}, not ${values.device}: no figures to report.`);
  return run;
}

/**
 * Drops a folder's files from the page cache (GNU dd's `nocache`), so the next load reads the disk. Writes still
 * in flight are flushed first (`sync`): dirty pages cannot be dropped, and the optimized copy built just before
 * (5.5 GB for phi3-mini) would otherwise still be written back while the cold loads read, slowing both sides.
 */
function evict(dir: string): void {
  if (process.platform !== 'linux' || !existsSync(dir)) return;
  spawnSync('sync', { stdio: 'ignore' });
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    if (statSync(file).isFile())
      spawnSync('dd', [`if=${file}`, 'iflag=nocache', 'count=0'], { stdio: 'ignore' });
  }
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const modelDir = await ensureGeneratedModel({ size, layout: 'transformers' });
  const config = MODEL_SIZES[size];
  const common = ['--model-dir', modelDir, '--device', values.device];
  if (values.threads) common.push('--threads', values.threads);
  // The engine as `npm start` runs it: compiled, so its worker thread does not compile TypeScript as it starts
  // (bundled for the GPU machine, it already is).
  if (!RUNNING_AS_JS) {
    const build = spawnSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      { cwd: REPO, stdio: 'inherit' },
    );
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const engineArgs = [...common, '--compiled', '--optimized-dir', BENCH_OPTIMIZED_DIR];
  const fullArgs = ['--prompts', prompts.join(','), '--new-tokens', String(newTokens)];

  // The CPU's ceilings bound the CPU engine only; a GPU run reports its rates against transformers.js alone.
  if (onCpu) console.error('ceilings…');
  const ceilings = onCpu
    ? await measureCeilings({ intraOpThreads: values.threads ? Number(values.threads) : undefined })
    : null;
  const dataFile = path.join(modelDir, 'onnx', 'model_q4.onnx_data');
  const diskBytes = statSync(dataFile).size + statSync(path.join(modelDir, 'onnx', 'model_q4.onnx')).size;
  const costs = modelCosts(
    {
      hiddenSize: config.hiddenSize,
      intermediateSize: config.intermediateSize,
      layers: config.numHiddenLayers,
      vocabSize: config.vocabSize,
      kvHeads: config.numKeyValueHeads,
      headSize: config.headSize,
      heads: config.numAttentionHeads,
    },
    statSync(dataFile).size,
    config.vocabSize * config.hiddenSize * 4,
  );

  // Starts: the very first (builds the optimized copy, on the CPU), a cold one, then warm ones in a row.
  console.error('starts…');
  rmSync(BENCH_OPTIMIZED_DIR, { recursive: true, force: true });
  const firstStart = onCpu ? runChild('engine-runner.ts', [...engineArgs, '--load-only']) : null;
  evict(modelDir);
  evict(BENCH_OPTIMIZED_DIR);
  const coldEngine = onDevice(runChild('engine-runner.ts', [...engineArgs, '--load-only']));
  evict(modelDir);
  const coldTransformers = runChild('transformers-js-runner.ts', [...common, '--load-only']);
  const warmStarts: number[] = [];
  for (let i = 0; i < Number(values.starts); i++)
    warmStarts.push(onDevice(runChild('engine-runner.ts', [...engineArgs, '--load-only'])).loadMs);
  const withoutCopy = onCpu
    ? runChild('engine-runner.ts', [...common, '--compiled', '--optimized-dir', 'none', '--load-only'])
    : null;

  // Generation, alternating which side goes first.
  const engine: RunnerResult[] = [];
  const transformers: RunnerResult[] = [];
  for (let r = 0; r < reps; r++) {
    const order = r % 2 === 0 ? ['engine', 'transformers'] : ['transformers', 'engine'];
    for (const side of order) {
      console.error(`repetition ${r + 1}/${reps}: ${side}…`);
      if (side === 'engine')
        engine.push(onDevice(runChild('engine-runner.ts', [...engineArgs, ...fullArgs])));
      else transformers.push(runChild('transformers-js-runner.ts', [...common, ...fullArgs]));
    }
  }

  const perPrompt = prompts.map((promptTokens, i) => {
    const pick = (
      results: RunnerResult[],
      key: 'ttftMs' | 'prefillTokensPerSecond' | 'decodeTokensPerSecond',
    ) => median(results.map((x) => x.runs![i][key]));
    const e = {
      ttftMs: pick(engine, 'ttftMs'),
      prefill: pick(engine, 'prefillTokensPerSecond'),
      decode: pick(engine, 'decodeTokensPerSecond'),
    };
    const t = {
      ttftMs: pick(transformers, 'ttftMs'),
      prefill: pick(transformers, 'prefillTokensPerSecond'),
      decode: pick(transformers, 'decodeTokensPerSecond'),
    };
    // Decode reads every weight once per token plus the cache so far (the mean context over the run); prefill is
    // bounded by the int4 kernel's rate. Both are the CPU's.
    const context = promptTokens + newTokens / 2;
    const bound = ceilings && {
      prefill: (ceilings.int4Gflops * 1e9) / costs.flopsPerPromptToken,
      decode:
        (ceilings.readGBps * 1e9) / (costs.weightBytesPerToken + costs.kvBytesPerContextToken * context),
    };
    return {
      promptTokens,
      newTokens,
      engine: { ...e, prefill: round(e.prefill), decode: round(e.decode) },
      transformers: { ...t, prefill: round(t.prefill), decode: round(t.decode) },
      ratio: {
        prefill: round(e.prefill / t.prefill),
        decode: round(e.decode / t.decode),
        ttft: round(t.ttftMs / e.ttftMs),
      },
      bound: bound && { prefill: round(bound.prefill, 1), decode: round(bound.decode) },
      ofBound: bound && {
        prefill: round(e.prefill / bound.prefill),
        decode: round(e.decode / bound.decode),
      },
      sameTokens: engine.every(
        (x, k) => JSON.stringify(x.runs![i].tokens) === JSON.stringify(transformers[k].runs![i].tokens),
      ),
    };
  });
  const warmTransformers = median(transformers.map((x) => x.loadMs));
  const enginePeak = Math.max(...engine.map((x) => x.peakRssMB));
  const resultFile = onCpu && size === 'phi3-mini' ? 'engine.json' : `engine-${size}-${values.device}.json`;
  const report = {
    date: new Date().toISOString(),
    machine: `${machineLine()}, Node ${process.version}, onnxruntime-node ${ort.env.versions.node}`,
    // With the Vulkan driver a GPU run was pointed at (SwiftShader here, NVIDIA's on the GPU machine), if any.
    command: [
      ...['VK_DRIVER_FILES', 'LD_LIBRARY_PATH']
        .filter((name) => !onCpu && process.env[name])
        .map((name) => `${name}=${process.env[name]}`),
      'npm run bench',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    size,
    device: values.device,
    ...(onCpu ? {} : { gpu: gpuName() }),
    reps,
    newTokens,
    prefillChunk: DEFAULT_DECODE.prefillChunk,
    modelDiskMB: Math.round(diskBytes / 2 ** 20),
    ceilings,
    costs,
    load: {
      // Only Linux drops files from the page cache here (dd iflag=nocache); elsewhere "cold" is a fresh process.
      coldEvicted: process.platform === 'linux',
      coldEngineMs: coldEngine.loadMs,
      coldTransformersMs: coldTransformers.loadMs,
      warmEngineMs: median(warmStarts),
      warmStartsMs: warmStarts,
      tenthOverFirstWarm: round(warmStarts.at(-1)! / warmStarts[0]),
      warmTransformersMs: warmTransformers,
      ratioWarm: round(warmTransformers / median(warmStarts)),
      ratioCold: round(coldTransformers.loadMs / coldEngine.loadMs),
      // What only the CPU engine has: its optimized copy.
      ...(firstStart && withoutCopy
        ? {
            firstStartMs: firstStart.loadMs,
            firstStartBuildMs: Math.round(firstStart.optimized?.buildMs ?? 0),
            optimized:
              coldEngine.optimized?.status === 'reused' ? 'reused' : (coldEngine.optimized?.reason ?? 'none'),
            warmWithoutCopyMs: withoutCopy.loadMs,
          }
        : {}),
    },
    perPrompt,
    memory: {
      enginePeakRssMB: enginePeak,
      transformersPeakRssMB: Math.max(...transformers.map((x) => x.peakRssMB)),
      engineOverDisk: round(enginePeak / (diskBytes / 2 ** 20)),
    },
    eventLoopP99Ms: Math.max(...engine.map((x) => x.eventLoopP99Ms ?? 0)),
    transformersEventLoopP99Ms: Math.max(...transformers.map((x) => x.eventLoopP99Ms ?? 0)),
    raw: {
      engine,
      transformers,
      firstStart,
      coldEngine,
      coldTransformers,
      withoutCopy,
    },
  };
  // The raw token lists are long and say nothing a reader needs; sameTokens keeps their comparison.
  for (const side of [...engine, ...transformers])
    for (const run of side.runs ?? []) run.tokens = run.tokens.slice(0, 8);
  console.log(JSON.stringify({ load: report.load, perPrompt, memory: report.memory }, null, 2));
  saveResult(resultFile, report);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
