/**
 * Deterministic random weights for the generated Phi-3 decoders, as lazily produced tensors: int4 blocks for
 * MatMulNBits, float embeddings, norm weights and rotary caches. Scales are chosen so activations stay near
 * unit size through the layers, and so greedy decoding wanders over many tokens instead of repeating one.
 */
import { DataType } from '../localhost-engine/onnx/schema';
import { float16Bytes, roundToFloat16 } from '../localhost-engine/onnx/float16';
import { TensorSource } from './onnx-model-writer';
import { SeededRandom } from './seeded-random';

/** The float types a generated graph stores its float weights in. */
export type FloatWeightType = typeof DataType.FLOAT | typeof DataType.FLOAT16;

/** Float32 values as the bytes of `type`. */
function floatBytes(values: Float32Array, type: FloatWeightType): Uint8Array {
  return type === DataType.FLOAT16 ? float16Bytes(values) : new Uint8Array(values.buffer);
}

// Chunks of about 4 MiB keep memory flat however large the tensor is.
const CHUNK_BYTES = 4 * 1024 * 1024;

// Standard deviation of (q - zp) for q uniform on 0..15 and zp 7 or 8 with equal chance: sqrt(255/12 + 1/4).
const INT4_STD_ASYMMETRIC = Math.sqrt(255 / 12 + 0.25);
// Symmetric weights have no zero points (MatMulNBits then subtracts 8). A nibble of 0 is stored as 8, so q - 8
// takes -7..7 with 0 twice as likely, mean 0: sqrt(2 * (1² + ... + 7²) / 16).
const INT4_STD_SYMMETRIC = Math.sqrt(17.5);

/**
 * Token ids whose LM-head rows are zero, so greedy decoding of a random model never picks them: <unk>, <s>,
 * </s>, the 256 byte-fallback tokens (3..258), and the Phi-3 special and padding ids (32000 and up). A zero
 * row gives logit 0, below the best of 31,700 random logits. Text streamed from the model stays word-like.
 */
export function isSuppressedToken(id: number): boolean {
  return id <= 258 || id >= 32000;
}

/**
 * The initializers of one MatMulNBits weight: B, scales and, for asymmetric quantization, zero points. Microsoft's
 * CPU export (cpu-int4-rtn-block-32) and transformers.js' q4 files are symmetric; AWQ exports carry zero points.
 */
export interface QuantizedWeight {
  b: TensorSource;
  scales: TensorSource;
  zeroPoints?: TensorSource;
  n: number;
  k: number;
  blockSize: number;
}

export interface QuantizedWeightOptions {
  seed: number;
  /** Output features (MatMulNBits N). */
  n: number;
  /** Input features (MatMulNBits K); a multiple of blockSize. */
  k: number;
  blockSize: number;
  /** Standard deviation of each output for inputs of unit RMS. */
  outputStd: number;
  /** Output rows whose weights are all exactly zero (their outputs are 0 whatever the input). */
  zeroRow?: (row: number) => boolean;
  /** Quantize asymmetrically, with a zero point per block; otherwise symmetrically, with none. */
  zeroPoints: boolean;
  /** Type of the scales (default float32); fp16 exports store float16 scales. */
  scaleType?: FloatWeightType;
  /**
   * Round the scale to a float16 value even when it is stored as float32, so that a GGUF Q4_0 copy (fp16 scales)
   * holds exactly the same weights.
   */
  float16Scale?: boolean;
  /** Initializer names, as onnxruntime's MatMul4BitsQuantizer gives them (default `<name>.MatMulNBits.*`). */
  tensorNames?: { b: string; scales: string; zeroPoints: string };
}

// Maps a byte of two random nibbles to one where a nibble of 0 becomes 8 (symmetric weights, see above).
const SYMMETRIC_BYTE = Uint8Array.from({ length: 256 }, (_, b) => (b & 0x0f || 0x08) | (b & 0xf0 || 0x80));

function* constantFloats(count: number, value: number, type: FloatWeightType): Iterable<Uint8Array> {
  const perChunk = CHUNK_BYTES / 4;
  for (let done = 0; done < count; done += perChunk) {
    yield floatBytes(new Float32Array(Math.min(perChunk, count - done)).fill(value), type);
  }
}

/**
 * A 4-bit block-quantized weight in MatMulNBits layout: B is uint8 [N, K/blockSize, blockSize/2] with the
 * element of even k in the low nibble; scales are float [N * K/blockSize]; zero points, when asked for, are
 * uint8, two blocks per byte (low nibble first), [N * ceil((K/blockSize) / 2)]. Dequantized w = (q - zp) * scale,
 * with zp = 8 when there are no zero points.
 */
export function quantizedWeight(name: string, o: QuantizedWeightOptions): QuantizedWeight {
  const { n, k, blockSize } = o;
  const blocksPerRow = k / blockSize;
  const rowBytes = k / 2;
  const zpRowBytes = Math.ceil(blocksPerRow / 2);
  const isZero = o.zeroRow ?? (() => false);
  // Inputs have unit RMS, so an output's std is the std of (q - zp) * scale * sqrt(K).
  const int4Std = o.zeroPoints ? INT4_STD_ASYMMETRIC : INT4_STD_SYMMETRIC;
  const exactScale = o.outputStd / (int4Std * Math.sqrt(k));
  const scale = o.float16Scale ? roundToFloat16(exactScale) : exactScale;
  const scaleType = o.scaleType ?? DataType.FLOAT;
  const names = o.tensorNames ?? {
    b: `${name}.MatMulNBits.qweight`,
    scales: `${name}.MatMulNBits.scales`,
    zeroPoints: `${name}.MatMulNBits.qzeros`,
  };

  const b: TensorSource = {
    name: names.b,
    dataType: DataType.UINT8,
    dims: [n, blocksPerRow, blockSize / 2],
    *chunks() {
      const random = new SeededRandom(o.seed, `${name}.qweight`);
      const rowsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / rowBytes));
      for (let row = 0; row < n; row += rowsPerChunk) {
        const rows = Math.min(rowsPerChunk, n - row);
        // rowBytes is a multiple of 4 because K is a multiple of the block size (at least 8).
        const words = new Uint32Array((rows * rowBytes) / 4);
        random.fillUint32(words);
        const bytes = new Uint8Array(words.buffer);
        if (!o.zeroPoints) for (let i = 0; i < bytes.length; i++) bytes[i] = SYMMETRIC_BYTE[bytes[i]];
        for (let r = 0; r < rows; r++) {
          if (isZero(row + r)) bytes.fill(0x88, r * rowBytes, (r + 1) * rowBytes);
        }
        yield bytes;
      }
    },
  };

  const scales: TensorSource = {
    name: names.scales,
    dataType: scaleType,
    dims: [n * blocksPerRow],
    chunks: () => constantFloats(n * blocksPerRow, scale, scaleType),
  };

  if (!o.zeroPoints) return { b, scales, n, k, blockSize };

  const zeroPoints: TensorSource = {
    name: names.zeroPoints,
    dataType: DataType.UINT8,
    dims: [n * zpRowBytes],
    *chunks() {
      const random = new SeededRandom(o.seed, `${name}.qzeros`);
      const rowsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / zpRowBytes));
      for (let row = 0; row < n; row += rowsPerChunk) {
        const rows = Math.min(rowsPerChunk, n - row);
        const bytes = new Uint8Array(rows * zpRowBytes);
        // Two random bits per byte, one per zero point.
        const bits = new Uint32Array(Math.ceil(bytes.length / 16));
        random.fillUint32(bits);
        for (let i = 0; i < bytes.length; i++) {
          const r = Math.floor(i / zpRowBytes);
          if (isZero(row + r)) {
            bytes[i] = 0x88;
            continue;
          }
          // Zero points of 7 or 8 centre uniform 0..15 nibbles on zero on average (their mean is 7.5).
          const lo = 7 + ((bits[i >>> 4] >>> ((2 * i) & 31)) & 1);
          const hi = 7 + ((bits[i >>> 4] >>> ((2 * i + 1) & 31)) & 1);
          bytes[i] = lo | (hi << 4);
        }
        yield bytes;
      }
    },
  };

  return { b, scales, zeroPoints, n, k, blockSize };
}

/** A MatMulNBits weight's initializers in the order of the op's inputs: B, scales, then zero points if any. */
export function weightInitializers(w: QuantizedWeight): TensorSource[] {
  return w.zeroPoints ? [w.b, w.scales, w.zeroPoints] : [w.b, w.scales];
}

/**
 * A float tensor of uniform random values with mean 0 and the given standard deviation; its values depend on the
 * seed and `name` only, so a float16 copy holds the same values rounded.
 */
export function randomFloatTensor(
  seed: number,
  name: string,
  dims: readonly number[],
  std: number,
  dataType: FloatWeightType = DataType.FLOAT,
): TensorSource {
  const count = dims.reduce((a, d) => a * d, 1);
  return {
    name,
    dataType,
    dims,
    *chunks() {
      const random = new SeededRandom(seed, name);
      const perChunk = CHUNK_BYTES / 4;
      for (let done = 0; done < count; done += perChunk) {
        const chunk = new Float32Array(Math.min(perChunk, count - done));
        random.fillUniform(chunk, std);
        yield floatBytes(chunk, dataType);
      }
    },
  };
}

/** A float tensor filled with one value (norm weights). */
export function constantFloatTensor(
  name: string,
  dims: readonly number[],
  value: number,
  dataType: FloatWeightType = DataType.FLOAT,
): TensorSource {
  const count = dims.reduce((a, d) => a * d, 1);
  return { name, dataType, dims, chunks: () => constantFloats(count, value, dataType) };
}

/** An int64 tensor with the given values (graph constants). */
export function int64Tensor(
  name: string,
  dims: readonly number[],
  values: readonly (number | bigint)[],
): TensorSource {
  return {
    name,
    dataType: DataType.INT64,
    dims,
    *chunks() {
      yield new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
    },
  };
}

/** What rotaryCaches computes: `positions` rows of `headSize / 2` frequencies. */
export interface RotaryCacheOptions {
  positions: number;
  headSize: number;
  theta: number;
  dataType?: FloatWeightType;
  names?: { cos: string; sin: string };
  /** LongRoPE's per-frequency rescale factors (Phi-3.5's short_factor / long_factor); 1 when absent. */
  factors?: readonly number[];
  /** LongRoPE's magnitude scale of cos and sin (default 1). */
  mscale?: number;
}

/**
 * Non-interleaved rotary caches as RotaryEmbedding and GroupQueryAttention take them: cos and sin of
 * position * theta^(-2i/headSize) / factor_i, times mscale, each [positions, headSize/2].
 */
export function rotaryCaches(o: RotaryCacheOptions): { cos: TensorSource; sin: TensorSource } {
  const half = o.headSize / 2;
  const dataType = o.dataType ?? DataType.FLOAT;
  const mscale = o.mscale ?? 1;
  const freq = Array.from(
    { length: half },
    (_, i) => Math.pow(o.theta, (-2 * i) / o.headSize) / (o.factors?.[i] ?? 1),
  );
  const make = (name: string, f: (x: number) => number): TensorSource => ({
    name,
    dataType,
    dims: [o.positions, half],
    *chunks() {
      const rowsPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / (4 * half)));
      for (let p0 = 0; p0 < o.positions; p0 += rowsPerChunk) {
        const rows = Math.min(rowsPerChunk, o.positions - p0);
        const out = new Float32Array(rows * half);
        for (let r = 0; r < rows; r++) {
          for (let i = 0; i < half; i++) out[r * half + i] = f((p0 + r) * freq[i]) * mscale;
        }
        yield floatBytes(out, dataType);
      }
    },
  });
  const names = o.names ?? { cos: 'cos_cache', sin: 'sin_cache' };
  return { cos: make(names.cos, Math.cos), sin: make(names.sin, Math.sin) };
}
