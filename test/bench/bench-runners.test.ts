/**
 * The benchmark's parts on the tiny model: both runners take the same prompt tokens and settings, so they must
 * produce the same greedy tokens (the comparison is only fair if they do the same work), report every figure the
 * orchestrator reads, and the ceilings and per-token costs come out as the formulas say.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { MODEL_SIZES } from '../../models/model-sizes';
import { measureCeilings, modelCosts } from '../../bench/ceilings';
import type { RunnerRun } from '../../bench/runner-result';
import { runner } from '../helpers/bench-runner';
import { engineSection, type EngineReport } from '../../bench/benchmarks-md';

describe('benchmark runners', () => {
  it('the engine and transformers.js generate the same tokens for the same prompt and report each figure', async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const args = ['--model-dir', dir, '--prompts', '24,40', '--new-tokens', '6'];
    // The model's own float32 cache, as transformers.js keeps it: the same work, so the same tokens.
    const engine = runner('engine-runner.ts', [...args, '--optimized-dir', 'none', '--kv-cache', 'model']);
    const transformers = runner('transformers-js-runner.ts', args);
    for (const side of [engine, transformers]) {
      expect(side.loadMs).toBeGreaterThan(0);
      expect(side.peakRssMB).toBeGreaterThan(50);
      expect(side.eventLoopP99Ms).toBeGreaterThanOrEqual(0);
      const runs = side.runs as RunnerRun[];
      expect(runs.map((r) => [r.promptTokens, r.newTokens])).toEqual([
        [24, 6],
        [40, 6],
      ]);
      for (const r of runs) {
        expect(r.prefillTokensPerSecond).toBeGreaterThan(0);
        expect(r.decodeTokensPerSecond).toBeGreaterThan(0);
        expect(r.tokens).toHaveLength(6);
      }
    }
    expect((engine.runs as RunnerRun[]).map((r) => r.tokens)).toEqual(
      (transformers.runs as RunnerRun[]).map((r) => r.tokens),
    );
    expect(engine.optimized).toMatchObject({ status: 'skipped' });
  });

  it("the memory runner accounts for the peak as weights, cache and the rest, on the engine's graph and the others", async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const c = MODEL_SIZES.tiny;
    const prompt = 3000;
    const args = ['--file', path.join(dir, 'onnx', 'model_q4.onnx'), '--prompt', String(prompt)];
    args.push('--new-tokens', '3', '--chunk', '1024');
    for (const [run, bytes] of [
      [runner('memory-runner.ts', args), 2],
      [runner('memory-runner.ts', [...args, '--kv-cache', 'model']), 4],
      [runner('memory-runner.ts', [...args, '--graph', 'slices']), 4],
      [runner('memory-runner.ts', [...args, '--graph', 'present kept']), 4],
    ] as const) {
      const cache = c.numHiddenLayers * 2 * c.numKeyValueHeads * (prompt + 4) * c.headSize * bytes;
      expect(run.cacheMB).toBe(Math.round(cache / 2 ** 20));
      expect(run.loadedRssMB).toBeGreaterThan(50);
      expect(run.peakRssMB).toBeGreaterThanOrEqual(run.loadedRssMB as number);
      const rest = (run.peakRssMB as number) - (run.loadedRssMB as number) - (run.cacheMB as number);
      expect(Math.abs((run.restMB as number) - rest)).toBeLessThanOrEqual(1);
      expect(run.prefillTokensPerSecond).toBeGreaterThan(0);
      expect(run.decodeTokensPerSecond).toBeGreaterThan(0);
    }
  });

  it('measures positive ceilings', async () => {
    const c = await measureCeilings({ copyMB: 64, repeats: 1, rows: 64 });
    expect(c.threads).toBeGreaterThanOrEqual(1);
    for (const v of [c.copyGBps, c.readGBps, c.int4Gflops]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
    expect(c.matmul).toMatchObject({ m: 64, k: 3072, n: 8192 });
  });

  it("counts Phi-3-mini's per-token costs", () => {
    const c = MODEL_SIZES['phi3-mini'];
    const embedding = c.vocabSize * c.hiddenSize * 4;
    const costs = modelCosts(
      {
        hiddenSize: c.hiddenSize,
        intermediateSize: c.intermediateSize,
        layers: c.numHiddenLayers,
        vocabSize: c.vocabSize,
        kvHeads: c.numKeyValueHeads,
        headSize: c.headSize,
        heads: c.numAttentionHeads,
      },
      2_781_023_232,
      embedding,
    );
    // 32 layers × (3072·9216 + 3072·3072 + 3072·16384 + 8192·3072) + 3072·32064 weights in matrix products.
    expect(costs.matmulParams).toBe(
      32 * (3072 * 9216 + 3072 * 3072 + 3072 * 16384 + 8192 * 3072) + 3072 * 32064,
    );
    expect(costs.flopsPerPromptToken).toBe(2 * costs.matmulParams);
    expect(costs.kvBytesPerContextToken).toBe(786_432);
    expect(costs.weightBytesPerToken).toBe(2_781_023_232 - embedding + 3072 * 4);
  });

  it("writes a GPU run's section without what only the CPU engine has, naming the GPU", () => {
    const cpu = JSON.parse(
      readFileSync(
        path.join(__dirname, '..', '..', 'bench', 'results', 'engine-phi3-mini-cpu-ms-cpu-int4.json'),
        'utf8',
      ),
    ) as EngineReport;
    const cpuSection = engineSection(cpu, 'engine-phi3-mini-cpu-ms-cpu-int4.json');
    for (const text of ['| bound | engine ÷ bound |', 'Optimized copy:', 'Ceilings'])
      expect(cpuSection).toContain(text);

    const load = { ...cpu.load };
    const cpuOnly = ['firstStartMs', 'firstStartBuildMs', 'optimized', 'warmWithoutCopyMs'];
    for (const key of cpuOnly) delete load[key];
    const gpu: EngineReport = {
      ...cpu,
      device: 'webgpu',
      gpu: 'NVIDIA H200',
      ceilings: null,
      load,
      // A GPU run measures no CPU peer.
      perPrompt: cpu.perPrompt.map((p) => ({ ...p, plain: null, llama: null, bound: null, ofBound: null })),
      memory: { ...cpu.memory, peerPeakRssMB: { engine: 1, transformers: 2 } },
    };
    const gpuSection = engineSection(gpu, 'engine-phi3-mini-webgpu.json');
    expect(gpuSection).toContain(
      'through WebGPU on NVIDIA H200, model `phi3-mini`, layout `ms-cpu-int4` (`npm run bench -- --device webgpu --layout ms-cpu-int4`)',
    );
    expect(gpuSection).toContain("the GPU's own memory is not in it");
    expect(gpuSection).toContain('Raw numbers: `bench/results/engine-phi3-mini-webgpu.json`');
    expect(gpuSection).toContain(
      '| | engine | transformers.js | engine ÷ transformers.js |\n|---|---|---|---|\n',
    );
    for (const text of ['bound', 'Optimized copy', 'Ceilings', 'undefined', 'null'])
      expect(gpuSection).not.toContain(text);
  });
});
