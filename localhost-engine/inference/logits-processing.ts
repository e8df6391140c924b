/**
 * Greedy choice of the next token with transformers.js' repetition controls, so the engine's tokens can be
 * compared with transformers.js' own `generate`: a repetition penalty over every token seen (prompt and output)
 * and a ban on any n-gram that already occurred.
 */

export interface RepetitionControl {
  /** HF-style repetition penalty over every token seen (prompt and output); 1 disables it. */
  repetitionPenalty: number;
  /** Bans any n-gram that already occurred (prompt and output); 0 disables it. */
  noRepeatNgramSize: number;
}

/** Applies the penalty and the n-gram ban to `row` in place, as transformers.js' logits processors do. */
export function applyRepetitionControl(
  row: Float32Array,
  history: readonly number[],
  seen: ReadonlySet<number>,
  control: RepetitionControl,
): void {
  if (control.repetitionPenalty !== 1) {
    for (const id of seen) {
      if (id >= row.length) continue;
      row[id] = row[id] < 0 ? row[id] * control.repetitionPenalty : row[id] / control.repetitionPenalty;
    }
  }
  const n = control.noRepeatNgramSize;
  if (n > 0 && history.length + 1 >= n) {
    const prefixStart = history.length - (n - 1);
    for (let i = 0; i + n <= history.length; i++) {
      let match = true;
      for (let j = 0; j < n - 1; j++) {
        if (history[i + j] !== history[prefixStart + j]) {
          match = false;
          break;
        }
      }
      if (match) row[history[i + n - 1]] = -Infinity;
    }
  }
}

/** The index of the largest value (the first of equal ones). */
export function argmax(row: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < row.length; i++) {
    if (row[i] > bestValue) {
      bestValue = row[i];
      best = i;
    }
  }
  return best;
}

/** Picks each next token from a logits row, remembering the tokens seen so far. */
export class GreedyPicker {
  private readonly history: number[];
  private readonly seen: Set<number>;

  constructor(
    promptIds: readonly number[],
    private readonly control: RepetitionControl,
  ) {
    this.history = [...promptIds];
    this.seen = new Set(promptIds);
  }

  /** The next token for `row` (modified in place by the repetition controls). */
  pick(row: Float32Array): number {
    applyRepetitionControl(row, this.history, this.seen, this.control);
    return argmax(row);
  }

  /** The prompt and every token accepted since, in order. */
  get sequence(): readonly number[] {
    return this.history;
  }

  /** Records a token the loop fed back. */
  accept(token: number): void {
    this.history.push(token);
    this.seen.add(token);
  }
}
