/**
 * Edits of a serialized model that keep everything they do not touch byte for byte: a graph's fields replaced,
 * a node's repeated strings replaced, new initializers encoded as graph fields.
 */
import { float16Bits } from './float16';
import { DataType, GRAPH, MODEL } from './schema';
import { fields, lengthDelimited, type Field } from './wire';
import { encodeTensor } from './write';

/** A message's payload with its repeated string field `number` replaced by `values`, placed last. */
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

/** `model` with its graph's fields replaced by `parts`, in order. */
export function withGraph(model: Uint8Array, graph: Field, parts: Uint8Array[]): Buffer {
  return Buffer.concat([
    model.subarray(0, graph.start),
    lengthDelimited(MODEL.graph, Buffer.concat(parts)),
    model.subarray(graph.end),
  ]);
}

/** An initializer (a GraphProto field) holding `values` as int64, float32 or float16. */
export function initializer(
  name: string,
  dataType: typeof DataType.INT64 | typeof DataType.FLOAT | typeof DataType.FLOAT16,
  dims: number[],
  values: ArrayLike<number>,
): Buffer {
  const raw =
    dataType === DataType.INT64
      ? new Uint8Array(BigInt64Array.from(Array.from(values), (v) => BigInt(v)).buffer)
      : dataType === DataType.FLOAT16
        ? new Uint8Array(Uint16Array.from(Array.from(values), float16Bits).buffer)
        : new Uint8Array(Float32Array.from(values).buffer);
  return lengthDelimited(GRAPH.initializer, encodeTensor({ name, dataType, dims, rawData: raw }));
}
