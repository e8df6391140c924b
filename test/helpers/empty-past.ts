/** The past a decoder's first pass is fed: every layer's keys and values with no positions. */
import * as ort from 'onnxruntime-node';

export function emptyPast(sig: {
  layers: number;
  kvHeads: number;
  headSize: number;
  kvType?: 'float32' | 'float16';
}): Record<string, ort.Tensor> {
  const past: Record<string, ort.Tensor> = {};
  const dims = [1, sig.kvHeads, 0, sig.headSize];
  for (let l = 0; l < sig.layers; l++) {
    for (const kind of ['key', 'value']) {
      past[`past_key_values.${l}.${kind}`] =
        sig.kvType === 'float16'
          ? new ort.Tensor('float16', new Uint16Array(0), dims)
          : new ort.Tensor('float32', new Float32Array(0), dims);
    }
  }
  return past;
}
