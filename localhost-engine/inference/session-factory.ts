/**
 * Creates the onnxruntime-node session on the best device the machine offers, falling back to the CPU.
 */
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import type { Device } from '../api/schemas';
import type { DeviceOption } from './worker-protocol';

/** The GPU providers onnxruntime-node ships for a platform, best first (the guide's "Execution providers"). */
export function gpuCandidates(platform: NodeJS.Platform = process.platform): Device[] {
  if (platform === 'win32') return ['dml', 'webgpu'];
  if (platform === 'linux' || platform === 'darwin') return ['webgpu'];
  return [];
}

/** The devices `option` asks the engine to try, in order; `auto` ends with the CPU. */
export function deviceCandidates(
  option: DeviceOption,
  platform: NodeJS.Platform = process.platform,
): Device[] {
  if (option === 'auto') return [...gpuCandidates(platform), 'cpu'];
  return [option];
}

function sessionOptions(
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

/** Counts `past_key_values.N.key` inputs without a session, from the layer count the caller knows. */
export interface CreatedSession {
  session: InferenceSession;
  device: Device;
  /** Why each device tried before `device` failed. */
  failures: Array<{ device: Device; reason: string }>;
}

/**
 * Opens `modelFile` on the first of `candidates` that works.
 *
 * Guarantees: the session's device is reported truthfully; a GPU provider's failure is recorded, not hidden.
 * @throws Error with every device's reason when none works (e.g. a truncated graph fails on all of them).
 */
export async function createSession(
  modelFile: string,
  candidates: readonly Device[],
  layers: number,
  intraOpThreads?: number,
): Promise<CreatedSession> {
  const failures: CreatedSession['failures'] = [];
  for (const device of candidates) {
    try {
      const session = await ort.InferenceSession.create(
        modelFile,
        sessionOptions(device, layers, intraOpThreads),
      );
      return { session, device, failures };
    } catch (err) {
      failures.push({ device, reason: (err as Error).message });
    }
  }
  const last = failures[failures.length - 1];
  const detail =
    failures.length > 1 ? failures.map((f) => `${f.device}: ${f.reason}`).join('; ') : last.reason;
  throw new Error(`The model could not be loaded (${detail}).`);
}
