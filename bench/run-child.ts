/** Runs one benchmark script in a fresh process (so each measurement starts with a clean heap and RSS). */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const REPO = path.join(__dirname, '..');

/**
 * True when this code runs as JavaScript, as `bench/device/build.sh` bundles it for the GPU machine (no TypeScript,
 * no npm there): every bundled script is a `.js` beside the others, and nothing needs building.
 */
export const RUNNING_AS_JS = __filename.endsWith('.js');

export interface ChildOptions {
  /** Where the scripts are: this folder (default), or a bundle's. */
  dir?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kills a child that runs longer (spawnSync's `timeout`); none by default. */
  timeoutMs?: number;
  /** Pass the child's stderr on once it ends (default); tests keep it for the error message only. */
  echoStderr?: boolean;
}

/**
 * Runs `<dir>/<script>`, its `.js` beside it where there is one (a bundle), else the `.ts` under tsx, with `args`,
 * and returns the JSON object it printed as its last line.
 * @throws Error when the script printed no JSON, reported an `error`, exited non-zero or was killed; the message
 *   holds the end of its output.
 */
export function runChild<T extends { error?: string }>(
  script: string,
  args: string[],
  options: ChildOptions = {},
): T {
  const dir = options.dir ?? __dirname;
  const js = path.join(dir, script.replace(/\.ts$/, '.js'));
  const command = existsSync(js) ? [js] : [require.resolve('tsx/cli'), path.join(dir, script)];
  const child = spawnSync(process.execPath, [...command, ...args], {
    cwd: options.cwd ?? REPO,
    env: options.env ?? process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 2 ** 20,
    timeout: options.timeoutMs,
  });
  if (child.stderr && options.echoStderr !== false) process.stderr.write(child.stderr);
  const tail = `${child.stdout.slice(-500)}${child.stderr ? `\n${child.stderr.slice(-1500)}` : ''}`;
  if (child.signal) throw new Error(`${script} was killed (${child.signal}): ${tail}`);
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  let parsed: T;
  try {
    parsed = JSON.parse(last) as T;
  } catch {
    throw new Error(`${script} printed no result (exit ${child.status}): ${tail}`);
  }
  if (parsed.error || child.status !== 0)
    throw new Error(`${script} failed: ${parsed.error ?? child.status}: ${tail}`);
  return parsed;
}
