/**
 * A Phi-3 decoder built around MultiHeadAttention, as the model builder made it for the CPU before 2024-05-09 and
 * for the `web` target (#426): position_ids reshaped, the 4-D additive mask from attention_mask, then per layer
 * separate Q/K/V projections, RotaryEmbedding nodes, MultiHeadAttention with the past as inputs 6 and 7, o_proj and
 * the MLP. Phi-3.5 (LongRoPE) reads its cos/sin caches from an `If` over the total length.
 */
import { Phi3Config } from '../model-sizes';
import { GraphSource } from '../onnx-model-writer';
import {
  mhaMask,
  multiHeadAttention,
  positionIdsReformat,
  qkvProjections,
  rotaryQk,
} from './attention-parts';
import { DecoderGraph, DecoderSpec } from './decoder-parts';
import { LongRope, longRopeCaches, plainRotaryCaches } from './rotary-caches';

export interface MhaDecoderOptions extends DecoderSpec {
  /** How the mask is repeated over heads: a Concat of copies (April 2024) or a Tile (from 2024-05-10). */
  maskHeads: 'concat' | 'tile';
  longRope: LongRope | null;
}

/** Builds the graph (inputs: input_ids, attention_mask, position_ids, the past). */
export function mhaDecoderGraph(c: Phi3Config, o: MhaDecoderOptions): GraphSource {
  const d = new DecoderGraph(c, o);
  const positionIds = positionIdsReformat(d);
  const { mask, totalLength } = mhaMask(d, o.maskHeads);
  const longCaches = o.longRope ? longRopeCaches(d, o.longRope, totalLength) : null;
  d.embedding();
  const caches = longCaches ?? plainRotaryCaches(d);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const qkv = qkvProjections(d, i, d.norm(i, 'input'), false);
    const rotated = rotaryQk(d, i, qkv, positionIds, caches);
    const attention = multiHeadAttention(d, i, { ...qkv, ...rotated }, mask);
    d.outputProjection(i, attention);
    d.mlp(i, d.norm(i, 'post_attention'));
  }
  d.head();
  const { inputs, outputs } = d.io(true);
  return d.b.finish(inputs, outputs);
}
