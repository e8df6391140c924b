/**
 * ONNX messages from plain specs: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto (inline or
 * external data), ValueInfoProto with symbolic dimensions. The graph rewrites encode their new nodes with it and
 * the test-model generator whole models; a model that onnxruntime loads and runs is the test of the encoding.
 */
import {
  ATTRIBUTE,
  ATTRIBUTE_TYPE,
  DIMENSION,
  GRAPH,
  MODEL,
  NODE,
  OPSET,
  SHAPE,
  TENSOR,
  TENSOR_TYPE,
  TYPE,
  VALUE_INFO,
  type DataTypeValue,
} from './schema';
import { MessageWriter } from './wire';

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
  | { name: string; kind: 'floats'; value: readonly number[] }
  | { name: string; kind: 'tensor'; value: TensorSpec }
  | { name: string; kind: 'graph'; value: GraphSpec | Uint8Array };

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

function encodeStringStringEntry(key: string, value: string): Buffer {
  return new MessageWriter().string(1, key).string(2, value).finish();
}

/** Encodes a TensorProto. */
export function encodeTensor(t: TensorSpec): Buffer {
  const w = new MessageWriter();
  for (const d of t.dims) w.int(TENSOR.dims, d);
  w.int(TENSOR.dataType, t.dataType);
  w.string(TENSOR.name, t.name);
  if (t.external) {
    w.message(TENSOR.externalData, encodeStringStringEntry('location', t.external.location));
    w.message(TENSOR.externalData, encodeStringStringEntry('offset', String(t.external.offset)));
    w.message(TENSOR.externalData, encodeStringStringEntry('length', String(t.external.length)));
    w.int(TENSOR.dataLocation, 1);
  } else {
    w.bytes(TENSOR.rawData, t.rawData ?? new Uint8Array(0));
  }
  return w.finish();
}

/** Encodes an AttributeProto; a graph attribute given as bytes is an already encoded GraphProto. */
export function encodeAttribute(a: AttributeSpec): Buffer {
  const w = new MessageWriter().string(ATTRIBUTE.name, a.name);
  switch (a.kind) {
    case 'float':
      w.float(ATTRIBUTE.f, a.value).int(ATTRIBUTE.type, ATTRIBUTE_TYPE.float);
      break;
    case 'int':
      w.int(ATTRIBUTE.i, a.value).int(ATTRIBUTE.type, ATTRIBUTE_TYPE.int);
      break;
    case 'string':
      w.string(ATTRIBUTE.s, a.value).int(ATTRIBUTE.type, ATTRIBUTE_TYPE.string);
      break;
    case 'floats':
      for (const v of a.value) w.float(ATTRIBUTE.floats, v);
      w.int(ATTRIBUTE.type, ATTRIBUTE_TYPE.floats);
      break;
    case 'ints':
      for (const v of a.value) w.int(ATTRIBUTE.ints, v);
      w.int(ATTRIBUTE.type, ATTRIBUTE_TYPE.ints);
      break;
    case 'tensor':
      w.message(ATTRIBUTE.t, encodeTensor(a.value)).int(ATTRIBUTE.type, ATTRIBUTE_TYPE.tensor);
      break;
    case 'graph':
      w.message(ATTRIBUTE.g, a.value instanceof Uint8Array ? a.value : encodeGraph(a.value));
      w.int(ATTRIBUTE.type, ATTRIBUTE_TYPE.graph);
      break;
  }
  return w.finish();
}

/** Encodes a NodeProto. */
export function encodeNode(n: NodeSpec): Buffer {
  const w = new MessageWriter();
  for (const i of n.inputs) w.string(NODE.input, i);
  for (const o of n.outputs) w.string(NODE.output, o);
  w.string(NODE.name, n.name).string(NODE.opType, n.opType);
  for (const a of n.attributes ?? []) w.message(NODE.attribute, encodeAttribute(a));
  if (n.domain) w.string(NODE.domain, n.domain);
  return w.finish();
}

/** Encodes a ValueInfoProto of a tensor with fixed or symbolic dimensions. */
export function encodeValueInfo(v: ValueInfoSpec): Buffer {
  const shape = new MessageWriter();
  for (const d of v.shape) {
    const dim = new MessageWriter();
    if (typeof d === 'number') dim.int(DIMENSION.value, d);
    else dim.string(DIMENSION.param, d);
    shape.message(SHAPE.dim, dim.finish());
  }
  const tensorType = new MessageWriter()
    .int(TENSOR_TYPE.elemType, v.elemType)
    .message(TENSOR_TYPE.shape, shape.finish())
    .finish();
  const type = new MessageWriter().message(TYPE.tensorType, tensorType).finish();
  return new MessageWriter().string(VALUE_INFO.name, v.name).message(VALUE_INFO.type, type).finish();
}

/** Encodes a GraphProto. */
export function encodeGraph(g: GraphSpec): Buffer {
  const w = new MessageWriter();
  for (const n of g.nodes) w.message(GRAPH.node, encodeNode(n));
  w.string(GRAPH.name, g.name);
  for (const t of g.initializers) w.message(GRAPH.initializer, encodeTensor(t));
  for (const i of g.inputs) w.message(GRAPH.input, encodeValueInfo(i));
  for (const o of g.outputs) w.message(GRAPH.output, encodeValueInfo(o));
  return w.finish();
}

/**
 * Encodes a ModelProto. The result must stay under protobuf's 2 GB limit: large tensors belong in external data.
 */
export function encodeModel(m: ModelSpec): Buffer {
  const w = new MessageWriter()
    .int(MODEL.irVersion, m.irVersion)
    .string(MODEL.producerName, m.producerName)
    .string(MODEL.producerVersion, m.producerVersion);
  w.message(MODEL.graph, encodeGraph(m.graph));
  for (const o of m.opsetImports) {
    w.message(
      MODEL.opsetImport,
      new MessageWriter().string(OPSET.domain, o.domain).int(OPSET.version, o.version).finish(),
    );
  }
  for (const [k, v] of Object.entries(m.metadata ?? {}))
    w.message(MODEL.metadata, encodeStringStringEntry(k, v));
  return w.finish();
}
