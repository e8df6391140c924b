/**
 * A minimal ONNX protobuf encoder: just the messages a decoder graph needs (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto with external data, ValueInfoProto with symbolic dimensions, opset imports).
 * Field numbers follow onnx/onnx.proto; a model that onnxruntime loads and runs is the test of the encoding.
 *
 * It encodes only: nothing here parses ONNX. Messages are small (weights live in external data or in
 * `rawData` of modest size), so each message is built as a Buffer and nested by length prefix.
 */

/** TensorProto.DataType values used by the generator. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
} as const;
export type DataTypeValue = (typeof DataType)[keyof typeof DataType];

/** Bytes per element of each supported data type. */
export const BYTES_PER_ELEMENT: Record<DataTypeValue, number> = {
  1: 4,
  2: 1,
  3: 1,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
};

/** A tensor stored in the external data file (TensorProto.data_location = EXTERNAL). */
export interface ExternalDataRef {
  location: string;
  offset: number;
  length: number;
}

/** TensorProto: either raw bytes inline or a reference into an external data file. */
export interface TensorSpec {
  name: string;
  dataType: DataTypeValue;
  dims: readonly number[];
  rawData?: Uint8Array;
  external?: ExternalDataRef;
}

/** A dimension is a fixed size or a symbolic name (dim_param). */
export type Dim = number | string;

/** ValueInfoProto for a tensor-typed graph input or output. */
export interface ValueInfoSpec {
  name: string;
  elemType: DataTypeValue;
  shape: readonly Dim[];
}

/** AttributeProto, tagged by kind because JavaScript numbers do not say int or float. */
export type AttributeSpec =
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'string'; value: string }
  | { name: string; kind: 'ints'; value: readonly number[] }
  | { name: string; kind: 'floats'; value: readonly number[] };

/** NodeProto. An empty string in `inputs`/`outputs` marks an omitted optional slot. */
export interface NodeSpec {
  name: string;
  opType: string;
  domain?: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: readonly AttributeSpec[];
}

export interface GraphSpec {
  name: string;
  nodes: readonly NodeSpec[];
  initializers: readonly TensorSpec[];
  inputs: readonly ValueInfoSpec[];
  outputs: readonly ValueInfoSpec[];
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface ModelSpec {
  irVersion: number;
  opsetImports: readonly OpsetImport[];
  producerName: string;
  producerVersion: string;
  graph: GraphSpec;
  metadata?: Readonly<Record<string, string>>;
}

// Protobuf wire types.
const VARINT = 0;
const FIXED32 = 5;
const LENGTH_DELIMITED = 2;

/** Accumulates one protobuf message's fields. */
class MessageWriter {
  private readonly parts: Buffer[] = [];

  private tag(field: number, wireType: number): void {
    this.varintRaw(BigInt((field << 3) | wireType));
  }

  private varintRaw(value: bigint): void {
    // int64 fields encode negatives as 10-byte two's complement varints.
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.parts.push(Buffer.from(bytes));
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, VARINT);
    this.varintRaw(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value, 0);
    this.parts.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.varintRaw(BigInt(value.byteLength));
    this.parts.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, value: Buffer): this {
    return this.bytes(field, value);
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function encodeStringStringEntry(key: string, value: string): Buffer {
  return new MessageWriter().string(1, key).string(2, value).finish();
}

/** Encodes a TensorProto (dims=1, data_type=2, name=8, raw_data=9, external_data=13, data_location=14). */
export function encodeTensor(t: TensorSpec): Buffer {
  const w = new MessageWriter();
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.dataType);
  w.string(8, t.name);
  if (t.external) {
    w.message(13, encodeStringStringEntry('location', t.external.location));
    w.message(13, encodeStringStringEntry('offset', String(t.external.offset)));
    w.message(13, encodeStringStringEntry('length', String(t.external.length)));
    w.int(14, 1);
  } else {
    w.bytes(9, t.rawData ?? new Uint8Array(0));
  }
  return w.finish();
}

/** Encodes an AttributeProto (name=1, f=2, i=3, s=4, floats=7, ints=8, type=20). */
function encodeAttribute(a: AttributeSpec): Buffer {
  const w = new MessageWriter().string(1, a.name);
  switch (a.kind) {
    case 'float':
      w.float(2, a.value).int(20, 1);
      break;
    case 'int':
      w.int(3, a.value).int(20, 2);
      break;
    case 'string':
      w.string(4, a.value).int(20, 3);
      break;
    case 'floats':
      for (const v of a.value) w.float(7, v);
      w.int(20, 6);
      break;
    case 'ints':
      for (const v of a.value) w.int(8, v);
      w.int(20, 7);
      break;
  }
  return w.finish();
}

/** Encodes a NodeProto (input=1, output=2, name=3, op_type=4, attribute=5, domain=7). */
export function encodeNode(n: NodeSpec): Buffer {
  const w = new MessageWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, encodeAttribute(a));
  if (n.domain) w.string(7, n.domain);
  return w.finish();
}

/** Encodes a ValueInfoProto: name=1, type=2 → TypeProto.tensor_type=1 → {elem_type=1, shape=2 → dim=1}. */
export function encodeValueInfo(v: ValueInfoSpec): Buffer {
  const shape = new MessageWriter();
  for (const d of v.shape) {
    const dim = new MessageWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim.finish());
  }
  const tensorType = new MessageWriter().int(1, v.elemType).message(2, shape.finish()).finish();
  const type = new MessageWriter().message(1, tensorType).finish();
  return new MessageWriter().string(1, v.name).message(2, type).finish();
}

/** Encodes a GraphProto (node=1, name=2, initializer=5, input=11, output=12). */
function encodeGraph(g: GraphSpec): Buffer {
  const w = new MessageWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.string(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const i of g.inputs) w.message(11, encodeValueInfo(i));
  for (const o of g.outputs) w.message(12, encodeValueInfo(o));
  return w.finish();
}

/**
 * Encodes a ModelProto (ir_version=1, producer_name=2, producer_version=3, graph=7, opset_import=8,
 * metadata_props=14). The result must stay under protobuf's 2 GB limit: large tensors belong in external data.
 */
export function encodeModel(m: ModelSpec): Buffer {
  const w = new MessageWriter().int(1, m.irVersion).string(2, m.producerName).string(3, m.producerVersion);
  w.message(7, encodeGraph(m.graph));
  for (const o of m.opsetImports) {
    w.message(8, new MessageWriter().string(1, o.domain).int(2, o.version).finish());
  }
  for (const [k, v] of Object.entries(m.metadata ?? {})) w.message(14, encodeStringStringEntry(k, v));
  return w.finish();
}
