/** What each benchmark runner (bench/*-runner.ts, through runner-common.ts) prints as its last line. */

/** One generation: `newTokens` after a `promptTokens`-token prompt. */
export interface RunnerRun {
  promptTokens: number;
  newTokens: number;
  ttftMs: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  tokens: number[];
  /** The engine: forward passes the generation ran (prompt passes and one per further token). */
  forwardPasses?: number;
}

export interface RunnerResult {
  side: string;
  /** The engine: the device its session ran on at the end (after any fallback, at load or mid-generation). */
  device?: string;
  loadMs: number;
  /** Absent with `--load-only`. */
  runs?: RunnerRun[];
  peakRssMB: number;
  eventLoopP99Ms?: number;
  /** The engine's optimized copy: reused, built, or why not. */
  optimized?: { status: string; reason?: string; buildMs?: number } | null;
  error?: string;
}
