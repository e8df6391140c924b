/**
 * The simplest loop over a decoder session, as any runtime could write it: the graph as exported, each pass's
 * presents fed back as the next past (the engine's `PresentKv`). The floor of the benchmarks and the reference path
 * of some tests.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import {
  readDecoderSignature,
  type DecoderSignature,
} from '../../localhost-engine/inference/decoder-signature';
import { PresentKv } from '../../localhost-engine/inference/kv/present-kv';
import { int64, lastRow } from '../../localhost-engine/inference/tensors';

export class PlainLoop {
  readonly sig: DecoderSignature;
  private readonly kv: PresentKv;
  private held = 0;

  constructor(
    private readonly session: InferenceSession,
    known: { kvHeads?: number; headSize?: number } = {},
  ) {
    this.sig = readDecoderSignature(session, known);
    this.kv = new PresentKv(this.sig);
    this.reset();
  }

  /** Forgets the past: the next pass starts a sequence. */
  reset(): void {
    this.kv.reset();
    this.held = 0;
  }

  /** Runs `ids` after what the loop holds, and returns the last position's logits. */
  async step(ids: readonly number[]): Promise<Float32Array> {
    const total = this.held + ids.length;
    const feeds: Record<string, Tensor> = {
      ...this.kv.feeds(),
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
    this.kv.afterRun(out);
    this.held = total;
    return lastRow(out.logits);
  }
}
