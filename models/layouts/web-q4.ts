/**
 * transformers.js' `Xenova/Phi-3-mini-4k-instruct`, `onnx/model_q4.onnx`: the model builder's `web` target
 * (#426, 2024-05-10: MultiHeadAttention, no packed QKV) exported in fp32, then quantized by transformers.js'
 * scripts/quantize.py q4 mode (MatMul4BitsQuantizer, block 32, symmetric, accuracy_level None). So: fp32 io, KV
 * cache and logits; position_ids; RotaryEmbedding nodes; the 4-D mask repeated over heads by Tile; no
 * num_logits_to_keep. Evidence: builder.py at 58fd66d; quantize.py names GroupQueryAttention/MultiHeadAttention as
 * "models produced by onnxruntime-genai"; 2.72 GB in models/catalog.json fits fp32 scales and embedding. Thin: the
 * real file keeps 1.06 GB of weights inside model_q4.onnx (this copy puts every large tensor in model_q4.onnx_data).
 */
import { mhaDecoderGraph } from '../graph/mha-decoder';
import { DataType } from '../../localhost-engine/onnx/schema';
import { writeTransformersFolderFiles } from './folder-files';
import { builderFile, phi3MiniConfig, RealLayout } from './real-layout';

export const webQ4: RealLayout = {
  description:
    'Xenova/Phi-3-mini-4k-instruct onnx/model_q4.onnx (builder web target, fp32, MultiHeadAttention)',
  config: phi3MiniConfig,
  graph: (c) =>
    mhaDecoderGraph(c, {
      naming: 'builder-2024',
      ioType: DataType.FLOAT,
      accuracyLevel: null,
      maskHeads: 'tile',
      longRope: null,
    }),
  file: builderFile(2024, 'onnx', 'model_q4.onnx', 'model_q4.onnx_data'),
  writeConfigs: (dir, c) =>
    writeTransformersFolderFiles(dir, c, { dtype: 'q4', kvCacheType: 'float32', rope: null }),
};
