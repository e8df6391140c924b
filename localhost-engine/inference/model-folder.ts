/**
 * Finds out what a model folder holds, in either of the two layouts the guide names, without loading it.
 * Everything the token loop needs to know about the graph (file, context, stop tokens) comes from here.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export type ModelLayout = 'transformers' | 'genai';

export interface ModelFolder {
  /** A stable, human-readable id for health and `start` events. */
  id: string;
  dir: string;
  layout: ModelLayout;
  /** Absolute path of the decoder graph. */
  modelFile: string;
  /** External weight files next to the graph (`.onnx_data`, `.onnx.data`). */
  externalDataFiles: string[];
  /** The dtype suffix of a transformers.js graph (`q4`, `q4f16`, …), or null for GenAI. */
  dtype: string | null;
  contextLength: number;
  /** Token ids that end generation. */
  eosTokenIds: number[];
  /** Decoder sizes from the folder's config, where it says them (the graph's metadata is checked at load). */
  layers: number | null;
  kvHeads: number | null;
  headSize: number | null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A model folder that cannot be used, with a message that says what is wrong and where. */
export class ModelFolderError extends Error {
  constructor(
    readonly code: 'model_missing' | 'model_invalid',
    message: string,
  ) {
    super(message);
    this.name = 'ModelFolderError';
  }
}

/** Phi-3's stop tokens: `<|endoftext|>` and `<|end|>`. */
export const PHI3_EOS_IDS = [32000, 32007];

/** The transformers.js graph variants in the order each device prefers them. */
const DTYPE_PREFERENCE: Record<'cpu' | 'gpu', string[]> = {
  cpu: ['q4', 'int8', 'uint8', 'quantized', 'q4f16', 'fp32', 'fp16'],
  gpu: ['q4f16', 'fp16', 'q4', 'fp32', 'int8', 'uint8', 'quantized'],
};

async function readJson(file: string): Promise<Record<string, unknown>> {
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ModelFolderError('model_invalid', `Cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch (err) {
    throw new ModelFolderError('model_invalid', `${file} is not valid JSON (${(err as Error).message}).`);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

async function nonEmptyFile(file: string, what: string): Promise<void> {
  let size: number;
  try {
    size = (await fs.stat(file)).size;
  } catch {
    throw new ModelFolderError(
      'model_invalid',
      `The model folder is incomplete: ${what} (${file}) is missing.`,
    );
  }
  if (size === 0) {
    throw new ModelFolderError('model_invalid', `${what} (${file}) is empty; download the model again.`);
  }
}

function toIdList(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.filter((v): v is number => typeof v === 'number');
  return [];
}

async function externalDataBeside(modelFile: string): Promise<string[]> {
  const dir = path.dirname(modelFile);
  const base = path.basename(modelFile);
  const names = await fs.readdir(dir);
  return names
    .filter((n) => n !== base && n.startsWith(base) && /^(\.data|_data)(_\d+)?$/.test(n.slice(base.length)))
    .map((n) => path.join(dir, n))
    .sort();
}

/**
 * Inspects `dir` and describes the model in it.
 *
 * Guarantees: the graph file and tokenizer exist and are non-empty; the result names the stop tokens (the
 * folder's own plus Phi-3's) and the context length.
 * @throws ModelFolderError `model_missing` when the folder does not exist or holds no model, `model_invalid`
 *   when it holds a model with missing, empty or unreadable parts.
 */
export async function inspectModelFolder(dir: string, device: 'cpu' | 'gpu' = 'cpu'): Promise<ModelFolder> {
  const abs = path.resolve(dir);
  let stat;
  try {
    stat = await fs.stat(abs);
  } catch {
    throw new ModelFolderError('model_missing', `No model folder at ${abs}.`);
  }
  if (!stat.isDirectory()) throw new ModelFolderError('model_invalid', `${abs} is not a folder.`);

  const genaiConfigFile = path.join(abs, 'genai_config.json');
  const id = path.basename(abs);
  if (await exists(genaiConfigFile)) {
    const genai = await readJson(genaiConfigFile);
    const model = (genai.model ?? {}) as Record<string, unknown>;
    const decoder = (model.decoder ?? {}) as Record<string, unknown>;
    const filename = typeof decoder.filename === 'string' ? decoder.filename : 'model.onnx';
    const modelFile = path.join(abs, filename);
    await nonEmptyFile(modelFile, 'the model graph');
    await nonEmptyFile(path.join(abs, 'tokenizer.json'), 'the tokenizer');
    const eos = toIdList(model.eos_token_id);
    return {
      id,
      dir: abs,
      layout: 'genai',
      modelFile,
      externalDataFiles: await externalDataBeside(modelFile),
      dtype: null,
      contextLength: typeof model.context_length === 'number' ? model.context_length : 4096,
      eosTokenIds: [...new Set([...eos, ...PHI3_EOS_IDS])],
      layers: num(decoder.num_hidden_layers),
      kvHeads: num(decoder.num_key_value_heads),
      headSize: num(decoder.head_size),
    };
  }

  const configFile = path.join(abs, 'config.json');
  if (await exists(configFile)) {
    const config = await readJson(configFile);
    const onnxDir = path.join(abs, 'onnx');
    const names = (await exists(onnxDir)) ? await fs.readdir(onnxDir) : [];
    const dtypes = names
      .map((n) => /^model(?:_(.+))?\.onnx$/.exec(n))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => m[1] ?? 'fp32');
    const dtype = DTYPE_PREFERENCE[device].find((d) => dtypes.includes(d)) ?? dtypes[0];
    if (!dtype) {
      throw new ModelFolderError(
        'model_invalid',
        `${abs} has a config.json but no onnx/model_<dtype>.onnx graph (expected e.g. onnx/model_q4.onnx).`,
      );
    }
    const modelFile = path.join(onnxDir, dtype === 'fp32' ? 'model.onnx' : `model_${dtype}.onnx`);
    await nonEmptyFile(modelFile, 'the model graph');
    await nonEmptyFile(path.join(abs, 'tokenizer.json'), 'the tokenizer');
    const generation = (await exists(path.join(abs, 'generation_config.json')))
      ? await readJson(path.join(abs, 'generation_config.json'))
      : {};
    const eos = [...toIdList(config.eos_token_id), ...toIdList(generation.eos_token_id)];
    const context = config.max_position_embeddings ?? config.n_positions;
    return {
      id: typeof config._name_or_path === 'string' && config._name_or_path ? config._name_or_path : id,
      dir: abs,
      layout: 'transformers',
      modelFile,
      externalDataFiles: await externalDataBeside(modelFile),
      dtype,
      contextLength: typeof context === 'number' ? context : 4096,
      eosTokenIds: [...new Set([...eos, ...PHI3_EOS_IDS])],
      layers: num(config.num_hidden_layers),
      kvHeads: num(config.num_key_value_heads) ?? num(config.num_attention_heads),
      headSize:
        num(config.head_dim) ??
        (num(config.hidden_size) && num(config.num_attention_heads)
          ? (config.hidden_size as number) / (config.num_attention_heads as number)
          : null),
    };
  }

  const entries = await fs.readdir(abs);
  throw new ModelFolderError(
    entries.length === 0 ? 'model_missing' : 'model_invalid',
    entries.length === 0
      ? `The model folder ${abs} is empty.`
      : `${abs} is not a model folder: it has neither genai_config.json (ONNX Runtime GenAI layout) nor config.json with onnx/model_<dtype>.onnx (transformers.js layout).`,
  );
}
