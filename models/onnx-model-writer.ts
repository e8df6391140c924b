/**
 * Writes an ONNX model whose large initializers go to an external data file, streamed tensor by tensor and
 * chunk by chunk, so a multi-gigabyte model is written without holding its weights in memory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  encodeModel,
  ModelSpec,
  NodeSpec,
  OpsetImport,
  TensorSpec,
  ValueInfoSpec,
} from '../localhost-engine/onnx/write';
import { BYTES_PER_ELEMENT, DataTypeValue } from '../localhost-engine/onnx/schema';

/** An initializer whose bytes are produced lazily, in order, as little-endian chunks. */
export interface TensorSource {
  name: string;
  dataType: DataTypeValue;
  dims: readonly number[];
  /** Produces exactly `byteSize(dataType, dims)` bytes across its chunks. */
  chunks(): Iterable<Uint8Array>;
}

/** A graph whose initializers are still to be produced. */
export interface GraphSource {
  name: string;
  nodes: readonly NodeSpec[];
  initializers: readonly TensorSource[];
  inputs: readonly ValueInfoSpec[];
  outputs: readonly ValueInfoSpec[];
}

export interface WriteOnnxOptions {
  /** Folder to write into; it must exist. */
  dir: string;
  /** File name of the model, e.g. `model.onnx`. */
  modelFileName: string;
  /** File name of the external data, e.g. `model.onnx.data`; referenced relative to the model. */
  dataFileName: string;
  /** Initializers smaller than this many bytes stay inline in the .onnx (default 1024). */
  inlineBelowBytes?: number;
  irVersion: number;
  opsetImports: readonly OpsetImport[];
  producerName: string;
  producerVersion: string;
  metadata?: Readonly<Record<string, string>>;
}

export interface WrittenModel {
  modelPath: string;
  dataPath: string;
  modelBytes: number;
  dataBytes: number;
}

/** All of a tensor source's bytes in one buffer (for tensors small enough to hold). */
export function sourceBytes(t: TensorSource): Buffer {
  return Buffer.concat([...t.chunks()].map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));
}

/** Byte size of a dense tensor. */
export function byteSize(dataType: DataTypeValue, dims: readonly number[]): number {
  return dims.reduce((a, d) => a * d, 1) * BYTES_PER_ELEMENT[dataType];
}

// Page-aligned large tensors can be memory-mapped without a copy; small ones only need element alignment.
function alignmentFor(bytes: number): number {
  return bytes >= 65536 ? 4096 : 64;
}

/**
 * Writes `<dir>/<modelFileName>` and `<dir>/<dataFileName>`. Throws if a source yields a byte count different
 * from its declared shape, since a wrong length would only surface later as a load error far from its cause.
 */
export function writeOnnxModel(graph: GraphSource, options: WriteOnnxOptions): WrittenModel {
  const inlineBelow = options.inlineBelowBytes ?? 1024;
  const dataPath = path.join(options.dir, options.dataFileName);
  const modelPath = path.join(options.dir, options.modelFileName);
  const initializers: TensorSpec[] = [];
  const fd = fs.openSync(dataPath, 'w');
  let offset = 0;
  try {
    for (const t of graph.initializers) {
      const expected = byteSize(t.dataType, t.dims);
      if (expected < inlineBelow) {
        const raw = sourceBytes(t);
        if (raw.byteLength !== expected)
          throw new Error(`${t.name}: produced ${raw.byteLength} bytes, expected ${expected}`);
        initializers.push({ name: t.name, dataType: t.dataType, dims: t.dims, rawData: raw });
        continue;
      }
      const align = alignmentFor(expected);
      const padding = (align - (offset % align)) % align;
      if (padding > 0) {
        fs.writeSync(fd, Buffer.alloc(padding));
        offset += padding;
      }
      let written = 0;
      for (const chunk of t.chunks()) {
        fs.writeSync(fd, chunk);
        written += chunk.byteLength;
      }
      if (written !== expected) throw new Error(`${t.name}: produced ${written} bytes, expected ${expected}`);
      initializers.push({
        name: t.name,
        dataType: t.dataType,
        dims: t.dims,
        external: { location: options.dataFileName, offset, length: expected },
      });
      offset += expected;
    }
  } finally {
    fs.closeSync(fd);
  }
  const model: ModelSpec = {
    irVersion: options.irVersion,
    opsetImports: options.opsetImports,
    producerName: options.producerName,
    producerVersion: options.producerVersion,
    metadata: options.metadata,
    graph: {
      name: graph.name,
      nodes: graph.nodes,
      initializers,
      inputs: graph.inputs,
      outputs: graph.outputs,
    },
  };
  const encoded = encodeModel(model);
  fs.writeFileSync(modelPath, encoded);
  return { modelPath, dataPath, modelBytes: encoded.byteLength, dataBytes: offset };
}
