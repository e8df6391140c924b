/**
 * The generated int4 weights do what the generator relies on: dequantized with MatMulNBits' rule, each output of a
 * unit-RMS input is centred on zero with the asked-for standard deviation, with or without zero points. A bias here
 * (symmetric nibbles 0..15 around 8 average -0.5) shifts every logit of the 3,072-wide model alike, until the
 * zero-weight rows of suppressed tokens win the argmax.
 */
import { quantizedWeight, type QuantizedWeight } from '../../models/phi3-weights';
import type { TensorSource } from '../../models/onnx-model-writer';

const N = 512;
const K = 1024;
const BLOCK = 32;

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

/** W·x for each of the N outputs, W dequantized as MatMulNBits does: (q - zp) * scale, zp 8 when absent. */
function outputs(w: QuantizedWeight, x: Float32Array): Float64Array {
  const b = bytesOf(w.b);
  const scales = new Float32Array(bytesOf(w.scales).buffer);
  const zp = w.zeroPoints ? bytesOf(w.zeroPoints) : null;
  const blocks = K / BLOCK;
  const zpRow = Math.ceil(blocks / 2);
  const y = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const byte = b[(n * K + k) >> 1];
      const q = k % 2 === 0 ? byte & 0x0f : byte >> 4;
      const blk = Math.floor(k / BLOCK);
      const z = zp
        ? blk % 2 === 0
          ? zp[n * zpRow + (blk >> 1)] & 0x0f
          : zp[n * zpRow + (blk >> 1)] >> 4
        : 8;
      sum += (q - z) * scales[n * blocks + blk] * x[k];
    }
    y[n] = sum;
  }
  return y;
}

describe.each([
  ['symmetric (no zero points)', false],
  ['asymmetric (zero points)', true],
])('generated int4 weight, %s', (_name, zeroPoints) => {
  const w = quantizedWeight('w', { seed: 7, n: N, k: K, blockSize: BLOCK, outputStd: 2, zeroPoints });
  // An all-ones input: any common offset of the weights adds up over K instead of averaging out.
  const ones = new Float32Array(K).fill(1);
  const y = outputs(w, ones);
  const mean = y.reduce((a, v) => a + v, 0) / N;
  const std = Math.sqrt(y.reduce((a, v) => a + (v - mean) ** 2, 0) / N);

  it('has the zero-point tensor exactly when asked', () => {
    expect(w.zeroPoints !== undefined).toBe(zeroPoints);
  });

  it('gives outputs of the asked-for spread', () => {
    expect(std).toBeGreaterThan(2 * 0.85);
    expect(std).toBeLessThan(2 * 1.15);
  });

  it('gives outputs centred on zero', () => {
    // The mean of N outputs of std 2 is within 3 standard errors (0.27) of zero; a -0.5 nibble offset gives -4.
    expect(Math.abs(mean)).toBeLessThan(0.3);
  });
});
