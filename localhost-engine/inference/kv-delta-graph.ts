/**
 * Adds "KV delta" outputs to a decoder graph: for each layer, the keys and values of this pass's new positions
 * only (`present.N.key` sliced to the last `input_ids` length positions), so the token loop can append them to
 * its own cache instead of fetching the whole `present.*` every step.
 *
 * Why: onnxruntime-node 1.30 copies every output it returns into a new JavaScript buffer, a preallocated one too
 * (onnxruntime fills the caller's buffer, then run() returns a copy of it). Fetching the full cache therefore
 * copies it (tens of MB per token of context, ~0.8 GB at 1,000 tokens for Phi-3-mini) on every
 * decoded token, which dominated decode at long context. The delta of one step is 0.8 MB. `npm run bench`
 * measures the modes side by side.
 *
 * Memory: `present.N.*` stops being a graph output, so onnxruntime frees each layer's present as soon as its
 * slice is taken, instead of holding all of them (the whole cache a second time) until the pass ends. That only
 * happens if each slice runs right after its layer, which the node order below arranges (`npm run bench:memory`
 * measures it).
 *
 * The engine uses this rewrite only for graphs `direct-attention-graph.ts` cannot rewrite (that one also removes
 * the attention's copy of the past); its protobuf helpers below serve both.
 *
 * The rewrite works on the serialized model without decoding it: protobuf lets repeated fields (nodes,
 * initializers, outputs) appear anywhere in a message, so the new ones are appended to the graph's bytes, and the
 * outputs it drops are cut out of them.
 */
import { DataType, encodeNode, encodeTensor, encodeValueInfo } from '../../models/onnx-proto';

const GRAPH_FIELD = 7;
const NODE_FIELD = 1;
const INITIALIZER_FIELD = 5;
const OUTPUT_FIELD = 12;
const LENGTH_DELIMITED = 2;

/** The name of layer `layer`'s delta output for `kind`. */
export function kvDeltaName(layer: number, kind: 'key' | 'value'): string {
  return `present_delta.${layer}.${kind}`;
}

export interface Field {
  number: number;
  wireType: number;
  /** The field's whole encoding (tag included). */
  start: number;
  end: number;
  /** For length-delimited fields: the payload. */
  payloadStart: number;
}

export function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  let i = at;
  for (;;) {
    if (i >= bytes.length) throw new Error('truncated varint');
    const b = bytes[i++];
    value += (b & 0x7f) * scale;
    if (b < 0x80) return { value, next: i };
    scale *= 128;
    if (scale > 2 ** 63) throw new Error('varint too long');
  }
}

export function* fields(bytes: Uint8Array, from = 0, to = bytes.length): Generator<Field> {
  let at = from;
  while (at < to) {
    const start = at;
    const tag = readVarint(bytes, at);
    const number = Math.floor(tag.value / 8);
    const wireType = tag.value & 7;
    at = tag.next;
    let payloadStart = at;
    if (wireType === 0) at = readVarint(bytes, at).next;
    else if (wireType === 1) at += 8;
    else if (wireType === 5) at += 4;
    else if (wireType === LENGTH_DELIMITED) {
      const len = readVarint(bytes, at);
      payloadStart = len.next;
      at = len.next + len.value;
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
    if (at > to) throw new Error('truncated protobuf field');
    yield { number, wireType, start, end: at, payloadStart };
  }
}

export function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

export function lengthDelimited(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([varint(field * 8 + LENGTH_DELIMITED), varint(payload.byteLength), payload]);
}

/** The text of a message's string field `number` ('' when absent). */
export function stringField(bytes: Uint8Array, message: Field, number: number): string {
  for (const v of fields(bytes, message.payloadStart, message.end)) {
    if (v.number === number) return new TextDecoder().decode(bytes.subarray(v.payloadStart, v.end));
  }
  return '';
}

/** A ValueInfoProto's name (field 1). */
const valueInfoName = (bytes: Uint8Array, info: Field): string => stringField(bytes, info, 1);

/**
 * A ValueInfoProto's element type and dimensions (numbers, or null for symbolic ones):
 * type = 2 → tensor_type = 1 → {elem_type = 1, shape = 2 → dim = 1 → dim_value = 1}.
 */
export function valueInfoType(
  bytes: Uint8Array,
  info: Field,
): { elemType: number; dims: Array<number | null> } {
  let elemType = 0;
  const dims: Array<number | null> = [];
  for (const t of fields(bytes, info.payloadStart, info.end)) {
    if (t.number !== 2) continue;
    for (const tt of fields(bytes, t.payloadStart, t.end)) {
      if (tt.number !== 1) continue;
      for (const e of fields(bytes, tt.payloadStart, tt.end)) {
        if (e.number === 1 && e.wireType === 0) elemType = readVarint(bytes, e.payloadStart).value;
        if (e.number !== 2) continue;
        for (const d of fields(bytes, e.payloadStart, e.end)) {
          if (d.number !== 1) continue;
          let value: number | null = null;
          for (const x of fields(bytes, d.payloadStart, d.end)) {
            if (x.number === 1 && x.wireType === 0) value = readVarint(bytes, x.payloadStart).value;
          }
          dims.push(value);
        }
      }
    }
  }
  return { elemType, dims };
}

/** The graph's output names with their element types. */
function graphOutputs(bytes: Uint8Array, graph: Field): Map<string, number> {
  const outputs = new Map<string, number>();
  for (const f of fields(bytes, graph.payloadStart, graph.end)) {
    if (f.number !== OUTPUT_FIELD || f.wireType !== LENGTH_DELIMITED) continue;
    outputs.set(valueInfoName(bytes, f), valueInfoType(bytes, f).elemType);
  }
  return outputs;
}

/** The names of this rewrite's nodes start with it. */
const SLICE_PREFIX = '/localscribe/kv_delta';

const PRESENT = /^present\.\d+\.(key|value)$/;

/** The ModelProto's graph field. */
export function findGraph(model: Uint8Array): Field {
  let graph: Field | null = null;
  for (const f of fields(model)) if (f.number === GRAPH_FIELD && f.wireType === LENGTH_DELIMITED) graph = f;
  if (!graph) throw new Error('the model has no graph');
  return graph;
}

/** `model` with its graph's fields replaced by `parts`, in order. */
export function withGraph(model: Uint8Array, graph: Field, parts: Uint8Array[]): Buffer {
  return Buffer.concat([
    model.subarray(0, graph.start),
    lengthDelimited(GRAPH_FIELD, Buffer.concat(parts)),
    model.subarray(graph.end),
  ]);
}

/** An initializer (a GraphProto field) holding `values` as int64 or float32. */
export function initializer(
  name: string,
  dataType: typeof DataType.INT64 | typeof DataType.FLOAT,
  dims: number[],
  values: ArrayLike<number>,
): Buffer {
  const raw =
    dataType === DataType.INT64
      ? new Uint8Array(BigInt64Array.from(Array.from(values), (v) => BigInt(v)).buffer)
      : new Uint8Array(Float32Array.from(values).buffer);
  return lengthDelimited(INITIALIZER_FIELD, encodeTensor({ name, dataType, dims, rawData: raw }));
}

/**
 * Returns `model` (a serialized ModelProto) with one delta output per `present.N.key|value` in place of those
 * outputs, or null when the graph has no such outputs (nothing to gain). `keepPresent` keeps them as outputs too
 * (`npm run bench:kv` compares the ways of fetching the cache on one graph); the engine never fetches them.
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function addKvDeltaOutputs(
  model: Uint8Array,
  options: { keepPresent?: boolean } = {},
): { model: Buffer; layers: number } | null {
  const graph = findGraph(model);
  const outputs = graphOutputs(model, graph);
  let layers = 0;
  while (outputs.has(`present.${layers}.key`) && outputs.has(`present.${layers}.value`)) layers++;
  if (layers === 0) return null;

  // start = attention_mask length − input_ids length (the past's length); the new positions are [start, total).
  const p = SLICE_PREFIX;
  const extra: Buffer[] = [
    initializer(`${p}/one`, DataType.INT64, [1], [1]),
    initializer(`${p}/axis`, DataType.INT64, [1], [2]),
  ];
  const node = (name: string, opType: string, inputs: string[], output: string): void => {
    extra.push(lengthDelimited(NODE_FIELD, encodeNode({ name, opType, inputs, outputs: [output] })));
  };
  node(`${p}/mask_shape`, 'Shape', ['attention_mask'], `${p}/mask_shape_out`);
  node(`${p}/total`, 'Gather', [`${p}/mask_shape_out`, `${p}/one`], `${p}/total_out`);
  node(`${p}/ids_shape`, 'Shape', ['input_ids'], `${p}/ids_shape_out`);
  node(`${p}/new`, 'Gather', [`${p}/ids_shape_out`, `${p}/one`], `${p}/new_out`);
  node(`${p}/start`, 'Sub', [`${p}/total_out`, `${p}/new_out`], `${p}/start_out`);
  // Their order in the node list decides when onnxruntime runs them: `orderKvDeltaSlices` below sets it.
  for (let l = 0; l < layers; l++) {
    for (const kind of ['key', 'value'] as const) {
      node(
        `${p}/${l}/${kind}`,
        'Slice',
        [`present.${l}.${kind}`, `${p}/start_out`, `${p}/total_out`, `${p}/axis`],
        kvDeltaName(l, kind),
      );
    }
  }
  for (let l = 0; l < layers; l++) {
    for (const kind of ['key', 'value'] as const) {
      const elemType = (outputs.get(`present.${l}.${kind}`) || DataType.FLOAT) as typeof DataType.FLOAT;
      const shape = [1, `kv_heads_${l}`, 'new_tokens', `head_size_${l}`];
      extra.push(
        lengthDelimited(OUTPUT_FIELD, encodeValueInfo({ name: kvDeltaName(l, kind), elemType, shape })),
      );
    }
  }
  const kept: Uint8Array[] = [];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    const isPresent =
      f.number === OUTPUT_FIELD && f.wireType === LENGTH_DELIMITED && PRESENT.test(valueInfoName(model, f));
    if (!isPresent || options.keepPresent) kept.push(model.subarray(f.start, f.end));
  }
  const rewritten = withGraph(model, graph, [...kept, ...extra]);
  return { model: orderKvDeltaSlices(rewritten) ?? rewritten, layers };
}

const DELTA_SLICE = new RegExp(`^${SLICE_PREFIX}/(\\d+)/(key|value)$`);

/** A NodeProto's name (field 3). */
const nodeName = (bytes: Uint8Array, node: Field): string => stringField(bytes, node, 3);

/**
 * Returns `model` with this rewrite's slice nodes moved to the end of the node list, from the last layer to the
 * first, or null when it has none.
 *
 * Why: onnxruntime's default execution order is a depth-first walk back from the graph's leaves, last leaf first.
 * With layer 0's slice the last leaf, each layer's slices run right after its attention, before the next layer
 * starts, and its present is freed there. In any other order the logits' walk can come first: every layer runs
 * before any slice, holding all the presents (the whole cache a second time) until the pass ends. Both the
 * rewrite above and the optimized copies onnxruntime saves (which come back in an order of its own;
 * `optimized-model.ts`) go through this.
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function orderKvDeltaSlices(model: Uint8Array): Buffer | null {
  const graph = findGraph(model);
  const kept: Uint8Array[] = [];
  const slices: Array<{ layer: number; kind: string; bytes: Uint8Array }> = [];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    const match =
      f.number === NODE_FIELD && f.wireType === LENGTH_DELIMITED && DELTA_SLICE.exec(nodeName(model, f));
    if (match)
      slices.push({ layer: Number(match[1]), kind: match[2], bytes: model.subarray(f.start, f.end) });
    else kept.push(model.subarray(f.start, f.end));
  }
  if (slices.length === 0) return null;
  slices.sort((a, b) => b.layer - a.layer || a.kind.localeCompare(b.kind));
  return withGraph(model, graph, [...kept, ...slices.map((s) => s.bytes)]);
}
