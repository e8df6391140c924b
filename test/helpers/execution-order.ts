/**
 * What onnxruntime actually runs for a decoder, read from its own profile of a short greedy generation: the
 * kernels with their inputs' shapes (which operator reads the cache, and how), and the order of the attention
 * nodes and the KV delta slices, which decides whether each layer's present is freed before the next layer's
 * attention allocates its own (`localhost-engine/onnx/rewrites/kv-delta.ts`).
 */
import { runTokens } from './run-tokens';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

/** One kernel run from onnxruntime's profile: the node's name, its operator and its inputs' shapes. */
export interface KernelRun {
  name: string;
  op: string;
  inputs: number[][];
}

/**
 * Every kernel onnxruntime ran, in execution order, over a short greedy generation through the engine's token loop
 * (a 4-token prompt pass and two decode steps), read from its own profile.
 */
export async function profiledKernels(
  model: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): Promise<KernelRun[]> {
  const profiles = mkdtempSync(path.join(os.tmpdir(), 'localscribe-profile-'));
  try {
    const profiled = { ...options, enableProfiling: true, profileFilePrefix: path.join(profiles, 'run') };
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, profiled)
        : await ort.InferenceSession.create(model, profiled);
    await runTokens(session, [400, 401, 402, 403], { maxNewTokens: 3 });
    session.endProfiling();
    await session.release();
    const profile = readdirSync(profiles).find((n) => n.endsWith('.json'));
    if (!profile) throw new Error('onnxruntime wrote no profile');
    const events = JSON.parse(readFileSync(path.join(profiles, profile), 'utf8')) as Array<{
      cat: string;
      name: string;
      args?: { op_name?: string; input_type_shape?: Array<Record<string, number[]>> };
    }>;
    return events
      .filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'))
      .map((e) => ({
        name: e.name.slice(0, -'_kernel_time'.length),
        op: e.args?.op_name ?? '',
        inputs: (e.args?.input_type_shape ?? []).map((t) => Object.values(t)[0] ?? []),
      }));
  } finally {
    rmSync(profiles, { recursive: true, force: true });
  }
}

/**
 * The order in which `profiledKernels`' generation runs GroupQueryAttention nodes ("A") and the KV delta slices
 * (the layer number for each), other kernels left out.
 */
export async function attentionAndSliceOrder(
  model: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): Promise<string[]> {
  return (await profiledKernels(model, options))
    .map((k) =>
      k.op === 'GroupQueryAttention' ? 'A' : (/^\/localscribe\/kv_delta\/(\d+)\//.exec(k.name)?.[1] ?? null),
    )
    .filter((k) => k !== null);
}

/** What `attentionAndSliceOrder` gives when every layer's two slices run right after its attention. */
export function sliceAfterEachLayer(layers: number, passes: number): string[] {
  const pass = Array.from({ length: layers }, (_, l) => ['A', String(l), String(l)]).flat();
  return Array.from({ length: passes }, () => pass).flat();
}
