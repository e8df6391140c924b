/**
 * One finding of `localscribe doctor`: what was checked, how it went, what was seen, and the command or setting
 * that fixes it.
 */

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'info' | 'skip';

export interface CheckResult {
  /** Stable name for scripts reading `--json` (engine, port, certificate, manifest, model, disk, …). */
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to run or change; present whenever status is fail or warn. */
  fix?: string;
}
