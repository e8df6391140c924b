/** Runs one benchmark script in a fresh process (so each measurement starts with a clean heap and RSS). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const REPO = path.join(__dirname, '..');

/**
 * Runs `bench/<script>` under tsx (or its bundled .js beside this file) with `args` and returns the JSON object it
 * printed as its last line.
 * @throws Error when the script printed no JSON, reported an `error`, or exited non-zero.
 */
export function runChild<T extends { error?: string }>(script: string, args: string[]): T {
  // Bundled into plain JavaScript for the GPU machine (`bench/device/build.sh`), the scripts sit side by side as .js.
  const bundled = path.join(__dirname, script.replace(/\.ts$/, '.js'));
  const command = existsSync(bundled)
    ? [bundled]
    : [require.resolve('tsx/cli'), path.join(__dirname, script)];
  const child = spawnSync(process.execPath, [...command, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 2 ** 20,
  });
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  let parsed: T;
  try {
    parsed = JSON.parse(last) as T;
  } catch {
    throw new Error(`${script} printed no result (exit ${child.status}): ${child.stdout.slice(-500)}`);
  }
  if (parsed.error || child.status !== 0)
    throw new Error(`${script} failed: ${parsed.error ?? child.status}`);
  return parsed;
}
