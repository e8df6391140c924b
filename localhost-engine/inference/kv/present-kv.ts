/**
 * The past is the last pass's present, fed back whole. What GPU sessions do (their presents stay on the device as
 * GPU buffers) and the fallback for a graph the engine could not give delta outputs: on the CPU, onnxruntime-node
 * then copies the whole cache out and back every step. Nothing is kept between generations.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { DecoderSignature } from '../decoder-signature';
import { zeros } from '../tensors';
import type { KvStrategy } from './kv-strategy';

export class PresentKv implements KvStrategy {
  readonly name = 'present';
  readonly fetches = undefined;
  private past: Record<string, Tensor> = {};

  constructor(private readonly sig: DecoderSignature) {}

  reset(): number {
    const { layers, kvHeads, headSize, kvType } = this.sig;
    this.past = {};
    for (let l = 0; l < layers; l++) {
      for (const kind of ['key', 'value'])
        this.past[`past_key_values.${l}.${kind}`] = zeros(kvType, [1, kvHeads, 0, headSize]);
    }
    return 0;
  }

  feeds(): Record<string, Tensor> {
    return this.past;
  }

  afterRun(out: InferenceSession.OnnxValueMapType): void {
    const next: Record<string, Tensor> = {};
    for (let l = 0; l < this.sig.layers; l++) {
      for (const kind of ['key', 'value']) next[`past_key_values.${l}.${kind}`] = out[`present.${l}.${kind}`];
    }
    this.past = next;
  }

  heldPrefix(): number {
    return 0;
  }

  hold(): void {
    this.release();
  }

  release(): void {
    this.past = {};
  }
}
