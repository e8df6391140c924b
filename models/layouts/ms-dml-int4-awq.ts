/**
 * Microsoft's `directml/directml-int4-awq-block-128` folder of microsoft/Phi-3-mini-4k-instruct-onnx (the model the
 * predecessor downloaded): GroupQueryAttention with 9 inputs (cos/sin empty: DirectML never fuses rotary, so
 * RotaryEmbedding nodes take the reshaped position_ids), separate q/k/v MatMulNBits (DirectML did not take packed
 * QKV in GQA), fp16 io, KV cache and logits, fp16 embedding and scales, asymmetric int4 block 128 with uint8 zero
 * points, past_present_share_buffer and the dml provider in genai_config. Evidence: builder.py of April-June 2024
 * (valid_gqa_configurations, `use_packed_matmul = ep != "dml"`, io fp16 for int4 off the CPU); sizes in
 * models/catalog.json (2.13 GB fits block 128 with fp16 scales). Thin: how AWQ reached the graph (node and weight
 * names follow MatMul4BitsQuantizer's; accuracy_level left out), and the 2.11 MB graph file was never readable.
 */
import { gqaDecoderGraph } from '../graph/gqa-decoder';
import { DataType } from '../../localhost-engine/onnx/schema';
import { writeGenaiFolderFiles } from './folder-files';
import { builderFile, phi3MiniConfig, RealLayout } from './real-layout';

const AWQ_128 = { blockSize: 128, zeroPoints: true };

export const msDmlInt4Awq: RealLayout = {
  description: 'microsoft/Phi-3-mini-4k-instruct-onnx directml-int4-awq-block-128 (fp16, zero points)',
  // Block 128 needs K of at least 128, so the tiny copy has 8 heads of 16 (hidden 128).
  config: (size) =>
    size === 'tiny'
      ? { ...phi3MiniConfig(size), hiddenSize: 128, numAttentionHeads: 8, numKeyValueHeads: 8, ...AWQ_128 }
      : { ...phi3MiniConfig(size), ...AWQ_128 },
  graph: (c) =>
    gqaDecoderGraph(c, {
      naming: 'builder-2024',
      ioType: DataType.FLOAT16,
      accuracyLevel: null,
      packedQkv: false,
      rotaryInAttention: false,
      inputCount: 9,
      window: null,
    }),
  file: builderFile(2024, '', 'model.onnx', 'model.onnx.data'),
  writeConfigs: (dir, c) =>
    writeGenaiFolderFiles(dir, c, {
      filename: 'model.onnx',
      positionIds: true,
      pastPresentShareBuffer: true,
      provider: 'dml',
      topK: 1,
    }),
};
