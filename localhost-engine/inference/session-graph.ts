/**
 * Which graph a session opens, and why: on the CPU the engine's own rewrite of the exported graph where it
 * applies (keys and values returned as deltas, decoding attention that reads the cache in place, logits for the
 * last position only), else the graph as exported; on a GPU the exported graph with last-position logits.
 */
import { promises as fs } from 'node:fs';
import { findGraph, readGraph } from '../onnx/read';
import { directAttention } from '../onnx/rewrites/direct-attention';
import { addKvDeltaOutputs } from '../onnx/rewrites/kv-delta';
import { withInt8Activations } from '../onnx/rewrites/int8-activations';
import { lastPositionLogits } from '../onnx/rewrites/last-logits';
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
  /** The attention takes the past's length from the mask: the past may be a longer buffer (`DecoderSignature`). */
  pastInBuffer: boolean;
  /** Why a faster path was not taken, for the log. */
  notes: string[];
}

export const AS_EXPORTED: GraphChoice = Object.freeze({
  attention: 'as-exported',
  logits: 'every-position',
  int4Accuracy: 'as-exported',
  pastInBuffer: false,
  notes: [],
});

/** The ops of the graph's attention nodes, for the log (e.g. "MultiHeadAttention"). */
function attentionOps(graph: Uint8Array): string[] {
  const ops = readGraph(graph, findGraph(graph)).nodes.map((n) => n.opType);
  return [...new Set(ops.filter((op) => op.endsWith('Attention')))];
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
export async function cpuGraph(modelFile: string): Promise<{ source: ModelSource; graph: GraphChoice }> {
  let original: Uint8Array;
  try {
    original = await fs.readFile(modelFile);
    findGraph(original);
  } catch {
    return { source: { file: modelFile }, graph: AS_EXPORTED };
  }
  const notes: string[] = [];
  const inputs = new Set(readGraph(original, findGraph(original)).inputs.keys());
  const ops = attentionOps(original);
  let kv: Uint8Array | null = null;
  let attention: GraphChoice['attention'] = 'as-exported';
  const direct = directAttention(original);
  if ('model' in direct) {
    kv = direct.model;
    attention = 'direct';
  } else if (ops.length === 1 && ops[0] === 'GroupQueryAttention') {
    // GroupQueryAttention reads the past's length from the mask, so the cache can still stay in place.
    kv = addKvDeltaOutputs(original)?.model ?? null;
    if (kv) attention = 'delta-slices';
    notes.push(
      `decoding runs the exported GroupQueryAttention, which copies the cache every step: ${direct.reason}`,
    );
  } else {
    notes.push(`the whole cache is copied every step: ${direct.reason}`);
  }
  const last = withLastLogits(kv ?? original, inputs);
  if (last.logits === 'every-position') notes.push('its LM head could not be limited to the last position');
  const int8 = withInt8Activations(last.bytes ?? kv ?? original);
  const bytes = int8?.model ?? last.bytes ?? kv;
  return {
    source: bytes ? { file: modelFile, bytes } : { file: modelFile },
    graph: {
      attention,
      logits: last.logits,
      int4Accuracy: int8 ? 'int8' : 'as-exported',
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
