/** Runs one of the benchmark's runner scripts (bench/*-runner.ts) in a fresh process, as `npm run bench` does. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const REPO = path.join(__dirname, '..', '..');

/** The JSON object `bench/<script>` printed last; the test fails on a non-zero exit, with the script's output. */
export function runner(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, unknown> {
  const child = spawnSync(
    process.execPath,
    [require.resolve('tsx/cli'), path.join(REPO, 'bench', script), ...args],
    { cwd: REPO, encoding: 'utf8', env },
  );
  expect({ status: child.status, output: child.status === 0 ? '' : child.stdout + child.stderr }).toEqual({
    status: 0,
    output: '',
  });
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}
