/**
 * Makes the ONNX Runtime GenAI tiny decoder from the fixtures (test/fixtures/genai-tiny-llama-fp16/) loadable by
 * transformers.js as well: a temporary copy of the folder with a `config.json` beside `genai_config.json`.
 *
 * The engine reads the copy through `genai_config.json` (GenAI layout) exactly as it reads the fixture; transformers.js
 * reads `config.json` and is pointed at `./model.onnx` with `subfolder: ''`, `model_file_name: 'model'` and the
 * `fp32` dtype (whose file suffix is empty). The graph names its external weights `model.onnx.data` itself, and
 * in Node transformers.js hands onnxruntime the graph's path, so onnxruntime finds them beside it; the KV-cache
 * and logits stay float16, because transformers.js takes the cache type from the graph's input metadata and casts
 * the logits to float32 before its logits processors.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const GENAI_TINY_FIXTURE = path.join(__dirname, '..', 'fixtures', 'genai-tiny-llama-fp16');

export interface GenaiFixtureCopy {
  /** The temporary folder: the fixture's files plus `config.json`. */
  dir: string;
  /** The options for `AutoModelForCausalLM.from_pretrained(dir, …)` that find the GenAI graph. */
  fromPretrainedOptions: {
    local_files_only: true;
    device: 'cpu';
    dtype: 'fp32';
    subfolder: string;
    model_file_name: string;
  };
  /** Removes the temporary folder. */
  remove: () => void;
}

/** Copies the GenAI tiny fixture to a temporary folder and writes the `config.json` transformers.js needs. */
export function copyGenaiFixtureForTransformers(): GenaiFixtureCopy {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'localscribe-genai-tiny-'));
  cpSync(GENAI_TINY_FIXTURE, dir, { recursive: true });
  const genai = JSON.parse(readFileSync(path.join(dir, 'genai_config.json'), 'utf8')) as {
    model: {
      bos_token_id: number;
      eos_token_id: number | number[];
      pad_token_id: number;
      context_length: number;
      vocab_size: number;
      decoder: {
        hidden_size: number;
        head_size: number;
        num_attention_heads: number;
        num_hidden_layers: number;
        num_key_value_heads: number;
      };
    };
  };
  const { model } = genai;
  const config = {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: model.decoder.hidden_size,
    head_dim: model.decoder.head_size,
    num_attention_heads: model.decoder.num_attention_heads,
    num_hidden_layers: model.decoder.num_hidden_layers,
    num_key_value_heads: model.decoder.num_key_value_heads,
    vocab_size: model.vocab_size,
    max_position_embeddings: model.context_length,
    bos_token_id: model.bos_token_id,
    eos_token_id: model.eos_token_id,
    pad_token_id: model.pad_token_id,
    torch_dtype: 'float16',
    use_cache: true,
  };
  writeFileSync(path.join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return {
    dir,
    fromPretrainedOptions: {
      local_files_only: true,
      device: 'cpu',
      dtype: 'fp32',
      subfolder: '',
      model_file_name: 'model',
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
