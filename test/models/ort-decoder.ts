/** Test helper: runs a generated decoder step by step with onnxruntime-node, the KV cache fed back by hand. */
import * as ort from 'onnxruntime-node';
import { MODEL_SIZES } from '../../models/model-sizes';

const tiny = MODEL_SIZES.tiny;

export interface StepResult {
  /** Logits of the last position returned. */
  lastLogits: Float32Array;
  logitsDims: readonly number[];
  present: Record<string, ort.Tensor>;
}

/**
 * Runs one forward of `ids` after `pastLength` cached positions (`past` from a previous step's presents, or
 * empty). `numLogitsToKeep` is fed only when the session has that input.
 */
export async function step(
  session: ort.InferenceSession,
  ids: readonly number[],
  past: Record<string, ort.Tensor> | null,
  pastLength: number,
  numLogitsToKeep = 0,
): Promise<StepResult> {
  const s = ids.length;
  const total = pastLength + s;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, s]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
    position_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: s }, (_, i) => BigInt(pastLength + i)),
      [1, s],
    ),
  };
  for (let i = 0; i < tiny.numHiddenLayers; i++) {
    for (const kind of ['key', 'value']) {
      feeds[`past_key_values.${i}.${kind}`] =
        past?.[`present.${i}.${kind}`] ??
        new ort.Tensor('float32', new Float32Array(0), [1, tiny.numKeyValueHeads, 0, tiny.headSize]);
    }
  }
  if (session.inputNames.includes('num_logits_to_keep')) {
    feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.of(BigInt(numLogitsToKeep)), []);
  }
  const out = await session.run(feeds);
  const logits = out.logits;
  const vocab = logits.dims[2];
  const data = logits.data as Float32Array;
  const present: Record<string, ort.Tensor> = {};
  for (const name of session.outputNames) if (name.startsWith('present.')) present[name] = out[name];
  return { lastLogits: data.slice(data.length - vocab), logitsDims: logits.dims, present };
}

export function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** Greedy decoding with the KV cache; returns the generated token ids. */
export async function greedy(
  session: ort.InferenceSession,
  prompt: readonly number[],
  steps: number,
): Promise<number[]> {
  let r = await step(session, prompt, null, 0, 1);
  let length = prompt.length;
  const tokens: number[] = [];
  for (let i = 0; i < steps; i++) {
    const next = argmax(r.lastLogits);
    tokens.push(next);
    r = await step(session, [next], r.present, length, 1);
    length += 1;
  }
  return tokens;
}
