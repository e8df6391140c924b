/** What every side's runner (bench/*-runner.ts) shares: its common flags, its rates and its last line. */
import type { RunnerResult, RunnerRun } from './runner-result';

/** The flags every runner takes, for `parseArgs`. */
export const RUNNER_OPTIONS = {
  prompts: { type: 'string', default: '512,2048' },
  'new-tokens': { type: 'string', default: '128' },
  threads: { type: 'string' },
} as const;

/**
 * One generation's figures from when it started and when each new token arrived (the first token's time ends
 * the prefill). One new token has no decode phase: 0, not NaN (which JSON.stringify prints as null).
 */
export function timedRun(prompt: number[], started: number, times: number[], tokens: number[]): RunnerRun {
  const ttftMs = times[0] - started;
  return {
    promptTokens: prompt.length,
    newTokens: tokens.length,
    ttftMs: Math.round(ttftMs),
    prefillTokensPerSecond: Number((prompt.length / (ttftMs / 1000)).toFixed(2)),
    decodeTokensPerSecond:
      times.length > 1 ? Number(((times.length - 1) / ((times.at(-1)! - times[0]) / 1000)).toFixed(2)) : 0,
    tokens,
  };
}

/**
 * Runs a side and prints its result as the last line of JSON, with the process's peak RSS; a failure prints
 * `{side, error}` and exits 1 (onnxruntime's messages end in a newline, trimmed here).
 */
export function runSide(
  side: string,
  measure: () => Promise<Omit<RunnerResult, 'side' | 'peakRssMB'>>,
): void {
  measure().then(
    (result) =>
      console.log(
        JSON.stringify({ side, ...result, peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }),
      ),
    (err: unknown) => {
      const error = err instanceof Error ? err.message.trim() : String(err);
      console.log(JSON.stringify({ side, error }));
      process.exit(1);
    },
  );
}
