/**
 * ggml's Q4_0 blocks from MatMulNBits' symmetric int4 blocks of 32. Both store w = (q - 8) * scale per block of
 * 32 weights of one row; they differ in where the nibbles sit (MatMulNBits: elements 2j and 2j+1 in byte j, low
 * first; Q4_0: elements j and j+16 in byte j) and in the scale's type (float32 vs float16), so the mapping is exact
 * when each scale is a float16 value, as the generator makes them.
 */
import { float16Bits, float16Value } from '../../localhost-engine/onnx/float16';
import { sourceBytes, TensorSource } from '../onnx-model-writer';
import { DataType } from '../../localhost-engine/onnx/schema';

export const Q4_0_BLOCK = 32;
export const Q4_0_BYTES = 18;

/** One symmetric MatMulNBits weight (block 32): its packed B and float32 scales, N rows of K. */
export interface SymmetricInt4Weight {
  b: TensorSource;
  scales: TensorSource;
  n: number;
  k: number;
}

/**
 * Repacks `rows` rows of MatMulNBits bytes (`b`, K/2 bytes a row) with their scales (K/32 a row, from
 * `scales[firstBlock]` on) into Q4_0 blocks. Throws if a scale is not exactly a float16 value.
 */
export function repackRows(b: Uint8Array, scales: Float32Array, firstBlock: number, k: number): Uint8Array {
  const blocks = b.length / (Q4_0_BLOCK / 2);
  const out = new Uint8Array(blocks * Q4_0_BYTES);
  for (let blk = 0; blk < blocks; blk++) {
    const scale = scales[firstBlock + blk];
    const d = float16Bits(scale);
    if (float16Value(d) !== scale) throw new Error(`scale ${scale} is not a float16 value (K=${k})`);
    const at = blk * Q4_0_BYTES;
    out[at] = d & 0xff;
    out[at + 1] = d >>> 8;
    const src = blk * (Q4_0_BLOCK / 2);
    const nibble = (e: number) => (e & 1 ? b[src + (e >> 1)] >> 4 : b[src + (e >> 1)] & 0x0f);
    for (let j = 0; j < Q4_0_BLOCK / 2; j++) out[at + 2 + j] = nibble(j) | (nibble(j + Q4_0_BLOCK / 2) << 4);
  }
  return out;
}

/**
 * The Q4_0 bytes of `weights` stacked along N (e.g. Phi-3's ffn_up: gate rows, then up rows), streamed in the
 * chunks the weights produce. Throws for weights that are not symmetric blocks of 32 with float32 scales.
 */
export function* q4_0Chunks(weights: readonly SymmetricInt4Weight[]): Iterable<Uint8Array> {
  for (const w of weights) {
    if (w.scales.dataType !== DataType.FLOAT || w.b.dims[2] !== Q4_0_BLOCK / 2) {
      throw new Error(`${w.b.name} is not a symmetric int4 weight with float32 scales in blocks of 32`);
    }
    const raw = sourceBytes(w.scales);
    const scales = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    let block = 0;
    for (const chunk of w.b.chunks()) {
      yield repackRows(chunk, scales, block, w.k);
      block += chunk.length / (Q4_0_BLOCK / 2);
    }
  }
}
