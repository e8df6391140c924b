/**
 * Deterministic pseudo-random numbers for generated weights: xoshiro128** seeded through splitmix32 from a
 * hash of (seed, tensor name), so each tensor's values depend on nothing but its name and the seed, and
 * tensors can be produced in any order, chunk by chunk.
 */

// A module-level binding: inside Jest's vm realm every global lookup in a hot loop (Math.imul) is slow.
const imul = Math.imul;

/** FNV-1a over the UTF-8 bytes of `text`, as an unsigned 32-bit integer. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A xoshiro128** stream. Not for cryptography: only reproducibility and speed matter here. */
export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** A stream determined by `seed` and `key` (e.g. a tensor name). */
  constructor(seed: number, key: string) {
    let x = (fnv1a(`${seed}:${key}`) ^ seed) >>> 0;
    const next = (): number => {
      // splitmix32, so that similar keys still give unrelated states.
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next() | 1; // never the all-zero state
  }

  /** Fills `out` with uniform unsigned 32-bit integers. */
  fillUint32(out: Uint32Array): void {
    let { s0, s1, s2, s3 } = this;
    for (let i = 0; i < out.length; i++) {
      const m = imul(s1, 5);
      out[i] = imul((m << 7) | (m >>> 25), 9) >>> 0;
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
  }

  /** Fills `out` with uniform values of mean 0 and standard deviation `std`. */
  fillUniform(out: Float32Array, std: number): void {
    const bits = new Uint32Array(out.length);
    this.fillUint32(bits);
    // Uniform on [-a, a] has standard deviation a / sqrt(3).
    const a = std * Math.sqrt(3);
    const k = (2 * a) / 4294967296;
    for (let i = 0; i < out.length; i++) out[i] = bits[i] * k - a;
  }
}
