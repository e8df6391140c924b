/**
 * A Phi-3 decoder built around GroupQueryAttention, as the model builder makes it for the CPU, DirectML and (since
 * 2025) WebGPU: the mask's seqlens_k / total_sequence_length, then per layer Q/K/V projections, rotary embeddings
 * (inside the op, or RotaryEmbedding nodes fed position_ids where the EP cannot fuse them), attention, o_proj and
 * the MLP.
 */
import { Phi3Config } from '../model-sizes';
import { GraphSource } from '../onnx-model-writer';
import {
  GqaOptions,
  groupQueryAttention,
  gqaMask,
  positionIdsReformat,
  qkvProjections,
  rotaryQk,
} from './attention-parts';
import { DecoderGraph, DecoderSpec } from './decoder-parts';
import { plainRotaryCaches } from './rotary-caches';

export interface GqaDecoderOptions extends DecoderSpec {
  /** One qkv_proj MatMulNBits (CPU) or three (DirectML did not support packed QKV in GQA). */
  packedQkv: boolean;
  /** Rotary inside GroupQueryAttention, no position_ids input (every EP but DirectML). */
  rotaryInAttention: boolean;
  inputCount: GqaOptions['inputCount'];
  window: GqaOptions['window'];
}

/** Builds the graph; `position_ids` is an input exactly when rotary runs outside attention. */
export function gqaDecoderGraph(c: Phi3Config, o: GqaDecoderOptions): GraphSource {
  const d = new DecoderGraph(c, o);
  const positionIds = o.rotaryInAttention ? null : positionIdsReformat(d);
  const mask = gqaMask(d);
  d.embedding();
  const caches = plainRotaryCaches(d);
  for (let i = 0; i < c.numHiddenLayers; i++) {
    let qkv = qkvProjections(d, i, d.norm(i, 'input'), o.packedQkv);
    if (positionIds) qkv = { ...qkv, ...rotaryQk(d, i, qkv, positionIds, caches) };
    const rotary = o.rotaryInAttention ? caches : null;
    const attention = groupQueryAttention(d, i, qkv, mask, {
      rotary,
      inputCount: o.inputCount,
      window: o.window,
    });
    d.outputProjection(i, attention);
    d.mlp(i, d.norm(i, 'post_attention'));
  }
  d.head();
  const { inputs, outputs } = d.io(positionIds !== null);
  return d.b.finish(inputs, outputs);
}
