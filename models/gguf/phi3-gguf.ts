/**
 * A GGUF of llama.cpp's `phi3` architecture holding exactly the weights of the generated `ms-cpu-int4` model: the
 * MatMulNBits weights repacked as Q4_0 (fused qkv as attn_qkv; gate then up rows as ffn_up, which llama.cpp splits
 * in that order for SwiGLU), the fp32 embedding as F32 token_embd, fp32 norms, the untied LM head as Q4_0 output.
 * Names and metadata follow llama.cpp's convert_hf_to_gguf.py (Phi3MiniModel) and src/llama-arch.cpp (LLM_ARCH_PHI3).
 */
import * as path from 'node:path';
import { TensorSource } from '../onnx-model-writer';
import { PHI3_SLIDING_WINDOW } from '../layouts/folder-files';
import { msCpuInt4 } from '../layouts/ms-cpu-int4';
import { ModelSize, Phi3Config } from '../model-sizes';
import { GgmlType, GgufTensor, GgufValue, writeGguf } from './gguf-writer';
import { phi3TokenizerMetadata } from './phi3-vocab';
import { q4_0Chunks, SymmetricInt4Weight } from './q4-0';

/** The file name, as llama.cpp's quantize names a Q4_0 file of Phi-3-mini-4k-instruct. */
export const PHI3_GGUF_FILE = 'Phi-3-mini-4k-instruct-Q4_0.gguf';

/** llama_ftype LLAMA_FTYPE_MOSTLY_Q4_0. */
const FILE_TYPE_Q4_0 = 2;

/** The general.* and phi3.* metadata convert_hf_to_gguf.py writes for Phi-3-mini-4k (no rope scaling). */
function phi3Metadata(c: Phi3Config, size: ModelSize): [string, GgufValue][] {
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  return [
    ['general.architecture', { type: 'string', value: 'phi3' }],
    [
      'general.name',
      { type: 'string', value: `LocalScribe generated Phi-3-mini-4k-instruct (${size}, random)` },
    ],
    ['phi3.context_length', u32(c.maxPositionEmbeddings)],
    ['phi3.rope.scaling.original_context_length', u32(c.maxPositionEmbeddings)],
    ['phi3.embedding_length', u32(c.hiddenSize)],
    ['phi3.feed_forward_length', u32(c.intermediateSize)],
    ['phi3.block_count', u32(c.numHiddenLayers)],
    ['phi3.attention.head_count', u32(c.numAttentionHeads)],
    ['phi3.attention.head_count_kv', u32(c.numKeyValueHeads)],
    ['phi3.attention.layer_norm_rms_epsilon', { type: 'f32', value: c.rmsNormEps }],
    ['phi3.rope.dimension_count', u32(c.headSize)],
    ['phi3.rope.freq_base', { type: 'f32', value: c.ropeTheta }],
    ['general.file_type', u32(FILE_TYPE_Q4_0)],
    ['phi3.attention.sliding_window', u32(PHI3_SLIDING_WINDOW)],
    ...phi3TokenizerMetadata(c.vocabSize),
    ['general.quantization_version', u32(2)],
  ];
}

/** The GGUF tensors, in convert_hf_to_gguf.py's order, from the ms-cpu-int4 graph's initializers. */
export function phi3GgufTensors(c: Phi3Config): GgufTensor[] {
  const initializers = new Map<string, TensorSource>(msCpuInt4.graph(c).initializers.map((t) => [t.name, t]));
  const get = (name: string): TensorSource => {
    const t = initializers.get(name);
    if (!t) throw new Error(`the ms-cpu-int4 graph has no initializer ${name}`);
    return t;
  };
  const f32 = (name: string, source: string, dims: number[]): GgufTensor => ({
    name,
    dims,
    type: GgmlType.F32,
    chunks: () => get(source).chunks(),
  });
  const weight = (matMul: string, n: number, k: number): SymmetricInt4Weight => ({
    b: get(`${matMul}.weight_Q4`),
    scales: get(`${matMul}.weight_scales`),
    n,
    k,
  });
  const q4 = (name: string, parts: SymmetricInt4Weight[]): GgufTensor => ({
    name,
    dims: [parts[0].k, parts.reduce((a, p) => a + p.n, 0)],
    type: GgmlType.Q4_0,
    chunks: () => q4_0Chunks(parts),
  });
  const h = c.hiddenSize;
  const ff = c.intermediateSize;
  const qkv = (c.numAttentionHeads + 2 * c.numKeyValueHeads) * c.headSize;
  const tensors = [f32('token_embd.weight', 'model.embed_tokens.weight', [h, c.vocabSize])];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const m = `model.layers.${i}`;
    tensors.push(
      f32(`blk.${i}.attn_norm.weight`, `${m}.input_layernorm.weight`, [h]),
      q4(`blk.${i}.attn_qkv.weight`, [weight(`${m}.attn.qkv_proj.MatMul`, qkv, h)]),
      q4(`blk.${i}.attn_output.weight`, [
        weight(`${m}.attn.o_proj.MatMul`, h, c.numAttentionHeads * c.headSize),
      ]),
      f32(`blk.${i}.ffn_norm.weight`, `${m}.post_attention_layernorm.weight`, [h]),
      q4(`blk.${i}.ffn_up.weight`, [
        weight(`${m}.mlp.gate_proj.MatMul`, ff, h),
        weight(`${m}.mlp.up_proj.MatMul`, ff, h),
      ]),
      q4(`blk.${i}.ffn_down.weight`, [weight(`${m}.mlp.down_proj.MatMul`, h, ff)]),
    );
  }
  tensors.push(
    f32('output_norm.weight', `model.layers.${c.numHiddenLayers}.final_norm_layernorm.weight`, [h]),
    q4('output.weight', [weight('lm_head.MatMul', c.vocabSize, h)]),
  );
  return tensors;
}

/** Writes `<dir>/Phi-3-mini-4k-instruct-Q4_0.gguf` for `size`; returns its path. Deterministic, like the ONNX copies. */
export function writePhi3Gguf(dir: string, size: ModelSize): string {
  const c = msCpuInt4.config(size);
  const file = path.join(dir, PHI3_GGUF_FILE);
  writeGguf(file, phi3Metadata(c, size), phi3GgufTensors(c));
  return file;
}
