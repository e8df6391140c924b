/**
 * Adds "KV delta" outputs to a decoder graph: for each layer, the keys and values of this pass's new positions
 * only (`present.N.key` sliced to the last `input_ids` length positions), so the token loop can append them to
 * its own cache instead of fetching the whole `present.*` every step.
 *
 * Why: onnxruntime-node 1.30 never hands a caller's buffer to onnxruntime — a preallocated output is allocated by
 * onnxruntime and copied back, and a returned output is copied into a new JavaScript buffer. Fetching the full
 * cache therefore copies it (tens of MB per token of context, ~0.8 GB at 1,000 tokens for Phi-3-mini) on every
 * decoded token, which dominated decode at long context. The delta of one step is 0.8 MB. `npm run bench`
 * measures the modes side by side.
 *
 * The rewrite works on the serialized model without decoding it: protobuf lets repeated fields (nodes,
 * initializers, outputs) appear anywhere in a message, so the new ones are appended to the graph's bytes.
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

interface Field {
  number: number;
  wireType: number;
  /** The field's whole encoding (tag included). */
  start: number;
  end: number;
  /** For length-delimited fields: the payload. */
  payloadStart: number;
}

function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } {
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

function* fields(bytes: Uint8Array, from = 0, to = bytes.length): Generator<Field> {
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

function varint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return Buffer.from(out);
}

function lengthDelimited(field: number, payload: Uint8Array): Buffer {
  return Buffer.concat([varint(field * 8 + LENGTH_DELIMITED), varint(payload.byteLength), payload]);
}

/** The graph's output names with their element types (ValueInfoProto name=1, type=2 → tensor_type=1 → elem_type=1). */
function graphOutputs(bytes: Uint8Array, graph: Field): Map<string, number> {
  const outputs = new Map<string, number>();
  const text = new TextDecoder();
  for (const f of fields(bytes, graph.payloadStart, graph.end)) {
    if (f.number !== OUTPUT_FIELD || f.wireType !== LENGTH_DELIMITED) continue;
    let name = '';
    let elemType = 0;
    for (const v of fields(bytes, f.payloadStart, f.end)) {
      if (v.number === 1) name = text.decode(bytes.subarray(v.payloadStart, v.end));
      if (v.number !== 2) continue;
      for (const t of fields(bytes, v.payloadStart, v.end)) {
        if (t.number !== 1) continue;
        for (const e of fields(bytes, t.payloadStart, t.end)) {
          if (e.number === 1 && e.wireType === 0) elemType = readVarint(bytes, e.payloadStart).value;
        }
      }
    }
    outputs.set(name, elemType);
  }
  return outputs;
}

function int64Constant(name: string, values: number[]): Buffer {
  const raw = new Uint8Array(BigInt64Array.from(values, BigInt).buffer);
  return encodeTensor({ name, dataType: DataType.INT64, dims: [values.length], rawData: raw });
}

/**
 * Returns `model` (a serialized ModelProto) with one delta output per `present.N.key|value`, or null when the
 * graph has no such outputs (nothing to gain). The original outputs stay, so the graph still runs as before.
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function addKvDeltaOutputs(model: Uint8Array): { model: Buffer; layers: number } | null {
  let graph: Field | null = null;
  for (const f of fields(model)) if (f.number === GRAPH_FIELD && f.wireType === LENGTH_DELIMITED) graph = f;
  if (!graph) throw new Error('the model has no graph');
  const outputs = graphOutputs(model, graph);
  let layers = 0;
  while (outputs.has(`present.${layers}.key`) && outputs.has(`present.${layers}.value`)) layers++;
  if (layers === 0) return null;

  // start = attention_mask length − input_ids length (the past's length); the new positions are [start, total).
  const p = '/localscribe/kv_delta';
  const extra: Buffer[] = [
    lengthDelimited(INITIALIZER_FIELD, int64Constant(`${p}/one`, [1])),
    lengthDelimited(INITIALIZER_FIELD, int64Constant(`${p}/axis`, [2])),
  ];
  const node = (name: string, opType: string, inputs: string[], output: string): void => {
    extra.push(lengthDelimited(NODE_FIELD, encodeNode({ name, opType, inputs, outputs: [output] })));
  };
  node(`${p}/mask_shape`, 'Shape', ['attention_mask'], `${p}/mask_shape_out`);
  node(`${p}/total`, 'Gather', [`${p}/mask_shape_out`, `${p}/one`], `${p}/total_out`);
  node(`${p}/ids_shape`, 'Shape', ['input_ids'], `${p}/ids_shape_out`);
  node(`${p}/new`, 'Gather', [`${p}/ids_shape_out`, `${p}/one`], `${p}/new_out`);
  node(`${p}/start`, 'Sub', [`${p}/total_out`, `${p}/new_out`], `${p}/start_out`);
  for (let l = 0; l < layers; l++) {
    for (const kind of ['key', 'value'] as const) {
      const present = `present.${l}.${kind}`;
      const delta = kvDeltaName(l, kind);
      node(`${p}/${l}/${kind}`, 'Slice', [present, `${p}/start_out`, `${p}/total_out`, `${p}/axis`], delta);
      const elemType = (outputs.get(present) || DataType.FLOAT) as typeof DataType.FLOAT;
      extra.push(
        lengthDelimited(
          OUTPUT_FIELD,
          encodeValueInfo({
            name: delta,
            elemType,
            shape: [1, `kv_heads_${l}`, 'new_tokens', `head_size_${l}`],
          }),
        ),
      );
    }
  }
  const graphPayload = Buffer.concat([model.subarray(graph.payloadStart, graph.end), ...extra]);
  return {
    model: Buffer.concat([
      model.subarray(0, graph.start),
      lengthDelimited(GRAPH_FIELD, graphPayload),
      model.subarray(graph.end),
    ]),
    layers,
  };
}
