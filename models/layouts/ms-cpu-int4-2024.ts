/**
 * The first upload of the same CPU folder (April 2024), made by the builder of 2024-04-23 (#288, Phi-3 mini) before
 * GroupQueryAttention ran on CPU: MultiHeadAttention fed a 4-D mask built from attention_mask (repeated over heads
 * by a Concat of copies), separate q/k/v MatMulNBits, RotaryEmbedding nodes fed the reshaped position_ids, fp32,
 * symmetric int4 block 32 with accuracy_level 4, and past_present_share_buffer false. Evidence: builder.py at
 * 0cb842d (valid GQA only for CUDA/DML fp16 then; make_attention_mask_reformatting_for_mha) and
 * onnxruntime-genai#430. Thin: whether that upload already used this file name (taken from the catalog).
 */
import { mhaDecoderGraph } from '../graph/mha-decoder';
import { DataType } from '../../localhost-engine/onnx/schema';
import { writeGenaiFolderFiles } from './folder-files';
import { builderFile, phi3MiniConfig, RealLayout } from './real-layout';

const FILE = 'phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx';

export const msCpuInt4April2024: RealLayout = {
  description: 'the April 2024 upload of the same folder (MultiHeadAttention, RotaryEmbedding, position_ids)',
  config: phi3MiniConfig,
  graph: (c) =>
    mhaDecoderGraph(c, {
      naming: 'builder-2024',
      ioType: DataType.FLOAT,
      accuracyLevel: 4,
      maskHeads: 'concat',
      longRope: null,
    }),
  file: builderFile(2024, '', FILE, `${FILE}.data`),
  writeConfigs: (dir, c) =>
    writeGenaiFolderFiles(dir, c, {
      filename: FILE,
      positionIds: true,
      pastPresentShareBuffer: false,
      provider: null,
      topK: 1,
    }),
};
