/**
 * What a generated copy of a real Phi-3 export consists of: the model's dimensions at a size, its graph, the ONNX
 * file names and header, and the configuration files beside them. One file per export implements it.
 */
import { GraphSource } from '../onnx-model-writer';
import { MODEL_SIZES, ModelSize, Phi3Config } from '../model-sizes';
import { OpsetImport } from '../../localhost-engine/onnx/write';

/** The graph file, its external data, and the ModelProto header fields the exporter wrote. */
export interface OnnxFileFormat {
  /** Folder of the graph inside the model folder ('' or 'onnx'). */
  subdir: string;
  modelFileName: string;
  dataFileName: string;
  irVersion: number;
  opsetImports: readonly OpsetImport[];
  producerName: string;
  producerVersion: string;
}

export interface RealLayout {
  /** One line: which download it copies. */
  description: string;
  /** The model's dimensions at a generated size. */
  config(size: ModelSize): Phi3Config;
  graph(c: Phi3Config): GraphSource;
  file: OnnxFileFormat;
  /** Writes the folder's JSON and tokenizer files (the graph is written separately). */
  writeConfigs(dir: string, c: Phi3Config): void;
}

/**
 * Phi-3-mini's dimensions at `size`. Phi-3-mini has as many key/value heads as query heads, so the tiny copy has
 * too (the builder would otherwise add its repeat_kv subgraph in front of MultiHeadAttention).
 */
export function phi3MiniConfig(size: ModelSize): Phi3Config {
  const c = MODEL_SIZES[size];
  return { ...c, numKeyValueHeads: c.numAttentionHeads };
}

/**
 * The model builder's ModelProto header for a graph file name: in 2024 helper.make_model with opset 14 and IR 7,
 * today onnx_ir with opset 21 and IR 10.
 */
export function builderFile(
  year: 2024 | 2025,
  subdir: string,
  modelFileName: string,
  dataFileName: string,
): OnnxFileFormat {
  return {
    subdir,
    modelFileName,
    dataFileName,
    irVersion: year === 2024 ? 7 : 10,
    opsetImports: [
      { domain: '', version: year === 2024 ? 14 : 21 },
      { domain: 'com.microsoft', version: 1 },
    ],
    producerName: 'onnxruntime-genai',
    producerVersion: year === 2024 ? '0.0.0' : '',
  };
}
