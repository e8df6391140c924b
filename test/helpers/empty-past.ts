/** The past a decoder's first pass is fed: every layer's keys and values with no positions. */
import * as ort from 'onnxruntime-node';

export function emptyPast(sig: {
  layers: number;
  kvHeads: number;
  headSize: number;
}): Record<string, ort.Tensor> {
  const past: Record<string, ort.Tensor> = {};
  for (let l = 0; l < sig.layers; l++) {
    for (const kind of ['key', 'value']) {
      past[`past_key_values.${l}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [
        1,
        sig.kvHeads,
        0,
        sig.headSize,
      ]);
    }
  }
  return past;
}
