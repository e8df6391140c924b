/**
 * `npm pack`'s hooks. prepack: builds when dist/ is older than the source, then writes npm-shrinkwrap.json (the
 * lockfile without development packages), so an installed LocalScribe gets the dependency versions its tests ran
 * on; npm recommends a published shrinkwrap for command-line tools. postpack: removes it again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

interface LockEntry {
  dev?: boolean;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Why dist/ cannot be packed as it is (missing or older than a source file), or null when it is current. */
export function staleBuild(root = ROOT): string | null {
  const outputs: Array<[string, string[]]> = [
    ['dist/localhost-engine/cli.js', ['localhost-engine']],
    ['dist/taskpane/taskpane.html', ['taskpane']],
  ];
  for (const [output, sources] of outputs) {
    const file = path.join(root, output);
    if (!existsSync(file)) return `${output} is missing`;
    const built = statSync(file).mtimeMs;
    const stale = sources.find((s) => newestMtime(path.join(root, s)) > built);
    if (stale) return `${output} is older than ${stale}/`;
  }
  return null;
}

/** A registry package's tarball on the public registry (npm installs it from the configured one). */
function registryTarball(key: string, entry: LockEntry): string {
  const name = typeof entry.name === 'string' ? entry.name : key.slice(key.lastIndexOf('node_modules/') + 13);
  return `https://registry.npmjs.org/${name}/-/${name.split('/').pop()}-${String(entry.version)}.tgz`;
}

/**
 * The lockfile without what only development needs: the shrinkwrap a packed LocalScribe ships. The lockfile
 * omits registry tarball URLs; the shrinkwrap names them, since without them npm would fetch every package's
 * metadata to find them, and could not install from its cache offline.
 */
export function shrinkwrapFrom(lock: { packages: Record<string, LockEntry> }): object {
  const packages: Record<string, LockEntry> = {};
  for (const [key, entry] of Object.entries(lock.packages)) {
    if (entry.dev) continue;
    if (key === '') {
      const { devDependencies: _dev, ...root } = entry;
      packages[key] = root;
    } else if (entry.resolved || entry.link || !entry.integrity) packages[key] = entry;
    else packages[key] = { ...entry, resolved: registryTarball(key, entry) };
  }
  return { ...lock, packages };
}

function main(hook: string | undefined): void {
  const shrinkwrap = path.join(ROOT, 'npm-shrinkwrap.json');
  if (hook === 'postpack') {
    rmSync(shrinkwrap, { force: true });
    return;
  }
  if (hook !== 'prepack') throw new Error('Usage: tsx scripts/pack.ts prepack|postpack');
  const stale = staleBuild();
  if (stale) {
    console.log(`${stale}: building.`);
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const build = spawnSync(npm, ['run', 'build'], {
      cwd: ROOT,
      stdio: 'inherit',
      shell: process.platform === 'win32',
    });
    if (build.status !== 0) process.exit(build.status ?? 1);
  }
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  writeFileSync(shrinkwrap, `${JSON.stringify(shrinkwrapFrom(lock), null, 2)}\n`);
}

if (require.main === module) main(process.argv[2]);
