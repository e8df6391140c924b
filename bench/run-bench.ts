/**
 * `npm run bench`: the engine against the runtimes a user could run instead, on a generated copy of an export users
 * download (`--layout`, default `ms-cpu-int4`, Microsoft's CPU int4 folder; generated and cached on first use), and
 * against this machine's limits, in one run.
 *
 *   npm run bench                                  # ms-cpu-int4 at phi3-mini size, CPU, 2 repetitions
 *   npm run bench -- --layout web-q4               # any of models/layouts/ (transformers.js' q4, …)
 *   npm run bench -- --size tiny --reps 1          # a quick check of the whole pipeline
 *   npm run bench -- --device webgpu               # where a WebGPU adapter exists (engine and transformers.js)
 *   npm run bench -- --device webgpu --gpu-name "NVIDIA H200"   # names the GPU where it cannot be read
 *
 * On the CPU the sides are the engine (bench/engine-runner.ts), a plain `session.run` loop over the same folder (the
 * floor, bench/plain-loop-runner.ts), transformers.js' own `generate` (bench/transformers-js-runner.ts) and
 * llama.cpp through node-llama-cpp on a GGUF of the same weights (bench/llama-cpp-runner.ts; `npm run
 * bench:install-llama` first); `--peers` chooses. Each runs in its own fresh process, given the same prompt
 * tokens, the sides in a rotating order so that drift in the machine's speed falls on all of them. Cold loads start
 * with the model's files dropped from the page cache. The ceilings (bench/ceilings.ts) are measured in the same run.
 * Writes bench/results/engine-<size>-<device>-<layout>.json and rewrites BENCHMARKS.md; a GPU run skips what only
 * the CPU engine has (the ceilings, the optimized copy, the CPU peers) and names the GPU.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { ensureGeneratedModel } from '../models/ensure-generated-model';
import type { ModelSize } from '../models/model-sizes';
import { generatedConfig, PHI3_GGUF_FILE } from '../models/generated-layouts';
import { isRealLayout, REAL_LAYOUTS, type RealLayoutName } from '../models/layouts/registry';
import { inspectModelFolder } from '../localhost-engine/inference/model-folder';
import { transformersOptions } from '../test/helpers/transformers-options';
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
    layout: { type: 'string', default: 'ms-cpu-int4' },
    /** The runtimes measured beside the engine on the CPU: the floor, and what users would pick instead. */
    peers: { type: 'string', default: 'plain,transformers,llama.cpp' },
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

/** A side's medians for one prompt length, and its runs' tokens. */
function sideMedians(results: RunnerResult[], i: number) {
  const pick = (key: 'ttftMs' | 'prefillTokensPerSecond' | 'decodeTokensPerSecond') =>
    median(results.map((x) => x.runs![i][key]));
  return {
    ttftMs: pick('ttftMs'),
    prefill: round(pick('prefillTokensPerSecond')),
    decode: round(pick('decodeTokensPerSecond')),
  };
}

async function main(): Promise<void> {
  if (!isRealLayout(values.layout))
    throw new Error(`--layout must be one of ${Object.keys(REAL_LAYOUTS).join(', ')}`);
  const layout: RealLayoutName = values.layout;
  const modelDir = await ensureGeneratedModel({ size, layout });
  const folder = await inspectModelFolder(modelDir);
  const config = generatedConfig(layout, size);
  const peers = onCpu ? values.peers.split(',').filter(Boolean) : ['transformers'];
  const common = ['--model-dir', modelDir, '--device', values.device];
  const transformersArgs = [...common, '--from-pretrained', JSON.stringify(transformersOptions(layout))];
  const gguf = peers.includes('llama.cpp')
    ? path.join(await ensureGeneratedModel({ size, layout: 'gguf-q4_0' }), PHI3_GGUF_FILE)
    : '';
  const threadArgs = values.threads ? ['--threads', values.threads] : [];
  common.push(...threadArgs);
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
  const dataFile = folder.externalDataFiles[0] ?? folder.modelFile;
  const diskBytes = [folder.modelFile, ...folder.externalDataFiles].reduce((n, f) => n + statSync(f).size, 0);
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
  const coldTransformers = runChild('transformers-js-runner.ts', [...transformersArgs, '--load-only']);
  const warmStarts: number[] = [];
  for (let i = 0; i < Number(values.starts); i++)
    warmStarts.push(onDevice(runChild('engine-runner.ts', [...engineArgs, '--load-only'])).loadMs);
  const withoutCopy = onCpu
    ? runChild('engine-runner.ts', [...common, '--compiled', '--optimized-dir', 'none', '--load-only'])
    : null;

  // Generation, the sides in a rotating order so that drift in the machine's speed falls on all of them.
  const sides: Record<string, () => RunnerResult> = {
    engine: () => onDevice(runChild('engine-runner.ts', [...engineArgs, ...fullArgs])),
    transformers: () => runChild('transformers-js-runner.ts', [...transformersArgs, ...fullArgs]),
    plain: () => runChild('plain-loop-runner.ts', [...common.slice(0, 2), ...threadArgs, ...fullArgs]),
    'llama.cpp': () => runChild('llama-cpp-runner.ts', ['--gguf', gguf, ...threadArgs, ...fullArgs]),
  };
  const names = ['engine', ...peers.filter((p) => p !== 'engine')];
  const results: Record<string, RunnerResult[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < reps; r++) {
    for (let k = 0; k < names.length; k++) {
      const side = names[(k + r) % names.length];
      console.error(`repetition ${r + 1}/${reps}: ${side}…`);
      results[side].push(sides[side]());
    }
  }
  const engine = results.engine;
  const transformers = results.transformers;

  const perPrompt = prompts.map((promptTokens, i) => {
    const e = sideMedians(engine, i);
    const t = sideMedians(transformers, i);
    const other = (name: string) => (results[name] ? sideMedians(results[name], i) : null);
    const [plain, llama] = [other('plain'), other('llama.cpp')];
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
      engine: e,
      transformers: t,
      plain,
      llama,
      ratio: {
        prefill: round(e.prefill / t.prefill),
        decode: round(e.decode / t.decode),
        ttft: round(t.ttftMs / e.ttftMs),
        ...(plain
          ? {
              prefillVsPlain: round(e.prefill / plain.prefill),
              decodeVsPlain: round(e.decode / plain.decode),
            }
          : {}),
        ...(llama
          ? {
              prefillVsLlama: round(e.prefill / llama.prefill),
              decodeVsLlama: round(e.decode / llama.decode),
            }
          : {}),
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
  const resultFile = `engine-${size}-${values.device}-${layout}.json`;
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
    layout,
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
      peerPeakRssMB: Object.fromEntries(
        Object.entries(results).map(([name, r]) => [name, Math.max(...r.map((x) => x.peakRssMB))]),
      ),
      enginePeakRssMB: enginePeak,
      transformersPeakRssMB: Math.max(...transformers.map((x) => x.peakRssMB)),
      engineOverDisk: round(enginePeak / (diskBytes / 2 ** 20)),
    },
    eventLoopP99Ms: Math.max(...engine.map((x) => x.eventLoopP99Ms ?? 0)),
    transformersEventLoopP99Ms: Math.max(...transformers.map((x) => x.eventLoopP99Ms ?? 0)),
    raw: {
      engine,
      transformers,
      plain: results.plain,
      llama: results['llama.cpp'],
      firstStart,
      coldEngine,
      coldTransformers,
      withoutCopy,
    },
  };
  // The raw token lists are long and say nothing a reader needs; sameTokens keeps their comparison.
  for (const side of Object.values(results).flat())
    for (const run of side.runs ?? []) run.tokens = run.tokens.slice(0, 8);
  console.log(JSON.stringify({ load: report.load, perPrompt, memory: report.memory }, null, 2));
  saveResult(resultFile, report);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
