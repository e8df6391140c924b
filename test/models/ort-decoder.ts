/**
 * Test helper: runs a generated decoder step by step with onnxruntime-node, the KV cache fed back by hand. The
 * cache's type and dimensions, and whether the graph takes position_ids or num_logits_to_keep, come from the
 * session's own input metadata, so the same steps run every layout (fp32 or fp16, with or without position_ids).
 */
import * as ort from 'onnxruntime-node';
import { floatsOf } from '../helpers/same-logits';

export interface StepResult {
  /** Logits of the last position returned (as float32 whatever the graph's logits type). */
  lastLogits: Float32Array;
  /** The precision the graph computed its logits in. */
  precision: 'float32' | 'float16';
  logitsDims: readonly number[];
  present: Record<string, ort.Tensor>;
}

/** A session input's tensor metadata (onnxruntime-node 1.30 lists type and shape for each input). */
function inputInfo(
  session: ort.InferenceSession,
  name: string,
): { type: string; shape: readonly (number | string)[] } {
  const meta = session.inputMetadata.find((m) => m.name === name);
  if (!meta || !meta.isTensor) throw new Error(`${name} is not a tensor input of the session`);
  return { type: meta.type, shape: meta.shape };
}

function emptyCache(session: ort.InferenceSession, name: string): ort.Tensor {
  const { type, shape } = inputInfo(session, name);
  const dims = [1, Number(shape[1]), 0, Number(shape[3])];
  return type === 'float16'
    ? new ort.Tensor('float16', new Uint16Array(0), dims)
    : new ort.Tensor('float32', new Float32Array(0), dims);
}

/**
 * Runs one forward of `ids` after `pastLength` cached positions (`past` from a previous step's presents, or
 * empty). `numLogitsToKeep` is fed only when the session has that input, position_ids only when it has those.
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
  };
  if (session.inputNames.includes('position_ids')) {
    feeds.position_ids = new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: s }, (_, i) => BigInt(pastLength + i)),
      [1, s],
    );
  }
  for (const name of session.inputNames) {
    if (!name.startsWith('past_key_values.')) continue;
    feeds[name] = past?.[name.replace('past_key_values.', 'present.')] ?? emptyCache(session, name);
  }
  if (session.inputNames.includes('num_logits_to_keep')) {
    feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.of(BigInt(numLogitsToKeep)), []);
  }
  const out = await session.run(feeds);
  const logits = out.logits;
  const vocab = logits.dims[2];
  const { values: data, precision } = floatsOf(logits);
  const present: Record<string, ort.Tensor> = {};
  for (const name of session.outputNames) if (name.startsWith('present.')) present[name] = out[name];
  return { lastLogits: data.slice(data.length - vocab), precision, logitsDims: logits.dims, present };
}

/** The index of the largest value. */
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
