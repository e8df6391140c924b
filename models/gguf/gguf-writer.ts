/**
 * A GGUF (version 3) writer, as llama.cpp reads the format (ggml's docs/gguf.md and gguf-py's GGUFWriter): the
 * header, typed metadata, tensor infos with offsets into an aligned data section, then the tensors streamed chunk
 * by chunk, so a multi-gigabyte file is written without holding its weights in memory.
 */
import * as fs from 'node:fs';

/** GGUF metadata value types (gguf.md's gguf_metadata_value_type). */
export const GgufType = {
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
} as const;

/** The ggml tensor types this writer emits, with their block size and bytes per block. */
export const GgmlType = {
  F32: { id: 0, blockSize: 1, blockBytes: 4 },
  Q4_0: { id: 2, blockSize: 32, blockBytes: 18 },
} as const;
export type GgmlTypeInfo = (typeof GgmlType)[keyof typeof GgmlType];

export type GgufValue =
  | { type: 'u32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'f32[]'; value: ArrayLike<number> }
  | { type: 'i32[]'; value: ArrayLike<number> };

export interface GgufTensor {
  name: string;
  /** ggml's ne order: the innermost (row) dimension first. */
  dims: readonly number[];
  type: GgmlTypeInfo;
  /** Produces exactly `tensorBytes(type, dims)` bytes across its chunks. */
  chunks(): Iterable<Uint8Array>;
}

/** Default `general.alignment` of GGUF. */
export const GGUF_ALIGNMENT = 32;

/** Bytes of a tensor of `type` and `dims`; throws if its rows are not whole blocks. */
export function tensorBytes(type: GgmlTypeInfo, dims: readonly number[]): number {
  if (dims[0] % type.blockSize !== 0) throw new Error(`row of ${dims[0]} is not a whole number of blocks`);
  return (dims.reduce((a, d) => a * d, 1) / type.blockSize) * type.blockBytes;
}

/** Accumulates little-endian binary fields. */
class BinaryWriter {
  private readonly parts: Buffer[] = [];
  length = 0;

  private push(b: Buffer): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }

  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return this.push(b);
  }

  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return this.push(b);
  }

  u64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    return this.push(b);
  }

  f32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    return this.push(b);
  }

  bytes(b: Buffer): this {
    return this.push(b);
  }

  string(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.u64(b.length).push(b);
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function writeValue(w: BinaryWriter, v: GgufValue): void {
  switch (v.type) {
    case 'u32':
      w.u32(GgufType.UINT32).u32(v.value);
      break;
    case 'f32':
      w.u32(GgufType.FLOAT32).f32(v.value);
      break;
    case 'bool':
      w.u32(GgufType.BOOL).bytes(Buffer.of(v.value ? 1 : 0));
      break;
    case 'string':
      w.u32(GgufType.STRING).string(v.value);
      break;
    case 'string[]':
      w.u32(GgufType.ARRAY).u32(GgufType.STRING).u64(v.value.length);
      for (const s of v.value) w.string(s);
      break;
    case 'f32[]':
      w.u32(GgufType.ARRAY).u32(GgufType.FLOAT32).u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) w.f32(v.value[i]);
      break;
    case 'i32[]':
      w.u32(GgufType.ARRAY).u32(GgufType.INT32).u64(v.value.length);
      for (let i = 0; i < v.value.length; i++) w.i32(v.value[i]);
      break;
  }
}

const padTo = (n: number, align: number) => (align - (n % align)) % align;

/**
 * Writes a GGUF file: `metadata` in order, then `tensors` (each aligned to GGUF_ALIGNMENT). Throws if a tensor
 * yields a byte count different from its declared type and shape. Returns the file's size in bytes.
 */
export function writeGguf(
  file: string,
  metadata: readonly [string, GgufValue][],
  tensors: readonly GgufTensor[],
): number {
  const header = new BinaryWriter()
    .bytes(Buffer.from('GGUF', 'ascii'))
    .u32(3)
    .u64(tensors.length)
    .u64(metadata.length);
  for (const [key, value] of metadata) {
    header.string(key);
    writeValue(header, value);
  }
  let offset = 0;
  const sizes = tensors.map((t) => tensorBytes(t.type, t.dims));
  tensors.forEach((t, i) => {
    header.string(t.name).u32(t.dims.length);
    for (const d of t.dims) header.u64(d);
    header.u32(t.type.id).u64(offset);
    offset += sizes[i] + padTo(sizes[i], GGUF_ALIGNMENT);
  });
  const fd = fs.openSync(file, 'w');
  try {
    const head = header.finish();
    fs.writeSync(fd, head);
    fs.writeSync(fd, Buffer.alloc(padTo(head.length, GGUF_ALIGNMENT)));
    tensors.forEach((t, i) => {
      let written = 0;
      for (const chunk of t.chunks()) {
        fs.writeSync(fd, chunk);
        written += chunk.byteLength;
      }
      if (written !== sizes[i]) throw new Error(`${t.name}: produced ${written} bytes, expected ${sizes[i]}`);
      fs.writeSync(fd, Buffer.alloc(padTo(written, GGUF_ALIGNMENT)));
    });
  } finally {
    fs.closeSync(fd);
  }
  return fs.statSync(file).size;
}
