/**
 * Microsoft's `cpu_and_mobile/cpu-int4-rtn-block-32-acc-level-4` folder of microsoft/Phi-3-mini-4k-instruct-onnx
 * as the model builder has written it since 2024-05-09 (PR #420, GroupQueryAttention on CPU): io, KV cache and
 * logits fp32; one packed qkv_proj MatMulNBits; GroupQueryAttention with 9 inputs and rotary inside (do_rotary=1),
 * so no position_ids input; separate gate and up MatMulNBits; symmetric int4 RTN, block 32, accuracy_level 4 on
 * every MatMul including the LM head; fp32 embedding; genai_config with past_present_share_buffer.
 * Evidence: builder.py at cb817aa (2024-05-09): valid_gqa_configurations, make_group_query_attention, to_int4
 * (is_symmetric=True); file names from models/catalog.json. Thin: the graph itself was never readable here.
 */
import { gqaDecoderGraph } from '../graph/gqa-decoder';
import { DataType } from '../../localhost-engine/onnx/schema';
import { writeGenaiFolderFiles } from './folder-files';
import { builderFile, phi3MiniConfig, RealLayout } from './real-layout';

const FILE = 'phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx';

export const msCpuInt4: RealLayout = {
  description:
    'microsoft/Phi-3-mini-4k-instruct-onnx cpu-int4-rtn-block-32-acc-level-4 (builder since 2024-05-09)',
  config: phi3MiniConfig,
  graph: (c) =>
    gqaDecoderGraph(c, {
      naming: 'builder-2024',
      ioType: DataType.FLOAT,
      accuracyLevel: 4,
      packedQkv: true,
      rotaryInAttention: true,
      inputCount: 9,
      window: null,
    }),
  file: builderFile(2024, '', FILE, `${FILE}.data`),
  writeConfigs: (dir, c) =>
    writeGenaiFolderFiles(dir, c, {
      filename: FILE,
      positionIds: false,
      pastPresentShareBuffer: true,
      provider: null,
      topK: 1,
    }),
};
