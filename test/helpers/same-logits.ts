/**
 * "The same logits, to the kernel's rounding": for values that two graphs, passes or kernel paths compute from the
 * same inputs in another order (one row against a blocked product in the int4 kernel, the prompt in one pass or
 * several, AVX2 against AVX-512). Exact equality holds on one CPU and fails on another.
 *
 * The bound: `ulps` units in the last place of the row's largest magnitude, in the values' own precision
 * (ε = 2⁻²³ for float32, 2⁻¹⁰ for float16), plus the same units of 1 for rows near zero. The default, 64 units,
 * is over 30 times the worst measured across the int4 kernel's paths (1.8 units: 2.9e-6 on logits up to 13.2,
 * an AVX2 EPYC, issue 18) and a thousand times below what a wrong row (another position, a missing bias) moves.
 *
 * `int8-activations` is for values computed downstream of another implementation (the engine's attention against
 * the op's): at accuracy level 4, MatMulNBits rounds its input to int8 per block, so an input that differs by
 * float rounding can land on the neighbouring level and move the output by one step, 1/127 of the block's range
 * times a weight. The bound is 2.5 such steps of the row's largest magnitude (2 %): the worst seen on the tiny
 * real layouts was 0.6 % (a 0.077 logit change from attention outputs 2e-7 apart). It also bounds a graph whose
 * int4 products run at level 4 against the same graph at level 0 (every input rounded): worst seen 0.75 of the
 * bound. The tests that use it check that another position's row still fails it.
 */
import type { Tensor } from 'onnxruntime-node';
import { float16Value } from '../../localhost-engine/onnx/float16';

/** A tensor's own float type. */
export type TensorPrecision = 'float32' | 'float16';
export type Precision = TensorPrecision | 'int8-activations';

/** A float tensor's values as numbers (onnxruntime-node hands float16 over as raw Uint16Array bits). */
export function floatsOf(t: Tensor): { values: Float32Array; precision: TensorPrecision } {
  if (t.type === 'float32') return { values: t.data as Float32Array, precision: 'float32' };
  if (t.type === 'float16') {
    const raw = t.data as unknown as ArrayLike<number>;
    const bits = raw instanceof Uint16Array;
    return { values: Float32Array.from(raw, (h) => (bits ? float16Value(h) : h)), precision: 'float16' };
  }
  throw new Error(`not a float tensor: ${t.type}`);
}

const EPSILON: Record<Precision, number> = {
  float32: 2 ** -23,
  float16: 2 ** -10,
  'int8-activations': 1 / 127,
};
const ULPS: Record<Precision, number> = { float32: 64, float16: 64, 'int8-activations': 2.5 };

export interface Comparison {
  /** Largest |actual − expected|. */
  worst: number;
  /** The bound it must stay under. */
  tolerance: number;
  /** worst / tolerance (≤ 1 passes). */
  ratio: number;
}

/** The bound above for values whose largest magnitude is `largest`. */
export function tolerance(precision: Precision, largest: number, ulps = ULPS[precision]): number {
  return ulps * EPSILON[precision] * Math.max(1, largest);
}

/** How far `actual` is from `expected`, against the bound above. */
export function compareLogits(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  precision: Precision = 'float32',
  ulps = ULPS[precision],
): Comparison {
  if (actual.length !== expected.length) {
    throw new Error(`${actual.length} values against ${expected.length}`);
  }
  let largest = 0;
  for (let i = 0; i < expected.length; i++) largest = Math.max(largest, Math.abs(expected[i]));
  const bound = tolerance(precision, largest, ulps);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    // NaN never passes.
    worst = Number.isNaN(d) ? Infinity : Math.max(worst, d);
  }
  return { worst, tolerance: bound, ratio: worst / bound };
}

/** Indices of the `k` largest values, largest first. */
export function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((a, b) => values[b] - values[a])
    .slice(0, k);
}

/** Asserts the same values, element for element, to the kernel's rounding (`compareLogits`). */
export function expectSameValues(actual: Tensor, expected: Tensor): void {
  const [a, e] = [floatsOf(actual), floatsOf(expected)];
  expect(actual.dims).toEqual(expected.dims);
  const c = compareLogits(a.values, e.values, e.precision);
  if (!(c.ratio <= 1)) {
    throw new Error(
      `values differ by up to ${c.worst.toExponential(2)}, over ${c.tolerance.toExponential(2)}`,
    );
  }
}

/**
 * Asserts the same logits to the kernel's rounding, and the same top-k order wherever the expected margins exceed
 * twice the tolerance (where they do not, rounding may legitimately swap neighbours).
 */
export function expectSameLogits(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  precision: Precision = 'float32',
  k = 5,
): void {
  const c = compareLogits(actual, expected, precision);
  if (!(c.ratio <= 1)) {
    throw new Error(
      `logits differ by up to ${c.worst.toExponential(2)}, over the ${c.tolerance.toExponential(2)} the kernel's rounding explains`,
    );
  }
  const top = topK(expected, k);
  for (let i = 0; i + 1 < top.length; i++) {
    const [a, b] = [top[i], top[i + 1]];
    if (expected[a] - expected[b] > 2 * c.tolerance && !(actual[a] > actual[b])) {
      throw new Error(`top-${k} order differs at rank ${i + 1}: token ${a} should stay above token ${b}`);
    }
  }
}
