/**
 * The files beside the graph in a real export's folder: the Phi-3 tokenizer files, Hugging Face's config.json and
 * generation_config.json, and onnxruntime-genai's genai_config.json as the model builder writes it
 * (builder.py's make_genai_config, save_processing).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Phi3Config } from '../model-sizes';
import { LongRope } from '../graph/rotary-caches';
import { PHI3_TOKENIZER_DIR } from '../phi3-tokenizer-dir';

const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'] as const;

const BOS = 1;
const ENDOFTEXT = 32000; // <|endoftext|>, also the pad token
// Phi-3-mini-4k-instruct's generation_config.json (<|endoftext|>, <|assistant|>, <|end|>, as public write-ups and
// genai_configs quote it; the file was not readable here); the builder copies it into genai_config.json.
const EOS = [32000, 32001, 32007];

/** Phi-3-mini-4k-instruct's config.json says sliding_window 2047 (Phi-3.5-mini-instruct's: 262144). */
export const PHI3_SLIDING_WINDOW = 2047;

/** Writes `value` as indented JSON with a final newline. */
export function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Copies tokenizer.json, tokenizer_config.json and special_tokens_map.json into `dir`. */
export function copyTokenizerFiles(dir: string): void {
  for (const f of TOKENIZER_FILES) fs.copyFileSync(path.join(PHI3_TOKENIZER_DIR, f), path.join(dir, f));
}

/**
 * Copies the tokenizer files and writes added_tokens.json (the tokens from id 32000 on, keys sorted, as
 * transformers' save_pretrained writes it).
 */
export function writeTokenizerFiles(dir: string): void {
  copyTokenizerFiles(dir);
  const tokenizer = JSON.parse(fs.readFileSync(path.join(PHI3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8')) as {
    added_tokens: { id: number; content: string }[];
  };
  const added = tokenizer.added_tokens
    .filter((t) => t.id >= ENDOFTEXT)
    .sort((a, b) => (a.content < b.content ? -1 : 1));
  writeJson(path.join(dir, 'added_tokens.json'), Object.fromEntries(added.map((t) => [t.content, t.id])));
}

/** The Hugging Face config.json of Phi-3-mini-4k-instruct (or Phi-3.5-mini-instruct, with its rope_scaling). */
export function phi3HfConfig(c: Phi3Config, rope: LongRope | null, extra: object = {}): object {
  return {
    _name_or_path: rope ? 'microsoft/Phi-3.5-mini-instruct' : 'microsoft/Phi-3-mini-4k-instruct',
    architectures: ['Phi3ForCausalLM'],
    attention_bias: false,
    attention_dropout: 0.0,
    bos_token_id: BOS,
    embd_pdrop: 0.0,
    eos_token_id: ENDOFTEXT,
    hidden_act: 'silu',
    hidden_size: c.hiddenSize,
    initializer_range: 0.02,
    intermediate_size: c.intermediateSize,
    max_position_embeddings: c.maxPositionEmbeddings,
    model_type: 'phi3',
    num_attention_heads: c.numAttentionHeads,
    num_hidden_layers: c.numHiddenLayers,
    num_key_value_heads: c.numKeyValueHeads,
    original_max_position_embeddings: rope ? rope.originalMaxPositionEmbeddings : c.maxPositionEmbeddings,
    pad_token_id: ENDOFTEXT,
    resid_pdrop: 0.0,
    rms_norm_eps: c.rmsNormEps,
    rope_scaling: rope
      ? { long_factor: rope.longFactor, short_factor: rope.shortFactor, type: 'longrope' }
      : null,
    rope_theta: c.ropeTheta,
    sliding_window: rope ? 262144 : PHI3_SLIDING_WINDOW,
    tie_word_embeddings: false,
    torch_dtype: 'bfloat16',
    use_cache: true,
    vocab_size: c.vocabSize,
    ...extra,
  };
}

/** generation_config.json of Phi-3-mini-4k-instruct. */
export function phi3GenerationConfig(): object {
  return { bos_token_id: BOS, eos_token_id: EOS, pad_token_id: ENDOFTEXT };
}

export interface GenaiConfigOptions {
  filename: string;
  positionIds: boolean;
  /** builder.py: true exactly when the attention op is GroupQueryAttention. */
  pastPresentShareBuffer: boolean;
  /** Execution provider options written for non-CPU targets (`{ dml: {} }`). */
  provider: 'dml' | null;
  /** The 2024 builder hard-coded top_k 1; today's takes generation_config's, 50 by default. */
  topK: number;
  /** Stop tokens (default: Phi-3-mini-4k-instruct's generation_config). */
  eos?: readonly number[];
}

/** genai_config.json as the model builder writes it for Phi-3. */
export function phi3GenaiConfig(c: Phi3Config, o: GenaiConfigOptions): object {
  return {
    model: {
      bos_token_id: BOS,
      context_length: c.maxPositionEmbeddings,
      decoder: {
        session_options: {
          log_id: 'onnxruntime-genai',
          provider_options: o.provider ? [{ [o.provider]: {} }] : [],
        },
        filename: o.filename,
        head_size: c.headSize,
        hidden_size: c.hiddenSize,
        inputs: {
          input_ids: 'input_ids',
          attention_mask: 'attention_mask',
          ...(o.positionIds ? { position_ids: 'position_ids' } : {}),
          past_key_names: 'past_key_values.%d.key',
          past_value_names: 'past_key_values.%d.value',
        },
        outputs: {
          logits: 'logits',
          present_key_names: 'present.%d.key',
          present_value_names: 'present.%d.value',
        },
        num_attention_heads: c.numAttentionHeads,
        num_hidden_layers: c.numHiddenLayers,
        num_key_value_heads: c.numKeyValueHeads,
      },
      eos_token_id: o.eos ?? EOS,
      pad_token_id: ENDOFTEXT,
      type: 'phi3',
      vocab_size: c.vocabSize,
    },
    search: {
      diversity_penalty: 0.0,
      do_sample: false,
      early_stopping: true,
      length_penalty: 1.0,
      max_length: c.maxPositionEmbeddings,
      min_length: 0,
      no_repeat_ngram_size: 0,
      num_beams: 1,
      num_return_sequences: 1,
      past_present_share_buffer: o.pastPresentShareBuffer,
      repetition_penalty: 1.0,
      temperature: 1.0,
      top_k: o.topK,
      top_p: 1.0,
    },
  };
}

/** The files of a GenAI folder beside its graph: tokenizer files, config.json and genai_config.json. */
export function writeGenaiFolderFiles(dir: string, c: Phi3Config, o: GenaiConfigOptions): void {
  writeTokenizerFiles(dir);
  writeJson(path.join(dir, 'config.json'), phi3HfConfig(c, null));
  writeJson(path.join(dir, 'genai_config.json'), phi3GenaiConfig(c, o));
}

/**
 * The files of a transformers.js folder beside `onnx/model_<dtype>.onnx`: tokenizer files, config.json with the
 * loading hints (transformers.js 4.3 loads `<file>_data` beside the graph when use_external_data_format names
 * the file) and generation_config.json.
 */
export function writeTransformersFolderFiles(
  dir: string,
  c: Phi3Config,
  o: { dtype: string; kvCacheType: 'float32' | 'float16'; rope: LongRope | null },
): void {
  writeTokenizerFiles(dir);
  const hints = {
    dtype: o.dtype,
    kv_cache_dtype: { [o.dtype]: o.kvCacheType },
    use_external_data_format: { [`model_${o.dtype}.onnx`]: 1 },
  };
  writeJson(path.join(dir, 'config.json'), phi3HfConfig(c, o.rope, { 'transformers.js_config': hints }));
  writeJson(path.join(dir, 'generation_config.json'), phi3GenerationConfig());
}
