/**
 * `onnx-community/Phi-3.5-mini-instruct-onnx-web`, `onnx/model_q4f16.onnx`: the model builder's `web` target with
 * int4 (io fp16 then: only int4 on the CPU kept fp32) of Phi-3.5-mini-instruct (128K context, LongRoPE):
 * MultiHeadAttention, RotaryEmbedding nodes reading cos/sin from an `If` that picks the long caches above 4,096
 * positions, fp16 io, KV cache and logits, symmetric int4 block 32 with fp16 scales. Evidence: builder.py at de6a6714
 * (2024-09: Phi3Mini128KModel, make_rotary_embedding_multi_cache, the io dtype rule), 2.33 GB in
 * models/catalog.json. Thin: whether the upload came from the builder directly (fp16 io) or through transformers.js'
 * q4f16 conversion (which keeps fp32 io with Casts inside); the LongRoPE factors here are made up, shaped like
 * Phi-3.5's (48 short ones near 1, long ones growing), since its config.json was not readable here.
 */
import { mhaDecoderGraph } from '../graph/mha-decoder';
import { LongRope } from '../graph/rotary-caches';
import { ModelSize, Phi3Config } from '../model-sizes';
import { DataType } from '../../localhost-engine/onnx/schema';
import { writeTransformersFolderFiles } from './folder-files';
import { builderFile, phi3MiniConfig, RealLayout } from './real-layout';

const ORIGINAL_CONTEXT = 4096;

function phi35Config(size: ModelSize): Phi3Config {
  return { ...phi3MiniConfig(size), maxPositionEmbeddings: 131072 };
}

/** LongRoPE factors, one per rotary frequency: short ones from 1 to 1.5, long ones from 1 to 60. */
export function phi35LongRope(c: Phi3Config): LongRope {
  const half = c.headSize / 2;
  const at = (i: number) => i / Math.max(1, half - 1);
  return {
    originalMaxPositionEmbeddings: ORIGINAL_CONTEXT,
    shortFactor: Array.from({ length: half }, (_, i) => 1 + 0.5 * at(i) ** 2),
    longFactor: Array.from({ length: half }, (_, i) => 1 + 59 * at(i) ** 2),
  };
}

export const webQ4f16: RealLayout = {
  description: 'onnx-community/Phi-3.5-mini-instruct-onnx-web onnx/model_q4f16.onnx (fp16, LongRoPE If)',
  config: phi35Config,
  graph: (c) =>
    mhaDecoderGraph(c, {
      naming: 'builder-2024',
      ioType: DataType.FLOAT16,
      accuracyLevel: null,
      maskHeads: 'tile',
      longRope: phi35LongRope(c),
    }),
  file: builderFile(2024, 'onnx', 'model_q4f16.onnx', 'model_q4f16.onnx_data'),
  writeConfigs: (dir, c) =>
    writeTransformersFolderFiles(dir, c, { dtype: 'q4f16', kvCacheType: 'float16', rope: phi35LongRope(c) }),
};
