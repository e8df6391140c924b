/**
 * The engine's GPU path on a real WebGPU adapter: onnxruntime-node's WebGPU provider over Chromium's SwiftShader
 * (software Vulkan, `softwareWebGpuEnv`), in fresh processes through the benchmark's runners. The engine keeps each
 * step's present on the GPU and feeds it back; its tokens must equal transformers.js' own `generate` on the same
 * provider, with the prompt in one pass and in several; a GenAI-layout graph computes the last position's logits
 * only, as on the CPU. And `auto` must not take a software adapter for a GPU.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureGeneratedModel } from '../../../models/ensure-generated-model';
import type { RunnerResult } from '../../../bench/runner-result';
import {
  deviceCandidates,
  gpuCandidates,
  linuxHasGpu,
  sessionOptions,
} from '../../../localhost-engine/inference/session-factory';
import { runner } from '../../helpers/bench-runner';
import { softwareWebGpuEnv } from '../../helpers/software-webgpu';

// SwiftShader runs about one forward pass a second on the tiny model: a short prompt and a few tokens. Each runner
// is killed after 4 minutes (`runner`); Jest gets room for two of them, on a CPU that other suites share.
const PROMPT_TOKENS = 20;
const NEW_TOKENS = 4;
const SWIFTSHADER_MS = 600_000;

const env = softwareWebGpuEnv();
const describeOnWebGpu = env ? describe : describe.skip;

describeOnWebGpu('the engine on a WebGPU adapter (SwiftShader)', () => {
  let dir: string;
  let args: string[];
  let onePass: RunnerResult;
  let reference: RunnerResult;

  beforeAll(async () => {
    dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    args = ['--model-dir', dir, '--device', 'webgpu'];
    args.push('--prompts', String(PROMPT_TOKENS), '--new-tokens', String(NEW_TOKENS));
    onePass = runner('engine-runner.ts', [...args, '--optimized-dir', 'none'], { env: env! });
    reference = runner('transformers-js-runner.ts', args, { env: env! });
  }, SWIFTSHADER_MS);

  it("generates transformers.js' tokens on the same provider, the prompt in one pass", () => {
    // Where the runs ended: a GPU failing mid-generation would have handed them to the CPU.
    expect(onePass.device).toBe('webgpu');
    const [engine] = onePass.runs!;
    expect(engine.tokens).toHaveLength(NEW_TOKENS);
    expect(engine.tokens).toEqual(reference.runs![0].tokens);
    // The prompt in one pass, then one pass per further token.
    expect(engine.forwardPasses).toBe(1 + NEW_TOKENS - 1);
    // The optimized copy is the CPU's; a GPU session opens the graph itself.
    expect(onePass.optimized).toBeNull();
  });

  it(
    'gives the same tokens with the prompt in several passes, each fed the GPU present of the last',
    () => {
      const chunked = runner(
        'engine-runner.ts',
        [...args, '--optimized-dir', 'none', '--prefill-chunk', '8'],
        {
          env: env!,
        },
      );
      expect(chunked.device).toBe('webgpu');
      const [run] = chunked.runs!;
      expect(run.forwardPasses).toBe(Math.ceil(PROMPT_TOKENS / 8) + NEW_TOKENS - 1);
      expect(run.tokens).toEqual(reference.runs![0].tokens);
    },
    SWIFTSHADER_MS,
  );

  it.each([
    ['a GenAI-layout graph (no num_logits_to_keep) rewritten to', 'genai', 'model.onnx', true],
    [
      'a transformers.js graph (num_logits_to_keep) left alone, already at',
      'transformers',
      'onnx/model_q4.onnx',
      false,
    ],
  ] as const)(
    'computes the prompt pass logits for the last position only: %s one row',
    async (_name, layout, graph, rewritten) => {
      const file = path.join(await ensureGeneratedModel({ size: 'tiny', layout }), graph);
      const r = runner('webgpu-last-logits.ts', [file, String(PROMPT_TOKENS)], {
        env: env!,
        dir: path.join(__dirname, '..', '..', 'helpers'),
      });
      expect(r.device).toBe('webgpu');
      expect(r.lastPositionLogits).toBe(rewritten);
      expect(r.engineDims).toEqual([1, 1, 32064]);
      expect(r.originalDims).toEqual([1, rewritten ? PROMPT_TOKENS : 1, 32064]);
      // The same row to float rounding: the shaders for one row and for twenty sum in different orders.
      expect(r.maxDiff as number).toBeLessThan(1e-4 * (r.maxAbs as number));
    },
    SWIFTSHADER_MS,
  );

  it(
    'auto leaves a software adapter alone and opens the model on the CPU where Linux shows no GPU',
    () => {
      const engine = runner(
        'engine-runner.ts',
        ['--model-dir', dir, '--device', 'auto', '--optimized-dir', 'none', '--load-only'],
        { env: env! },
      );
      // This machine's answer decides which is right; on CI (no GPU) that is the CPU, with SwiftShader on offer.
      expect(engine.device).toBe(linuxHasGpu() ? 'webgpu' : 'cpu');
    },
    SWIFTSHADER_MS,
  );
});

describe('the WebGPU session keeps the cache on the GPU', () => {
  it("asks for every layer's present as a GPU buffer, so the next step's past never crosses into JavaScript", () => {
    const options = sessionOptions('webgpu', 3);
    expect(options.executionProviders).toEqual(['webgpu']);
    const presents = [0, 1, 2].flatMap((l) => [`present.${l}.key`, `present.${l}.value`]);
    expect(options.preferredOutputLocation).toEqual(
      Object.fromEntries(presents.map((name) => [name, 'gpu-buffer'])),
    );
  });
});

describe('which GPU providers auto tries', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ls-dev-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function fakeDev(entries: string[]): string {
    const dev = mkdtempSync(path.join(root, 'dev-'));
    for (const entry of entries) {
      const file = path.join(dev, entry);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, '');
    }
    return dev;
  }

  it.each([
    { what: 'a DRM render node', entries: ['dri/renderD128', 'dri/card0'], gpu: true },
    { what: "NVIDIA's device files", entries: ['nvidiactl', 'nvidia0'], gpu: true },
    { what: "WSL's GPU bridge", entries: ['dxg'], gpu: true },
    { what: 'only a display node', entries: ['dri/card0'], gpu: false },
    { what: "only NVIDIA's control files", entries: ['nvidiactl', 'nvidia-uvm'], gpu: false },
    { what: 'no GPU files', entries: ['null', 'zero'], gpu: false },
  ])('Linux with $what: GPU $gpu', ({ entries, gpu }) => {
    expect(linuxHasGpu(fakeDev(entries))).toBe(gpu);
  });

  it('tries WebGPU on Linux only with a GPU, and the platform providers elsewhere', () => {
    expect(gpuCandidates('linux', () => true)).toEqual(['webgpu']);
    expect(gpuCandidates('linux', () => false)).toEqual([]);
    expect(deviceCandidates('auto', 'linux', () => false)).toEqual(['cpu']);
    expect(deviceCandidates('auto', 'linux', () => true)).toEqual(['webgpu', 'cpu']);
    expect(deviceCandidates('auto', 'win32', () => false)).toEqual(['dml', 'webgpu', 'cpu']);
    expect(deviceCandidates('auto', 'darwin', () => false)).toEqual(['webgpu', 'cpu']);
    // A device the user names is tried even without a GPU node: they may know better.
    expect(deviceCandidates('webgpu', 'linux', () => false)).toEqual(['webgpu']);
  });
});
