import {
  float16Bits,
  float16Bytes,
  float16Value,
  roundToFloat16,
} from '../../../localhost-engine/onnx/float16';

describe('float16 conversion', () => {
  it.each([
    [0, 0x0000],
    [-0, 0x8000],
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [65504, 0x7bff],
    [-65504, 0xfbff],
    [65520, 0x7c00], // rounds up past the largest finite value
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -26, 0x0000], // below half of it
    [Infinity, 0x7c00],
  ])('%p has the bits %p', (value, bits) => {
    expect(float16Bits(value)).toBe(bits);
  });

  it('rounds to nearest, ties to even, and reads back every finite pattern exactly', () => {
    expect(roundToFloat16(1 + 2 ** -11)).toBe(1); // tie: down to the even mantissa
    expect(roundToFloat16(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9); // tie: up to the even mantissa
    expect(roundToFloat16(0.1)).toBeCloseTo(0.0999755859375, 12);
    const changed: number[] = [];
    for (let bits = 0; bits < 0x7c00; bits++)
      if (float16Bits(float16Value(bits)) !== bits) changed.push(bits);
    expect(changed).toEqual([]);
    expect(Number.isNaN(float16Value(0x7e00))).toBe(true);
  });

  it('writes little-endian bytes', () => {
    expect(Array.from(float16Bytes([1, -2]))).toEqual([0x00, 0x3c, 0x00, 0xc0]);
  });
});
