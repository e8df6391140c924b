/**
 * Named sizes of the generated Phi-3-architecture decoders. `phi3-mini` has the real Phi-3-mini-4k dimensions;
 * `tiny` keeps the same vocabulary and structure at a size that generates and runs in about a second.
 */

/** Dimensions of a Phi-3-architecture decoder, named as in Hugging Face's Phi3Config. */
export interface Phi3Config {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  numKeyValueHeads: number;
  headSize: number;
  ropeTheta: number;
  maxPositionEmbeddings: number;
  rmsNormEps: number;
  /** MatMulNBits block size along K (Microsoft's CPU export uses 32). */
  blockSize: number;
  /**
   * Whether the int4 weights carry a zero point per block (asymmetric, as AWQ exports do). Microsoft's CPU export
   * (its 2024 model builder quantized with is_symmetric=True) and transformers.js' q4 files have none.
   */
  zeroPoints: boolean;
  /** Seed of the weight PRNG; the same seed gives byte-identical files. */
  seed: number;
}

export type ModelSize = 'tiny' | 'phi3-mini';

export const MODEL_SIZES: Readonly<Record<ModelSize, Readonly<Phi3Config>>> = {
  tiny: {
    vocabSize: 32064,
    hiddenSize: 64,
    intermediateSize: 256,
    numHiddenLayers: 2,
    numAttentionHeads: 4,
    numKeyValueHeads: 2,
    // GroupQueryAttention's CPU kernel needs a head size that is a multiple of 16.
    headSize: 16,
    ropeTheta: 10000,
    maxPositionEmbeddings: 4096,
    rmsNormEps: 1e-5,
    blockSize: 32,
    zeroPoints: false,
    seed: 20261126,
  },
  'phi3-mini': {
    vocabSize: 32064,
    hiddenSize: 3072,
    intermediateSize: 8192,
    numHiddenLayers: 32,
    numAttentionHeads: 32,
    numKeyValueHeads: 32,
    headSize: 96,
    ropeTheta: 10000,
    maxPositionEmbeddings: 4096,
    rmsNormEps: 1e-5,
    blockSize: 32,
    zeroPoints: false,
    seed: 20261126,
  },
};

/** True when `value` names a known size. */
export function isModelSize(value: string): value is ModelSize {
  return Object.prototype.hasOwnProperty.call(MODEL_SIZES, value);
}

/**
 * Checks the invariants the graph relies on and throws an Error naming the first one broken.
 */
export function validateConfig(c: Phi3Config): void {
  if (c.hiddenSize !== c.numAttentionHeads * c.headSize) {
    throw new Error('hiddenSize must equal numAttentionHeads * headSize');
  }
  if (c.numAttentionHeads % c.numKeyValueHeads !== 0) {
    throw new Error('numAttentionHeads must be a multiple of numKeyValueHeads');
  }
  if (c.headSize % 16 !== 0)
    throw new Error('headSize must be a multiple of 16 (GroupQueryAttention on CPU)');
  for (const k of [c.hiddenSize, c.intermediateSize]) {
    if (k % c.blockSize !== 0) throw new Error(`${k} is not a multiple of blockSize ${c.blockSize}`);
  }
}
