/** Tensors the token loop builds and reads: int64 feeds, zeroed caches, a logits row as float32. */
import * as ort from 'onnxruntime-node';
import type { Tensor } from 'onnxruntime-node';
import { float16Value } from '../onnx/float16';

/** An int64 tensor of `values` (token ids, positions, masks). */
export function int64(values: ArrayLike<number>, dims: number[]): Tensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return new ort.Tensor('int64', data, dims);
}

/** A zeroed float tensor of `dims`, float32 or float16 (raw Uint16Array bits, as onnxruntime-node takes them). */
export function zeros(type: 'float32' | 'float16', dims: number[]): Tensor {
  const size = dims.reduce((a, d) => a * d, 1);
  return type === 'float16'
    ? new ort.Tensor('float16', new Uint16Array(size), dims)
    : new ort.Tensor('float32', new Float32Array(size), dims);
}

/**
 * The last row of `logits` ([1, n, vocab]) as a fresh Float32Array.
 * @throws Error for logits that are neither float32 nor float16.
 */
export function lastRow(logits: Tensor): Float32Array {
  const vocab = logits.dims[logits.dims.length - 1];
  const offset = logits.size - vocab;
  if (logits.type === 'float32') return (logits.data as Float32Array).slice(offset, offset + vocab);
  if (logits.type === 'float16') {
    const src = logits.data as unknown as ArrayLike<number>;
    const out = new Float32Array(vocab);
    // Float16Array (where it exists) yields numbers already; Uint16Array yields raw bits.
    const raw = src instanceof Uint16Array;
    for (let i = 0; i < vocab; i++) out[i] = raw ? float16Value(src[offset + i]) : src[offset + i];
    return out;
  }
  throw new Error(`Unsupported logits type ${logits.type}.`);
}
