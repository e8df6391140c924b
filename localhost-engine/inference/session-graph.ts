/**
 * Which graph a session opens, and why: on the CPU the engine's own rewrite of the exported graph where it
 * applies (keys and values returned as deltas, decoding attention that reads the cache in place, logits for the
 * last position only), else the graph as exported; on a GPU the exported graph with last-position logits.
 */
import { promises as fs } from 'node:fs';
import { findGraph, readGraph, type GraphView } from '../onnx/read';
import { directAttention } from '../onnx/rewrites/direct-attention';
import { addKvDeltaOutputs } from '../onnx/rewrites/kv-delta';
import { withInt8Activations } from '../onnx/rewrites/int8-activations';
import { lastPositionLogits } from '../onnx/rewrites/last-logits';
import { DataType } from '../onnx/schema';
import type { ModelSource } from './optimized-model';

/** What the engine did to a graph, for the token loop and the log. */
export interface GraphChoice {
  /** `direct`: decoding attention over the cache in place, with delta outputs; `delta-slices`: the exported
   * attention with delta outputs; `as-exported`: whole presents. */
  attention: 'direct' | 'delta-slices' | 'as-exported';
  /** Logits for the last position only: the graph's own input, the engine's rewrite, or every position. */
  logits: 'num_logits_to_keep' | 'last-position' | 'every-position';
  /** `int8`: the engine gave the graph's float-input int4 products int8 inputs (`int8-activations.ts`);
   * `as-exported`: they run at the file's own accuracy level. */
  int4Accuracy: 'int8' | 'as-exported';
  /** `float16`: the engine keeps a float32 graph's cache in float16, half the memory (`direct-attention.ts`);
   * `as-exported`: the cache has the graph's own type. */
  cache: 'float16' | 'as-exported';
  /** The attention takes the past's length from the mask: the past may be a longer buffer (`DecoderSignature`). */
  pastInBuffer: boolean;
  /** Why a faster path was not taken, for the log. */
  notes: string[];
}

export const AS_EXPORTED: GraphChoice = Object.freeze({
  attention: 'as-exported',
  logits: 'every-position',
  int4Accuracy: 'as-exported',
  cache: 'as-exported',
  pastInBuffer: false,
  notes: [],
});

/**
 * The engine's KV rewrite of a CPU graph: direct attention where the graph allows it (with a float16 cache for a
 * float32 graph: half the memory, for a cast of each layer's past per step; BENCHMARKS.md's memory section), else,
 * for GroupQueryAttention, the delta slices of `present.*`; else none, with why for the log.
 */
export function kvRewrite(
  original: Uint8Array,
  options: { halfCache: boolean },
  view: GraphView = readGraph(original, findGraph(original)),
): { bytes: Buffer | null; attention: GraphChoice['attention']; cache: GraphChoice['cache']; note?: string } {
  const halfCache =
    options.halfCache && view.inputs.get('past_key_values.0.key')?.elemType === DataType.FLOAT;
  const direct = directAttention(original, { halfCache });
  if ('model' in direct)
    return { bytes: direct.model, attention: 'direct', cache: halfCache ? 'float16' : 'as-exported' };
  const ops = new Set(view.nodes.map((n) => n.opType).filter((op) => op.endsWith('Attention')));
  // GroupQueryAttention reads the past's length from the mask, so the cache can still stay in place.
  const slices = ops.size === 1 && ops.has('GroupQueryAttention') ? addKvDeltaOutputs(original) : null;
  if (slices) {
    const note = `decoding runs the exported GroupQueryAttention, which copies the cache every step: ${direct.reason}`;
    return { bytes: slices.model, attention: 'delta-slices', cache: 'as-exported', note };
  }
  return {
    bytes: null,
    attention: 'as-exported',
    cache: 'as-exported',
    note: `the whole cache is copied every step: ${direct.reason}`,
  };
}

/** The logits the graph computes, before and after the last-position rewrite. */
function withLastLogits(
  graph: Uint8Array,
  inputs: Set<string>,
): { bytes: Uint8Array | null; logits: GraphChoice['logits'] } {
  if (inputs.has('num_logits_to_keep')) return { bytes: null, logits: 'num_logits_to_keep' };
  const last = lastPositionLogits(graph);
  return last ? { bytes: last, logits: 'last-position' } : { bytes: null, logits: 'every-position' };
}

/**
 * The CPU's graph for `modelFile`: the engine's rewrite where one applies, else the file as it is (also when it
 * cannot be read: onnxruntime then opens the file itself and says what is wrong).
 */
export async function cpuGraph(
  modelFile: string,
  options: { halfCache: boolean },
): Promise<{ source: ModelSource; graph: GraphChoice }> {
  let original: Uint8Array;
  let view: GraphView;
  try {
    original = await fs.readFile(modelFile);
    view = readGraph(original, findGraph(original));
  } catch {
    return { source: { file: modelFile }, graph: AS_EXPORTED };
  }
  const { bytes: kv, attention, cache, note } = kvRewrite(original, options, view);
  const notes = note ? [note] : [];
  const last = withLastLogits(kv ?? original, new Set(view.inputs.keys()));
  if (last.logits === 'every-position') notes.push('its LM head could not be limited to the last position');
  const int8 = withInt8Activations(last.bytes ?? kv ?? original);
  const bytes = int8?.model ?? last.bytes ?? kv;
  return {
    source: bytes ? { file: modelFile, bytes } : { file: modelFile },
    graph: {
      attention,
      logits: last.logits,
      int4Accuracy: int8 ? 'int8' : 'as-exported',
      cache,
      pastInBuffer: attention !== 'as-exported',
      notes,
    },
  };
}

/**
 * A GPU provider's graph: the exported one, with logits for the last position only where it computes them for
 * every position (DirectML cannot keep outputs on the GPU: every row would be copied back).
 */
export async function gpuGraph(modelFile: string): Promise<{ source: ModelSource; graph: GraphChoice }> {
  try {
    const original = await fs.readFile(modelFile);
    const inputs = new Set(readGraph(original, findGraph(original)).inputs.keys());
    const last = withLastLogits(original, inputs);
    return {
      source: last.bytes ? { file: modelFile, bytes: last.bytes } : { file: modelFile },
      graph: { ...AS_EXPORTED, logits: last.logits, notes: [] },
    };
  } catch {
    return { source: { file: modelFile }, graph: AS_EXPORTED };
  }
}
