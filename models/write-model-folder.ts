/**
 * Writes a generated Phi-3 model folder in one of the two layouts the product loads: Hugging Face /
 * transformers.js (`config.json`, `onnx/model_q4.onnx` + `.onnx_data`) or ONNX Runtime GenAI
 * (`genai_config.json`, `model.onnx` + `.onnx.data`), each with the real Phi-3 tokenizer files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Phi3Config } from './model-sizes';
import { WrittenModel, writeOnnxModel } from './onnx-model-writer';
import { buildPhi3Graph } from './phi3-graph';
import { copyTokenizerFiles, phi3GenaiConfig, writeJson } from './layouts/folder-files';

export type ModelLayout = 'transformers' | 'genai';

const BOS_TOKEN_ID = 1;
const ENDOFTEXT_TOKEN_ID = 32000; // <|endoftext|>, also Phi-3's pad token
const END_TOKEN_ID = 32007; // <|end|>

const OPSETS = [
  { domain: '', version: 21 },
  { domain: 'com.microsoft', version: 1 },
] as const;

/** Hugging Face config.json of a Phi-3 model, with the transformers.js loading hints. */
function huggingFaceConfig(c: Phi3Config, onnxFileName: string): object {
  return {
    _name_or_path: 'localscribe/generated-phi3-random',
    architectures: ['Phi3ForCausalLM'],
    model_type: 'phi3',
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: BOS_TOKEN_ID,
    eos_token_id: ENDOFTEXT_TOKEN_ID,
    pad_token_id: ENDOFTEXT_TOKEN_ID,
    hidden_act: 'silu',
    hidden_size: c.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: c.intermediateSize,
    max_position_embeddings: c.maxPositionEmbeddings,
    original_max_position_embeddings: c.maxPositionEmbeddings,
    num_attention_heads: c.numAttentionHeads,
    num_hidden_layers: c.numHiddenLayers,
    num_key_value_heads: c.numKeyValueHeads,
    resid_pdrop: 0.0,
    rms_norm_eps: c.rmsNormEps,
    rope_scaling: null,
    rope_theta: c.ropeTheta,
    sliding_window: c.maxPositionEmbeddings - 1,
    tie_word_embeddings: false,
    torch_dtype: 'float32',
    use_cache: true,
    vocab_size: c.vocabSize,
    'transformers.js_config': {
      dtype: 'q4',
      kv_cache_dtype: { q4: 'float32' },
      // transformers.js 4.3 loads `<file>_data` (one chunk) next to the model when this names the file.
      use_external_data_format: { [onnxFileName]: 1 },
    },
  };
}

function generationConfig(): object {
  return {
    bos_token_id: BOS_TOKEN_ID,
    eos_token_id: [ENDOFTEXT_TOKEN_ID, END_TOKEN_ID],
    pad_token_id: ENDOFTEXT_TOKEN_ID,
    do_sample: false,
  };
}

/**
 * Writes the model folder's files into `dir` (which must exist and should be empty) and returns what the
 * ONNX writer wrote. Deterministic: the same config and layout give byte-identical files.
 */
export function writeModelFolder(
  dir: string,
  config: Phi3Config,
  layout: ModelLayout,
  producerVersion: string,
): WrittenModel {
  copyTokenizerFiles(dir);
  const common = {
    irVersion: 10,
    opsetImports: OPSETS,
    producerName: 'localscribe-phi3-generator',
    producerVersion,
  };
  if (layout === 'transformers') {
    const onnxDir = path.join(dir, 'onnx');
    fs.mkdirSync(onnxDir, { recursive: true });
    writeJson(path.join(dir, 'config.json'), huggingFaceConfig(config, 'model_q4.onnx'));
    writeJson(path.join(dir, 'generation_config.json'), generationConfig());
    return writeOnnxModel(buildPhi3Graph(config, { numLogitsToKeepInput: true }), {
      ...common,
      dir: onnxDir,
      modelFileName: 'model_q4.onnx',
      dataFileName: 'model_q4.onnx_data',
    });
  }
  writeJson(
    path.join(dir, 'genai_config.json'),
    phi3GenaiConfig(config, {
      filename: 'model.onnx',
      positionIds: true,
      pastPresentShareBuffer: true,
      provider: null,
      topK: 1,
      eos: [END_TOKEN_ID, ENDOFTEXT_TOKEN_ID],
    }),
  );
  return writeOnnxModel(buildPhi3Graph(config, { numLogitsToKeepInput: false }), {
    ...common,
    dir,
    modelFileName: 'model.onnx',
    dataFileName: 'model.onnx.data',
  });
}
