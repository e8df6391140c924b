/**
 * Typed views of a serialized ONNX model, read in place: a graph's nodes, inputs, outputs and initializer names,
 * a node's attributes. Nothing is decoded that a caller does not ask for; weights are never read.
 */
import {
  ATTRIBUTE,
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
} from './schema';
import { fields, readVarint, signedVarint, WIRE, type Field } from './wire';

const text = new TextDecoder();

/** The text of a message's string field `number` ('' when absent). */
export function stringField(bytes: Uint8Array, message: Field, number: number): string {
  for (const v of fields(bytes, message.payloadStart, message.end)) {
    if (v.number === number) return text.decode(bytes.subarray(v.payloadStart, v.end));
  }
  return '';
}

/** A message's repeated string field `number`, in order (a NodeProto's inputs or outputs). */
export function repeatedStrings(bytes: Uint8Array, message: Field, number: number): string[] {
  const out: string[] = [];
  for (const f of fields(bytes, message.payloadStart, message.end)) {
    if (f.number === number && f.wireType === WIRE.lengthDelimited)
      out.push(text.decode(bytes.subarray(f.payloadStart, f.end)));
  }
  return out;
}

/** The fields of message `parent` numbered `number` (its sub-messages), in order. */
function* children(bytes: Uint8Array, parent: Field, number: number): Generator<Field> {
  for (const f of fields(bytes, parent.payloadStart, parent.end)) {
    if (f.number === number && f.wireType === WIRE.lengthDelimited) yield f;
  }
}

export interface TensorType {
  elemType: number;
  /** Fixed sizes, or null for symbolic dimensions. */
  dims: Array<number | null>;
}

/** A ValueInfoProto's element type and dimensions. */
export function valueInfoType(bytes: Uint8Array, info: Field): TensorType {
  let elemType = 0;
  const dims: Array<number | null> = [];
  for (const type of children(bytes, info, VALUE_INFO.type)) {
    for (const tensor of children(bytes, type, TYPE.tensorType)) {
      for (const e of fields(bytes, tensor.payloadStart, tensor.end)) {
        if (e.number === TENSOR_TYPE.elemType && e.wireType === WIRE.varint)
          elemType = readVarint(bytes, e.payloadStart).value;
      }
      for (const shape of children(bytes, tensor, TENSOR_TYPE.shape)) {
        for (const d of children(bytes, shape, SHAPE.dim)) {
          let value: number | null = null;
          for (const x of fields(bytes, d.payloadStart, d.end)) {
            if (x.number === DIMENSION.value && x.wireType === WIRE.varint)
              value = readVarint(bytes, x.payloadStart).value;
          }
          dims.push(value);
        }
      }
    }
  }
  return { elemType, dims };
}

/** The model's version of the default ONNX domain (0 when it imports none). */
export function defaultOpset(model: Uint8Array): number {
  let version = 0;
  for (const f of fields(model)) {
    if (f.number !== MODEL.opsetImport || f.wireType !== WIRE.lengthDelimited) continue;
    let domain = '';
    let v = 0;
    for (const x of fields(model, f.payloadStart, f.end)) {
      if (x.number === OPSET.domain) domain = text.decode(model.subarray(x.payloadStart, x.end));
      if (x.number === OPSET.version && x.wireType === WIRE.varint)
        v = readVarint(model, x.payloadStart).value;
    }
    if (domain === '' || domain === 'ai.onnx') version = v;
  }
  return version;
}

/**
 * The ModelProto's graph field.
 * @throws Error when the model has none (or the bytes are not a ModelProto).
 */
export function findGraph(model: Uint8Array): Field {
  let graph: Field | null = null;
  for (const f of fields(model))
    if (f.number === MODEL.graph && f.wireType === WIRE.lengthDelimited) graph = f;
  if (!graph) throw new Error('the model has no graph');
  return graph;
}

export interface NodeView {
  /** Where the NodeProto lies in the model's bytes. */
  field: Field;
  name: string;
  opType: string;
  domain: string;
  /** In order; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  ints: Map<string, number>;
  floats: Map<string, number>;
  /** Graph attributes (an If's then_branch and else_branch). */
  graphs: Map<string, Field>;
}

/** A NodeProto's name, op, inputs, outputs and attributes. */
export function readNode(bytes: Uint8Array, node: Field): NodeView {
  const view: NodeView = {
    field: node,
    name: '',
    opType: '',
    domain: '',
    inputs: [],
    outputs: [],
    ints: new Map(),
    floats: new Map(),
    graphs: new Map(),
  };
  for (const f of fields(bytes, node.payloadStart, node.end)) {
    if (f.wireType !== WIRE.lengthDelimited) continue;
    const value = (): string => text.decode(bytes.subarray(f.payloadStart, f.end));
    if (f.number === NODE.input) view.inputs.push(value());
    else if (f.number === NODE.output) view.outputs.push(value());
    else if (f.number === NODE.name) view.name = value();
    else if (f.number === NODE.opType) view.opType = value();
    else if (f.number === NODE.domain) view.domain = value();
    else if (f.number === NODE.attribute) {
      const name = stringField(bytes, f, ATTRIBUTE.name);
      for (const v of fields(bytes, f.payloadStart, f.end)) {
        if (v.number === ATTRIBUTE.i && v.wireType === WIRE.varint)
          view.ints.set(name, signedVarint(bytes, v.payloadStart));
        if (v.number === ATTRIBUTE.f && v.wireType === WIRE.fixed32)
          view.floats.set(
            name,
            new DataView(bytes.buffer, bytes.byteOffset + v.payloadStart, 4).getFloat32(0, true),
          );
        if (v.number === ATTRIBUTE.g && v.wireType === WIRE.lengthDelimited) view.graphs.set(name, v);
      }
    }
  }
  return view;
}

export interface ValueView extends TensorType {
  field: Field;
}

export interface GraphView {
  nodes: NodeView[];
  inputs: Map<string, ValueView>;
  outputs: Map<string, ValueView>;
  initializers: Set<string>;
}

/** A GraphProto's nodes in order, its inputs and outputs by name, and its initializers' names. */
export function readGraph(bytes: Uint8Array, graph: Field): GraphView {
  const view: GraphView = { nodes: [], inputs: new Map(), outputs: new Map(), initializers: new Set() };
  for (const f of fields(bytes, graph.payloadStart, graph.end)) {
    if (f.wireType !== WIRE.lengthDelimited) continue;
    if (f.number === GRAPH.node) view.nodes.push(readNode(bytes, f));
    else if (f.number === GRAPH.initializer) view.initializers.add(stringField(bytes, f, TENSOR.name));
    else if (f.number === GRAPH.input || f.number === GRAPH.output) {
      const map = f.number === GRAPH.input ? view.inputs : view.outputs;
      map.set(stringField(bytes, f, VALUE_INFO.name), { field: f, ...valueInfoType(bytes, f) });
    }
  }
  return view;
}

export interface GraphNode {
  name: string;
  opType: string;
  inputs: string[];
  /** Subgraphs (an If's then_branch and else_branch), by attribute name. */
  branches: Record<string, GraphNode[]>;
}

/** A graph's nodes with their subgraphs, recursively, and its output names. */
function tree(bytes: Uint8Array, graph: Field): { nodes: GraphNode[]; outputs: string[] } {
  const view = readGraph(bytes, graph);
  return {
    nodes: view.nodes.map((n) => ({
      name: n.name,
      opType: n.opType,
      inputs: n.inputs,
      branches: Object.fromEntries([...n.graphs].map(([k, g]) => [k, tree(bytes, g).nodes])),
    })),
    outputs: [...view.outputs.keys()],
  };
}

/** The main graph's nodes (with If branches) and output names. */
export function graphOf(model: Uint8Array): { nodes: GraphNode[]; outputs: string[] } {
  return tree(model, findGraph(model));
}
