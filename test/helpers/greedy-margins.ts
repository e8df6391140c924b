/**
 * The greedy path of a graph as exported (prompt in one pass, presents fed back), with each step's margin between
 * the chosen token and the runner-up after repetition control: where a margin is within the logits' own rounding,
 * another implementation may pick the runner-up there, and token-by-token equality says nothing past that step.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { GreedyPicker, type RepetitionControl } from '../../localhost-engine/inference/logits-processing';
import { PlainLoop } from './plain-loop';

export interface GreedyStep {
  token: number;
  /** The chosen logit minus the runner-up's. */
  margin: number;
  /** The token with the next highest logit. */
  runnerUp: number;
  /** The row's largest magnitude. */
  largest: number;
}

export async function greedyMargins(
  session: InferenceSession,
  prompt: readonly number[],
  control: RepetitionControl,
  steps: number,
): Promise<GreedyStep[]> {
  const loop = new PlainLoop(session);
  const picker = new GreedyPicker(prompt, control);
  const out: GreedyStep[] = [];
  let row = await loop.step(prompt);
  for (;;) {
    const token = picker.pick(row);
    let [runnerUp, largest] = [-1, 0];
    for (let i = 0; i < row.length; i++) {
      if (i !== token && (runnerUp < 0 || row[i] > row[runnerUp])) runnerUp = i;
      largest = Math.max(largest, Math.abs(row[i]));
    }
    out.push({ token, margin: row[token] - row[runnerUp], runnerUp, largest });
    if (out.length >= steps) return out;
    picker.accept(token);
    row = await loop.step([token]);
  }
}
