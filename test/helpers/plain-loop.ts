/**
 * The simplest loop over a decoder session, as any runtime could write it: the graph as exported, each pass's
 * presents fed back as the next past. The floor of the benchmarks and the reference path of some tests.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import {
  readDecoderSignature,
  type DecoderSignature,
} from '../../localhost-engine/inference/decoder-signature';
import { int64, lastRow, zeros } from '../../localhost-engine/inference/tensors';

export class PlainLoop {
  readonly sig: DecoderSignature;
  private past: Record<string, Tensor> = {};
  private held = 0;

  constructor(
    private readonly session: InferenceSession,
    known: { kvHeads?: number; headSize?: number } = {},
  ) {
    this.sig = readDecoderSignature(session, known);
    this.reset();
  }

  /** Forgets the past: the next pass starts a sequence. */
  reset(): void {
    const { layers, kvType, kvHeads, headSize } = this.sig;
    this.past = {};
    for (let l = 0; l < layers; l++) {
      for (const kind of ['key', 'value'])
        this.past[`past_key_values.${l}.${kind}`] = zeros(kvType, [1, kvHeads, 0, headSize]);
    }
    this.held = 0;
  }

  /** Runs `ids` after what the loop holds, and returns the last position's logits. */
  async step(ids: readonly number[]): Promise<Float32Array> {
    const total = this.held + ids.length;
    const feeds: Record<string, Tensor> = {
      ...this.past,
      input_ids: int64(ids, [1, ids.length]),
      attention_mask: int64(new Array<number>(total).fill(1), [1, total]),
    };
    if (this.sig.hasPositionIds)
      feeds.position_ids = int64(
        ids.map((_, i) => this.held + i),
        [1, ids.length],
      );
    if (this.sig.hasLogitsToKeep) feeds.num_logits_to_keep = int64([1], []);
    const out = await this.session.run(feeds);
    this.past = {};
    for (let l = 0; l < this.sig.layers; l++) {
      for (const kind of ['key', 'value'])
        this.past[`past_key_values.${l}.${kind}`] = out[`present.${l}.${kind}`];
    }
    this.held = total;
    return lastRow(out.logits);
  }
}
