/**
 * The order in which onnxruntime runs a decoder's attention nodes and the KV delta slices, read from its own
 * profile of a short greedy generation: what decides whether each layer's present is freed before the next
 * layer's attention allocates its own (`localhost-engine/inference/kv-delta-graph.ts`).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  DEFAULT_DECODE,
  greedyLoop,
  readDecoderSignature,
} from '../../localhost-engine/inference/token-loop';

/**
 * Kernel runs in execution order over a prompt pass and two decode steps, reduced to "A" for a
 * GroupQueryAttention and the layer number for each delta slice (other nodes left out).
 */
export async function attentionAndSliceOrder(
  model: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
): Promise<string[]> {
  const profiles = mkdtempSync(path.join(os.tmpdir(), 'localscribe-profile-'));
  try {
    const profiled = { ...options, enableProfiling: true, profileFilePrefix: path.join(profiles, 'run') };
    const session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, profiled)
        : await ort.InferenceSession.create(model, profiled);
    await greedyLoop(
      session,
      { ...readDecoderSignature(session), sharedKvCache: true },
      [400, 401, 402, 403],
      { ...DEFAULT_DECODE, maxNewTokens: 3, eosTokenIds: [] },
      { shouldStop: () => false, onToken: () => undefined },
    );
    session.endProfiling();
    await session.release();
    const profile = readdirSync(profiles).find((n) => n.endsWith('.json'));
    if (!profile) throw new Error('onnxruntime wrote no profile');
    const events = JSON.parse(readFileSync(path.join(profiles, profile), 'utf8')) as Array<{
      cat: string;
      name: string;
      args?: { op_name?: string };
    }>;
    return events
      .filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'))
      .map((e) =>
        e.args?.op_name === 'GroupQueryAttention'
          ? 'A'
          : (/^\/localscribe\/kv_delta\/(\d+)\//.exec(e.name)?.[1] ?? null),
      )
      .filter((e) => e !== null);
  } finally {
    rmSync(profiles, { recursive: true, force: true });
  }
}

/** What `attentionAndSliceOrder` gives when every layer's two slices run right after its attention. */
export function sliceAfterEachLayer(layers: number, passes: number): string[] {
  const pass = Array.from({ length: layers }, (_, l) => ['A', String(l), String(l)]).flat();
  return Array.from({ length: passes }, () => pass).flat();
}
