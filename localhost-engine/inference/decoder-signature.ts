/**
 * What the token loop needs to know about a decoder graph, read once when its session opens and never changed:
 * the KV cache's shape and type, which optional inputs it takes, and how it hands back keys and values.
 */
import type { DecoderSession } from './decoder-session';
import { kvDeltaName } from '../onnx/rewrites/kv-delta';

export interface DecoderSignature {
  readonly layers: number;
  readonly kvHeads: number;
  readonly headSize: number;
  readonly kvType: 'float32' | 'float16';
  readonly hasPositionIds: boolean;
  readonly hasLogitsToKeep: boolean;
  /** The session returns each layer's new keys and values (`present_delta.N.*`) instead of the whole present. */
  readonly kvDelta: boolean;
  /**
   * Its attention takes the past's length from the attention mask, not from the past's shape, so the past fed can
   * be a buffer longer than the positions it holds (GroupQueryAttention, and the engine's direct attention).
   */
  readonly pastInBuffer: boolean;
}

/**
 * Reads the signature from the session's inputs and outputs; `known` supplies what the graph leaves symbolic
 * (head counts from the folder's config) and what the session's opener knows (`pastInBuffer`).
 * @throws Error when the graph lacks `input_ids`, `attention_mask` or `past_key_values.N.key/value`, or says
 *   neither in its shapes nor in `known` how many key/value heads of which size it has.
 */
export function readDecoderSignature(
  session: DecoderSession,
  known: { kvHeads?: number; headSize?: number; pastInBuffer?: boolean } = {},
): DecoderSignature {
  const names = session.inputNames;
  for (const required of [
    'input_ids',
    'attention_mask',
    'past_key_values.0.key',
    'past_key_values.0.value',
  ]) {
    if (!names.includes(required)) {
      throw new Error(
        `The model is not a decoder this engine can run: its graph has no "${required}" input.`,
      );
    }
  }
  const layers = names.filter((n) => /^past_key_values\.\d+\.key$/.test(n)).length;
  const meta = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
  let kvHeads = known.kvHeads;
  let headSize = known.headSize;
  let kvType: DecoderSignature['kvType'] = 'float32';
  if (meta && meta.isTensor) {
    const [, heads, , size] = meta.shape;
    if (typeof heads === 'number') kvHeads = heads;
    if (typeof size === 'number') headSize = size;
    if (meta.type === 'float16') kvType = 'float16';
  }
  if (!kvHeads || !headSize) {
    throw new Error(
      'Cannot tell the KV-cache shape: the graph has symbolic head dimensions and no config says them.',
    );
  }
  return Object.freeze({
    layers,
    kvHeads,
    headSize,
    kvType,
    hasPositionIds: names.includes('position_ids'),
    hasLogitsToKeep: names.includes('num_logits_to_keep'),
    kvDelta: session.outputNames.includes(kvDeltaName(0, 'key')),
    pastInBuffer: known.pastInBuffer ?? false,
  });
}
