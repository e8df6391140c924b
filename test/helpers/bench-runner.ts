/** Runs one of the benchmark's scripts (bench/*.ts) in a fresh process, as `npm run bench` does. */
import { runChild, type ChildOptions } from '../../bench/run-child';
import type { RunnerResult } from '../../bench/runner-result';

/**
 * The JSON object `bench/<script>` printed last. A failing or hanging script (killed after `timeoutMs`, 4 minutes
 * by default: Jest cannot time out a synchronous test) fails the test with the end of its output.
 */
export function runner(
  script: string,
  args: string[],
  options: Omit<ChildOptions, 'echoStderr'> = {},
): RunnerResult & Record<string, unknown> {
  return runChild<RunnerResult & Record<string, unknown>>(script, args, {
    timeoutMs: 240_000,
    ...options,
    echoStderr: false,
  });
}
