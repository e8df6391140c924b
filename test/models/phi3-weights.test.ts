/**
 * The generated int4 weights do what the generator relies on, with or without zero points: dequantized with
 * MatMulNBits' rule, the outputs for a unit-RMS input have the asked-for spread; they are centred on zero even
 * for an all-ones input, where any common offset of the weights adds up over K instead of averaging out (symmetric
 * nibbles 0..15 around 8 average -0.5, which shifts every logit of the 3,072-wide model alike until the zero-weight
 * rows of suppressed tokens win the argmax); and zero rows are exactly zero.
 */
import { quantizedWeight, type QuantizedWeight } from '../../models/phi3-weights';
import type { TensorSource } from '../../models/onnx-model-writer';
import { SeededRandom } from '../../models/seeded-random';

const N = 1024;
const K = 1024;
const BLOCK = 32;
const STD = 2;
const isZeroRow = (row: number): boolean => row % 7 === 3;

function bytesOf(t: TensorSource): Uint8Array {
  const parts = [...t.chunks()];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The weights dequantized as MatMulNBits does, row by row: (q - zp) * scale, zp 8 when there are none. */
function dequantize(w: QuantizedWeight): Float64Array {
  const b = bytesOf(w.b);
  const scales = new Float32Array(bytesOf(w.scales).buffer);
  const zp = w.zeroPoints ? bytesOf(w.zeroPoints) : null;
  const blocks = K / BLOCK;
  const zpRow = Math.ceil(blocks / 2);
  const out = new Float64Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const byte = b[(n * K + k) >> 1];
      const q = k % 2 === 0 ? byte & 0x0f : byte >> 4;
      const blk = Math.floor(k / BLOCK);
      const zpByte = zp ? zp[n * zpRow + (blk >> 1)] : 0x88;
      const z = blk % 2 === 0 ? zpByte & 0x0f : zpByte >> 4;
      out[n * K + k] = (q - z) * scales[n * blocks + blk];
    }
  }
  return out;
}

function outputs(weights: Float64Array, x: Float32Array): Float64Array {
  const y = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let sum = 0;
    for (let k = 0; k < K; k++) sum += weights[n * K + k] * x[k];
    y[n] = sum;
  }
  return y;
}

/** Mean and standard deviation over the rows that are not zero rows. */
function stats(y: Float64Array): { mean: number; std: number } {
  const live = Array.from(y).filter((_, row) => !isZeroRow(row));
  const mean = live.reduce((a, v) => a + v, 0) / live.length;
  return { mean, std: Math.sqrt(live.reduce((a, v) => a + (v - mean) ** 2, 0) / live.length) };
}

describe.each([
  ['symmetric (no zero points)', false],
  ['asymmetric (zero points)', true],
])('generated int4 weight, %s', (_name, zeroPoints) => {
  let w: QuantizedWeight;
  let weights: Float64Array;

  beforeAll(() => {
    w = quantizedWeight('w', {
      seed: 7,
      n: N,
      k: K,
      blockSize: BLOCK,
      outputStd: STD,
      zeroRow: isZeroRow,
      zeroPoints,
    });
    weights = dequantize(w);
  });

  it('has the zero-point tensor exactly when asked', () => {
    expect(w.zeroPoints !== undefined).toBe(zeroPoints);
  });

  it('gives outputs of the asked-for spread for a unit-RMS input', () => {
    // Random signs: unit RMS, uncorrelated. The std of ~880 outputs is within 3 standard errors (7 %) of STD; a
    // symmetric weight scaled with the asymmetric constant would give 10 % less.
    const signs = new Uint32Array(K);
    new SeededRandom(11, 'signs').fillUint32(signs);
    const x = Float32Array.from(signs, (s) => (s & 1 ? 1 : -1));
    const { std } = stats(outputs(weights, x));
    expect(std).toBeGreaterThan(STD * 0.93);
    expect(std).toBeLessThan(STD * 1.07);
  });

  it('gives outputs centred on zero, even for an all-ones input', () => {
    // Within 3 standard errors (about 0.25) of zero; a -0.5 nibble offset would give about -7.6.
    const { mean } = stats(outputs(weights, new Float32Array(K).fill(1)));
    expect(Math.abs(mean)).toBeLessThan(0.3);
  });

  it('gives exactly zero for the zero rows', () => {
    for (let n = 0; n < N; n++) {
      if (isZeroRow(n)) expect(weights.subarray(n * K, (n + 1) * K).every((v) => v === 0)).toBe(true);
    }
  });
});

describe('symmetric int4 nibbles', () => {
  it('never hold 0 and hold 8 twice as often as any other value, so q - 8 is -7..7 with mean 0', () => {
    const w = quantizedWeight('w', {
      seed: 7,
      n: N,
      k: K,
      blockSize: BLOCK,
      outputStd: STD,
      zeroPoints: false,
    });
    const counts = new Array<number>(16).fill(0);
    for (const byte of bytesOf(w.b)) {
      counts[byte & 0x0f]++;
      counts[byte >> 4]++;
    }
    const total = N * K;
    expect(counts[0]).toBe(0);
    expect(counts[8] / total).toBeCloseTo(2 / 16, 2);
    for (let q = 1; q < 16; q++) if (q !== 8) expect(counts[q] / total).toBeCloseTo(1 / 16, 2);
  });
});
