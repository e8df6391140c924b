/** The inputs of one decoder pass besides the past, for graph tests that drive a session pass by pass. */
import type * as ort from 'onnxruntime-node';
import { int64 } from '../../localhost-engine/inference/tensors';

/**
 * `n` new tokens after `held` cached ones: deterministic ids that differ per position, the attention mask over all
 * of them, their positions where the graph takes them, and `num_logits_to_keep` where it has it.
 */
export function passFeeds(
  held: number,
  n: number,
  hasLogitsToKeep: boolean,
  hasPositionIds = true,
): Record<string, ort.Tensor> {
  const ids = Array.from({ length: n }, (_, i) => 500 + (((held + i) * 97) % 20000));
  const feeds: Record<string, ort.Tensor> = {
    input_ids: int64(ids, [1, n]),
    attention_mask: int64(new Array<number>(held + n).fill(1), [1, held + n]),
    position_ids: int64(
      ids.map((_, i) => held + i),
      [1, n],
    ),
  };
  if (!hasPositionIds) delete feeds.position_ids;
  if (hasLogitsToKeep) feeds.num_logits_to_keep = int64([1], []);
  return feeds;
}
