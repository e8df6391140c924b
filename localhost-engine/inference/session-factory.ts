/**
 * Creates the onnxruntime-node session on the best device the machine offers, falling back to the CPU.
 */
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import type { Device } from '../api/schemas';
import { promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { engineKvGraph } from '../onnx/rewrites/direct-attention';
import { lastPositionLogits } from '../onnx/rewrites/last-logits';
import {
  discardOptimizedModel,
  openSource,
  optimizedCpuModel,
  type ModelSource,
  type OptimizedModel,
} from './optimized-model';
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
  /** On the CPU: whether the optimized copy was used, built, or why not (`optimized-model.ts`). */
  optimized?: OptimizedModel;
  /** On a GPU: whether the graph was opened rewritten to compute the last position's logits only. */
  lastPositionLogits?: boolean;
}

/** How the CPU session is opened (`inference-worker.ts` sets it from the model folder). */
export interface CpuModelOptions {
  /** Where optimized copies live (`optimized-model.ts`); null opens the graph itself every time. */
  cacheRoot: string | null;
  /**
   * Rewrite the graph to output only the new keys and values: with attention that reads the past in place
   * (`onnx/rewrites/direct-attention.ts`) where the graph allows it, else with slices of `present.*`
   * (`onnx/rewrites/kv-delta.ts`). For GroupQueryAttention graphs, whose past may be longer than the tokens it holds.
   */
  kvDelta: boolean;
}

/**
 * The file, or its bytes as `rewrite` returns them; the file where `rewrite` returns null or cannot read the
 * graph (cut short, say: onnxruntime then opens the file itself and says what is wrong).
 */
async function rewrittenSource(
  modelFile: string,
  rewrite: (graph: Uint8Array) => Uint8Array | null,
): Promise<ModelSource> {
  try {
    const bytes = rewrite(await fs.readFile(modelFile));
    return bytes ? { file: modelFile, bytes } : { file: modelFile };
  } catch {
    return { file: modelFile };
  }
}

/**
 * The CPU's graph: with the KV delta outputs and, where the graph computes logits for every position, with logits
 * for the last position only (`onnx/rewrites/last-logits.ts`).
 */
function cpuSource(modelFile: string, kvDelta: boolean): Promise<ModelSource> {
  if (!kvDelta) return Promise.resolve({ file: modelFile });
  return rewrittenSource(modelFile, (original) => {
    const kv = engineKvGraph(original)?.model ?? null;
    return lastPositionLogits(kv ?? original) ?? kv;
  });
}

/**
 * A GPU provider's graph: with logits for the last position only where the graph computes them for every
 * position. Microsoft's DirectML export is such a graph, and DirectML cannot keep outputs on the GPU: without
 * this, each 256-token prompt pass also copies 256 rows of 32,064 logits back to the CPU, after running the LM
 * head 255 times for nothing.
 */
function gpuSource(modelFile: string): Promise<ModelSource> {
  return rewrittenSource(modelFile, lastPositionLogits);
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
  cpu: CpuModelOptions | undefined,
): Promise<Pick<CreatedSession, 'session' | 'optimized'>> {
  if (!cpu) return { session: await ort.InferenceSession.create(modelFile, options) };
  const source = await cpuSource(modelFile, cpu.kvDelta);
  const optimized = await optimizedCpuModel(source, cpu.cacheRoot, options);
  if (optimized.file === modelFile) return { session: await openSource(source, options), optimized };
  try {
    return { session: await ort.InferenceSession.create(optimized.file, options), optimized };
  } catch (err) {
    // A copy that no longer opens (a disk error, a damaged file) is rebuilt next time; the original still works.
    await discardOptimizedModel(optimized.file);
    return {
      session: await openSource(source, options),
      optimized: {
        file: modelFile,
        status: 'skipped',
        reason: `the optimized copy failed to open and was removed (${(err as Error).message})`,
      },
    };
  }
}

/**
 * Opens `modelFile` on the first of `candidates` that works.
 *
 * Guarantees: the session's device is reported truthfully; a GPU provider's failure is recorded, not hidden; on
 * the CPU with `cpuOptions`, the optimized copy is opened when it can be made, and the original otherwise.
 * @throws Error with every device's reason when none works (e.g. a truncated graph fails on all of them).
 */
export async function createSession(
  modelFile: string,
  candidates: readonly Device[],
  layers: number,
  intraOpThreads?: number,
  cpuOptions?: CpuModelOptions,
): Promise<CreatedSession> {
  const failures: CreatedSession['failures'] = [];
  // Read and rewritten once for every GPU provider tried.
  let gpuGraph: Promise<ModelSource> | undefined;
  for (const device of candidates) {
    try {
      const options = sessionOptions(device, layers, intraOpThreads);
      if (device === 'cpu') return { ...(await openCpu(modelFile, options, cpuOptions)), device, failures };
      gpuGraph ??= gpuSource(modelFile);
      const { session, rewritten } = await openRewrittenOrFile(await gpuGraph, options);
      return { session, device, failures, lastPositionLogits: rewritten };
    } catch (err) {
      failures.push({ device, reason: (err as Error).message });
    }
  }
  const last = failures[failures.length - 1];
  const detail =
    failures.length > 1 ? failures.map((f) => `${f.device}: ${f.reason}`).join('; ') : last.reason;
  throw new Error(`The model could not be loaded (${detail}).`);
}
