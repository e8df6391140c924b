/**
 * A CPU int4 export of Phi-3-mini-4k-instruct by today's model builder (onnx_ir, builders/base.py): GroupQueryAttention
 * with 12 inputs (position_ids, attention_bias and sinks left empty), rotary inside (is_fused_rope_supported() is
 * `ep not in ["dml"]`), local_window_size from the config's sliding_window (2047) and softcap 0, no position_ids,
 * seqlens_k from ReduceSum(keepdims=0), packed QKV, separate gate and up, fp32, symmetric int4 block 32; IR 10,
 * opset 21, constants named `/model/constants/INT64/[1]`. Evidence: builders/base.py (make_group_query_attention,
 * get_attention_op_attributes, make_attention_mask_reformatting_for_gqa) at onnxruntime-genai a0c04eb. Chosen, not
 * read: accuracy_level 4 (`int4_accuracy_level=4`, as Microsoft names its CPU folders; the default is 0).
 */
import { gqaDecoderGraph } from '../graph/gqa-decoder';
import { DataType } from '../../localhost-engine/onnx/schema';
import { PHI3_SLIDING_WINDOW, writeGenaiFolderFiles } from './folder-files';
import { builderFile, phi3MiniConfig, RealLayout } from './real-layout';

export const msBuilder2025: RealLayout = {
  description: "today's model builder, CPU int4 (GroupQueryAttention with 12 inputs, rotary inside)",
  config: phi3MiniConfig,
  graph: (c) =>
    gqaDecoderGraph(c, {
      naming: 'builder-2025',
      ioType: DataType.FLOAT,
      accuracyLevel: 4,
      packedQkv: true,
      rotaryInAttention: true,
      inputCount: 12,
      window: { localWindowSize: PHI3_SLIDING_WINDOW, softcap: 0 },
    }),
  file: builderFile(2025, '', 'model.onnx', 'model.onnx.data'),
  writeConfigs: (dir, c) =>
    writeGenaiFolderFiles(dir, c, {
      filename: 'model.onnx',
      positionIds: false,
      pastPresentShareBuffer: true,
      provider: null,
      topK: 50,
    }),
};
