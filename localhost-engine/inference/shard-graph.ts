/**
 * Splits a decoder graph by layers into shards that run one after the other, each its own onnxruntime session.
 *
 * Why: opening a CPU session spends most of its time preparing the int4 weights for the kernel ("prepacking",
 * with onnxruntime-node 1.30 also when the optimized copy already holds them: it repacks to find the saved
 * blob). That work is single-threaded per session, so a 3.8B model takes ~3 s on any machine. Sessions opened
 * on separate threads prepack in parallel: k shards open in about 1/k of the time on k cores
 * (`sharded-session.ts` opens and runs them; `npm run bench` measures it).
 *
 * How: shard i gets the KV delta outputs of its layers; its nodes are every node those outputs need that no
 * earlier shard runs (the last shard also gets the logits and any other output). A tensor a shard needs from an
 * earlier one (the hidden state between layers, the masks every layer uses) becomes an output of the earlier
 * shard and an input of the later one. Each shard keeps only the initializers its nodes use, with their
 * external-data references unchanged, so the weights are not copied.
 *
 * Like the other graph rewrites, this works on the serialized model without decoding it (`onnx-bytes.ts`).
 */
import { DataType } from '../../models/onnx-proto';
import { kvDeltaName } from './kv-delta-graph';
import {
  fields,
  findGraph,
  GRAPH,
  LENGTH_DELIMITED,
  lengthDelimited,
  readVarint,
  repeatedStrings,
  stringField,
  valueInfoType,
  varint,
  withGraph,
  type Field,
} from './onnx-bytes';

export interface GraphShard {
  /** A ModelProto: the original with its graph replaced by this shard's. */
  model: Buffer;
  /** The layers whose KV delta outputs this shard computes, [from, to). */
  layers: [number, number];
  /** Inputs that earlier shards compute (the rest are the original graph's inputs). */
  carried: string[];
}

interface NodeInfo {
  field: Field;
  opType: string;
  inputs: string[];
  outputs: string[];
  /** Names a subgraph (an If branch) reads from this graph. */
  implicit: string[];
  /** The element type of each output of an If node, from its then-branch. */
  branchTypes: number[];
  /** Cast's `to`, Constant's value type. */
  attrType: number | null;
}

/** Names a GraphProto's nodes read that it neither computes nor declares (its outer-scope reads). */
function outerReads(bytes: Uint8Array, graph: Field): string[] {
  const defined = new Set<string>();
  const read: string[] = [];
  for (const f of fields(bytes, graph.payloadStart, graph.end)) {
    if (f.wireType !== LENGTH_DELIMITED) continue;
    if (f.number === GRAPH.input) defined.add(stringField(bytes, f, 1));
    if (f.number === GRAPH.initializer) defined.add(stringField(bytes, f, 8));
    if (f.number === GRAPH.node) {
      const node = readNode(bytes, f);
      read.push(...node.inputs, ...node.implicit);
      for (const o of node.outputs) defined.add(o);
    }
  }
  return [...new Set(read)].filter((n) => !defined.has(n));
}

/** TensorProto.data_type (field 2). */
function tensorType(bytes: Uint8Array, tensor: Field): number {
  for (const f of fields(bytes, tensor.payloadStart, tensor.end))
    if (f.number === 2 && f.wireType === 0) return readVarint(bytes, f.payloadStart).value;
  return 0;
}

function readNode(bytes: Uint8Array, node: Field): NodeInfo {
  const info: NodeInfo = {
    field: node,
    opType: stringField(bytes, node, 4),
    inputs: repeatedStrings(bytes, node, 1).filter((n) => n !== ''),
    outputs: repeatedStrings(bytes, node, 2),
    implicit: [],
    branchTypes: [],
    attrType: null,
  };
  // AttributeProto: name = 1, i = 3, t = 5, g = 6, graphs = 11, floats/ints/tensors for Constant.
  for (const a of fields(bytes, node.payloadStart, node.end)) {
    if (a.number !== 5 || a.wireType !== LENGTH_DELIMITED) continue;
    const name = stringField(bytes, a, 1);
    for (const v of fields(bytes, a.payloadStart, a.end)) {
      if ((v.number === 6 || v.number === 11) && v.wireType === LENGTH_DELIMITED) {
        info.implicit.push(...outerReads(bytes, v));
        if (name === 'then_branch') {
          for (const o of fields(bytes, v.payloadStart, v.end))
            if (o.number === GRAPH.output) info.branchTypes.push(valueInfoType(bytes, o).elemType);
        }
      }
      if (info.opType === 'Cast' && name === 'to' && v.number === 3 && v.wireType === 0)
        info.attrType = readVarint(bytes, v.payloadStart).value;
      if (info.opType === 'Constant' || info.opType === 'ConstantOfShape') {
        if (v.number === 5 && v.wireType === LENGTH_DELIMITED) info.attrType = tensorType(bytes, v);
        if (name === 'value_int' || name === 'value_ints') info.attrType = DataType.INT64;
        if (name === 'value_float' || name === 'value_floats') info.attrType = DataType.FLOAT;
      }
    }
  }
  info.implicit = [...new Set(info.implicit)];
  return info;
}

const INT64_OUT = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin']);
const BOOL_OUT = new Set([
  'Equal',
  'Less',
  'Greater',
  'LessOrEqual',
  'GreaterOrEqual',
  'Not',
  'And',
  'Or',
  'Xor',
  'IsNaN',
  'IsInf',
]);

/** The element type of `node`'s output `index`, from the types known so far (0 when it cannot tell). */
function outputType(node: NodeInfo, index: number, known: Map<string, number>): number {
  if (node.opType === 'If') return node.branchTypes[index] ?? 0;
  if (node.opType === 'Cast' || node.opType === 'Constant') return node.attrType ?? 0;
  if (node.opType === 'ConstantOfShape') return node.attrType ?? DataType.FLOAT;
  if (INT64_OUT.has(node.opType)) return DataType.INT64;
  if (BOOL_OUT.has(node.opType)) return DataType.BOOL;
  // Where(condition, x, y) has x's type; every other operator here has its first input's.
  const from = node.opType === 'Where' ? node.inputs[1] : node.inputs[0];
  return (from && known.get(from)) || 0;
}

/**
 * Splits `model` (an engine graph with KV delta outputs) into `count` shards of consecutive layers, or returns
 * null when it cannot (fewer layers than shards, no delta outputs, a tensor crossing shards whose type it cannot
 * tell, sparse initializers); the caller then opens the whole graph.
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function shardGraph(model: Uint8Array, count: number): GraphShard[] | null {
  if (count < 2) return null;
  const graph = findGraph(model);
  const nodes: NodeInfo[] = [];
  const initializers = new Map<string, Field>();
  const inputs = new Map<string, Field>();
  const outputs = new Map<string, Field>();
  const valueInfo = new Map<string, Field>();
  const known = new Map<string, number>();
  let name = '';
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    if (f.wireType !== LENGTH_DELIMITED) continue;
    if (f.number === GRAPH.node) nodes.push(readNode(model, f));
    else if (f.number === GRAPH.name) name = new TextDecoder().decode(model.subarray(f.payloadStart, f.end));
    else if (f.number === GRAPH.sparseInitializer) return null;
    else if (f.number === GRAPH.initializer) {
      const n = stringField(model, f, 8);
      initializers.set(n, f);
      known.set(n, tensorType(model, f));
    } else if (f.number === GRAPH.input || f.number === GRAPH.output || f.number === GRAPH.valueInfo) {
      const n = stringField(model, f, 1);
      const map = f.number === GRAPH.input ? inputs : f.number === GRAPH.output ? outputs : valueInfo;
      map.set(n, f);
      const t = valueInfoType(model, f).elemType;
      if (t) known.set(n, t);
    }
  }
  let layers = 0;
  while (outputs.has(kvDeltaName(layers, 'key')) && outputs.has(kvDeltaName(layers, 'value'))) layers++;
  if (layers < count) return null;

  // Element types of every node output. Rewrites append nodes after their consumers, so the nodes are not in
  // order: repeat until a pass learns nothing new.
  for (let learned = true; learned;) {
    learned = false;
    for (const node of nodes) {
      node.outputs.forEach((o, i) => {
        if (!o || known.has(o)) return;
        const t = outputType(node, i, known);
        if (t) {
          known.set(o, t);
          learned = true;
        }
      });
    }
  }

  const producer = new Map<string, number>();
  nodes.forEach((node, i) => node.outputs.forEach((o) => o && producer.set(o, i)));
  const owner = new Array<number>(nodes.length).fill(-1);
  const bounds = Array.from({ length: count + 1 }, (_, i) => Math.round((i * layers) / count));
  const deltaNames = new Set<string>();
  for (let l = 0; l < layers; l++) deltaNames.add(kvDeltaName(l, 'key')).add(kvDeltaName(l, 'value'));

  const shardOutputs: string[][] = [];
  for (let s = 0; s < count; s++) {
    const own: string[] = [];
    for (let l = bounds[s]; l < bounds[s + 1]; l++) own.push(kvDeltaName(l, 'key'), kvDeltaName(l, 'value'));
    if (s === count - 1) own.push(...[...outputs.keys()].filter((o) => !deltaNames.has(o)));
    shardOutputs.push(own);
    // Every node these outputs need that no earlier shard runs.
    const stack = own.map((o) => producer.get(o)).filter((i): i is number => i !== undefined);
    while (stack.length) {
      const i = stack.pop()!;
      if (owner[i] !== -1) continue;
      owner[i] = s;
      for (const n of [...nodes[i].inputs, ...nodes[i].implicit]) {
        const p = producer.get(n);
        if (p !== undefined && owner[p] === -1) stack.push(p);
      }
    }
  }

  // What each shard reads: graph inputs, initializers, or tensors an earlier shard computes ("carried").
  const carried: string[][] = Array.from({ length: count }, () => []);
  const exported: Array<Set<string>> = Array.from({ length: count }, () => new Set());
  const reads: Array<Set<string>> = Array.from({ length: count }, () => new Set());
  nodes.forEach((node, i) => {
    const s = owner[i];
    if (s === -1) return;
    for (const n of [...node.inputs, ...node.implicit]) {
      reads[s].add(n);
      const p = producer.get(n);
      if (p === undefined || owner[p] === s) continue;
      if (!carried[s].includes(n)) carried[s].push(n);
      exported[owner[p]].add(n);
    }
  });
  for (const list of carried) for (const n of list) if (!known.get(n)) return null;

  const tensorValueInfo = (n: string): Buffer => {
    // ValueInfoProto{name = 1, type = 2 → TypeProto{tensor_type = 1 → {elem_type = 1}}}: no shape.
    const elem = Buffer.concat([varint(8), varint(known.get(n)!)]);
    const type = lengthDelimited(1, elem);
    return Buffer.concat([lengthDelimited(1, Buffer.from(n)), lengthDelimited(2, type)]);
  };
  const bytesOf = (f: Field): Uint8Array => model.subarray(f.start, f.end);

  const shards: GraphShard[] = [];
  for (let s = 0; s < count; s++) {
    const parts: Uint8Array[] = [];
    const produced = new Set<string>();
    nodes.forEach((node, i) => {
      if (owner[i] !== s) return;
      parts.push(bytesOf(node.field));
      for (const o of node.outputs) produced.add(o);
    });
    parts.push(lengthDelimited(GRAPH.name, Buffer.from(`${name}/shard${s}`)));
    for (const [n, f] of initializers) if (reads[s].has(n)) parts.push(bytesOf(f));
    for (const [n, f] of inputs) if (reads[s].has(n) && !initializers.has(n)) parts.push(bytesOf(f));
    for (const n of carried[s]) parts.push(lengthDelimited(GRAPH.input, tensorValueInfo(n)));
    const outs = [...shardOutputs[s], ...[...exported[s]].filter((n) => !shardOutputs[s].includes(n))];
    for (const n of outs) {
      const original = outputs.get(n);
      parts.push(original ? bytesOf(original) : lengthDelimited(GRAPH.output, tensorValueInfo(n)));
    }
    for (const [n, f] of valueInfo) if (produced.has(n) && !outs.includes(n)) parts.push(bytesOf(f));
    shards.push({
      model: withGraph(model, graph, parts),
      layers: [bounds[s], bounds[s + 1]],
      carried: carried[s],
    });
  }
  return shards;
}
