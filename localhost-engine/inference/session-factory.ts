/**
 * Creates the onnxruntime-node session on the best device the machine offers, falling back to the CPU.
 */
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import type { Device } from '../api/schemas';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  discardOptimizedModel,
  openSource,
  optimizedCpuModel,
  type ModelSource,
  type OptimizedModel,
} from './optimized-model';
import { AS_EXPORTED, cpuGraph, gpuGraph, type GraphChoice } from './session-graph';
import type { DecoderSession } from './decoder-session';
import type { DeviceOption } from './worker-protocol';

/**
 * Whether Linux exposes a GPU to programs: a DRM render node (Mesa's drivers, AMD, Intel, NVIDIA's open driver),
 * NVIDIA's own device files, or WSL's GPU bridge. Without one, the only Vulkan devices WebGPU can find are
 * software drivers (Mesa's lavapipe, SwiftShader): they run the model's shaders on the CPU, far slower than the CPU
 * provider (the tiny model decodes about 1 tok/s on SwiftShader against 900 on the CPU provider here, BENCHMARKS.md;
 * test/localhost-engine/inference/gpu-devices.test.ts uses SwiftShader on purpose).
 */
export function linuxHasGpu(devDir = '/dev'): boolean {
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir);
    } catch {
      return [];
    }
  };
  if (list(path.join(devDir, 'dri')).some((name) => name.startsWith('renderD'))) return true;
  return list(devDir).some((name) => /^nvidia\d+$/.test(name) || name === 'dxg');
}

/**
 * The GPU providers onnxruntime-node ships for a platform, best first (the guide's "Execution providers"). On
 * Linux, WebGPU only where there is a GPU (`linuxHasGpu`): a software adapter is never better than the CPU.
 */
export function gpuCandidates(
  platform: NodeJS.Platform = process.platform,
  hasGpu: () => boolean = linuxHasGpu,
): Device[] {
  if (platform === 'win32') return ['dml', 'webgpu'];
  if (platform === 'darwin') return ['webgpu'];
  if (platform === 'linux') return hasGpu() ? ['webgpu'] : [];
  return [];
}

/** The devices `option` asks the engine to try, in order; `auto` ends with the CPU. A named device is tried as is. */
export function deviceCandidates(
  option: DeviceOption,
  platform: NodeJS.Platform = process.platform,
  hasGpu: () => boolean = linuxHasGpu,
): Device[] {
  if (option === 'auto') return [...gpuCandidates(platform, hasGpu), 'cpu'];
  return [option];
}

export function sessionOptions(
  device: Device,
  layers: number,
  intraOpThreads?: number,
): InferenceSession.SessionOptions {
  const base: InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    ...(intraOpThreads ? { intraOpNumThreads: intraOpThreads } : {}),
  };
  if (device === 'dml') {
    // DirectML cannot run with memory patterns or parallel execution (onnxruntime's DirectML provider docs).
    return { ...base, executionProviders: ['dml'], enableMemPattern: false, executionMode: 'sequential' };
  }
  if (device === 'webgpu') {
    // Keeping present.* on the GPU between steps is worth ~18x in decode (../shared/device/README.md).
    const preferredOutputLocation: Record<string, 'gpu-buffer'> = {};
    for (let l = 0; l < layers; l++) {
      preferredOutputLocation[`present.${l}.key`] = 'gpu-buffer';
      preferredOutputLocation[`present.${l}.value`] = 'gpu-buffer';
    }
    return { ...base, executionProviders: ['webgpu'], preferredOutputLocation };
  }
  return { ...base, executionProviders: ['cpu'] };
}

export interface CreatedSession {
  session: DecoderSession;
  device: Device;
  /** Why each device tried before `device` failed. */
  failures: Array<{ device: Device; reason: string }>;
  /** What the engine did to the graph and why (`session-graph.ts`). */
  graph: GraphChoice;
  /** On the CPU: whether the optimized copy was used, built, or why not (`optimized-model.ts`). */
  optimized?: OptimizedModel;
}

/** How the CPU session is opened. */
export interface CpuModelOptions {
  /** Where optimized copies live (`optimized-model.ts`); null opens the graph itself every time. */
  cacheRoot: string | null;
  /** Open the engine's rewrite of the graph where one applies (`session-graph.ts`); false: the graph as exported. */
  rewrite: boolean;
  /** With the rewrite, keep a float32 graph's KV cache in float16 (`session-graph.ts`). */
  halfCache: boolean;
}

/**
 * Opens `source`; where onnxruntime refuses its rewritten bytes, the file itself, so that a rewrite a provider
 * does not take never costs the user that provider. Throws the file's own error when that fails too.
 */
export async function openRewrittenOrFile(
  source: ModelSource,
  options: InferenceSession.SessionOptions,
): Promise<{ session: InferenceSession; rewritten: boolean }> {
  if (source.bytes) {
    try {
      return { session: await openSource(source, options), rewritten: true };
    } catch {
      // Fall through to the file as it is.
    }
  }
  return { session: await ort.InferenceSession.create(source.file, options), rewritten: false };
}

async function openCpu(
  modelFile: string,
  options: InferenceSession.SessionOptions,
  cpu: CpuModelOptions,
): Promise<Pick<CreatedSession, 'session' | 'optimized' | 'graph'>> {
  const { source, graph } = cpu.rewrite
    ? await cpuGraph(modelFile, { halfCache: cpu.halfCache })
    : { source: { file: modelFile }, graph: AS_EXPORTED };
  const optimized = await optimizedCpuModel(source, cpu.cacheRoot, options);
  if (optimized.file === modelFile) return { session: await openSource(source, options), optimized, graph };
  try {
    return { session: await ort.InferenceSession.create(optimized.file, options), optimized, graph };
  } catch (err) {
    // A copy that no longer opens (a disk error, a damaged file) is rebuilt next time; the original still works.
    await discardOptimizedModel(optimized.file);
    return {
      session: await openSource(source, options),
      graph,
      optimized: {
        file: modelFile,
        status: 'skipped',
        reason: `the optimized copy failed to open and was removed (${(err as Error).message})`,
      },
    };
  }
}

/**
 * Opens `modelFile` on the first of `candidates` that works; `layers` names the presents a WebGPU session keeps
 * on the device.
 *
 * Guarantees: the session's device is reported truthfully; a GPU provider's failure is recorded, not hidden; on
 * the CPU the engine's rewrite and optimized copy are opened when they can be made (as `cpu` says), the exported
 * graph otherwise, and `graph` says which and why.
 * @throws Error with every device's reason when none works (e.g. a truncated graph fails on all of them).
 */
export async function createSession(
  modelFile: string,
  candidates: readonly Device[],
  options: { layers: number; intraOpThreads?: number; cpu?: CpuModelOptions },
): Promise<CreatedSession> {
  const failures: CreatedSession['failures'] = [];
  // Read and rewritten once for every GPU provider tried.
  let gpu: ReturnType<typeof gpuGraph> | undefined;
  for (const device of candidates) {
    try {
      const sessionOpts = sessionOptions(device, options.layers, options.intraOpThreads);
      if (device === 'cpu') {
        const cpu = options.cpu ?? { cacheRoot: null, rewrite: true, halfCache: true };
        return { ...(await openCpu(modelFile, sessionOpts, cpu)), device, failures };
      }
      gpu ??= gpuGraph(modelFile);
      const { source, graph } = await gpu;
      const { session, rewritten } = await openRewrittenOrFile(source, sessionOpts);
      return { session, device, failures, graph: rewritten ? graph : AS_EXPORTED };
    } catch (err) {
      failures.push({ device, reason: (err as Error).message });
    }
  }
  const last = failures[failures.length - 1];
  const detail =
    failures.length > 1 ? failures.map((f) => `${f.device}: ${f.reason}`).join('; ') : last.reason;
  throw new Error(`The model could not be loaded (${detail}).`);
}
