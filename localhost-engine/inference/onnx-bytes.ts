/**
 * Reading and writing serialized ONNX models without decoding them: protobuf fields by number, the strings and
 * value infos the graph rewrites read, and the few messages they write back. The graph rewrites
 * (`kv-delta-graph.ts`, `direct-attention-graph.ts`, `shard-graph.ts`) share it.
 *
 * Protobuf lets repeated fields (nodes, initializers, outputs) appear anywhere in a message, so a rewrite can
 * append new ones to a graph's bytes and cut out the ones it drops.
 */
import { DataType, encodeTensor } from '../../models/onnx-proto';

export const LENGTH_DELIMITED = 2;
/** ModelProto.graph. */
const MODEL_GRAPH = 7;
/** GraphProto's field numbers (onnx/onnx.proto). */
export const GRAPH = {
  node: 1,
  name: 2,
  initializer: 5,
  input: 11,
  output: 12,
  valueInfo: 13,
  sparseInitializer: 15,
} as const;

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

/** A message's repeated string field `number`, in order (a NodeProto's inputs or outputs). */
export function repeatedStrings(bytes: Uint8Array, message: Field, number: number): string[] {
  const out: string[] = [];
  for (const f of fields(bytes, message.payloadStart, message.end)) {
    if (f.number === number && f.wireType === LENGTH_DELIMITED)
      out.push(new TextDecoder().decode(bytes.subarray(f.payloadStart, f.end)));
  }
  return out;
}

/** A message's bytes (payload only) with its repeated string field `number` replaced by `values`, placed last. */
export function withRepeatedStrings(
  bytes: Uint8Array,
  message: Field,
  number: number,
  values: string[],
): Buffer {
  const parts: Uint8Array[] = [];
  for (const f of fields(bytes, message.payloadStart, message.end))
    if (f.number !== number) parts.push(bytes.subarray(f.start, f.end));
  for (const v of values) parts.push(lengthDelimited(number, Buffer.from(v)));
  return Buffer.concat(parts);
}

/** An int64 field's value: negative numbers are ten-byte two's complement varints. */
export function signedVarint(bytes: Uint8Array, at: number): number {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < bytes.length; i++) {
    value |= BigInt(bytes[i] & 0x7f) << shift;
    if (bytes[i] < 0x80) break;
    shift += 7n;
  }
  return Number(BigInt.asIntN(64, value));
}

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

/** The model's version of the default ONNX domain (ModelProto.opset_import = 8: domain = 1, version = 2). */
export function defaultOpset(model: Uint8Array): number {
  let version = 0;
  for (const f of fields(model)) {
    if (f.number !== 8 || f.wireType !== LENGTH_DELIMITED) continue;
    let domain = '';
    let v = 0;
    for (const x of fields(model, f.payloadStart, f.end)) {
      if (x.number === 1) domain = new TextDecoder().decode(model.subarray(x.payloadStart, x.end));
      if (x.number === 2 && x.wireType === 0) v = readVarint(model, x.payloadStart).value;
    }
    if (domain === '' || domain === 'ai.onnx') version = v;
  }
  return version;
}

/** The ModelProto's graph field. */
export function findGraph(model: Uint8Array): Field {
  let graph: Field | null = null;
  for (const f of fields(model)) if (f.number === MODEL_GRAPH && f.wireType === LENGTH_DELIMITED) graph = f;
  if (!graph) throw new Error('the model has no graph');
  return graph;
}

/** `model` with its graph's fields replaced by `parts`, in order. */
export function withGraph(model: Uint8Array, graph: Field, parts: Uint8Array[]): Buffer {
  return Buffer.concat([
    model.subarray(0, graph.start),
    lengthDelimited(MODEL_GRAPH, Buffer.concat(parts)),
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
  return lengthDelimited(GRAPH.initializer, encodeTensor({ name, dataType, dims, rawData: raw }));
}
