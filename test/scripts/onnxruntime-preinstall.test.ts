/**
 * The preinstall that keeps onnxruntime-node's postinstall from fetching its CUDA provider: it writes placeholders
 * exactly for the files onnxruntime-node's own metadata lists for the platform (none on Windows or macOS), keeps
 * real files, and stands aside when the user chose what onnxruntime-node installs.
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '..', '..', 'scripts', 'onnxruntime-preinstall.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const preinstall = require(SCRIPT) as {
  filesToFetch(ortDir: string, platform: string, arch: string): string[];
  writePlaceholders(ortDir: string, platform: string, arch: string): string[];
  PLACEHOLDER: string;
};
const REAL_ORT = path.dirname(require.resolve('onnxruntime-node/package.json'));

/** A package folder with an onnxruntime-node that has the real one's install metadata and no binaries. */
function packageWithOrt(): { pkg: string; ort: string } {
  const pkg = mkdtempSync(path.join(os.tmpdir(), 'ort-preinstall-'));
  const ort = path.join(pkg, 'node_modules', 'onnxruntime-node');
  mkdirSync(path.join(ort, 'script'), { recursive: true });
  for (const file of ['install-metadata.js', 'install-metadata-versions.js']) {
    copyFileSync(path.join(REAL_ORT, 'script', file), path.join(ort, 'script', file));
  }
  writeFileSync(path.join(ort, 'package.json'), readFileSync(path.join(REAL_ORT, 'package.json')));
  return { pkg, ort };
}

test('on Windows and macOS onnxruntime-node fetches nothing, so nothing is written', () => {
  const { ort } = packageWithOrt();
  for (const [platform, arch] of [
    ['win32', 'x64'],
    ['win32', 'arm64'],
    ['darwin', 'arm64'],
    ['darwin', 'x64'],
  ]) {
    expect(preinstall.writePlaceholders(ort, platform, arch)).toEqual([]);
  }
  expect(existsSync(path.join(ort, 'bin'))).toBe(false);
});

test('on Linux x64 it writes the CUDA provider files the installer would fetch, and keeps real ones', () => {
  const { ort } = packageWithOrt();
  const dir = path.join(ort, 'bin', 'napi-v6', 'linux', 'x64');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'libonnxruntime_providers_shared.so'), 'a real library');
  const written = preinstall.writePlaceholders(ort, 'linux', 'x64');
  expect(written.map((f) => path.basename(f)).sort()).toEqual([
    'libonnxruntime_providers_cuda.so',
    'libonnxruntime_providers_tensorrt.so',
  ]);
  expect(readFileSync(written[0], 'utf8')).toBe(preinstall.PLACEHOLDER);
  expect(readFileSync(path.join(dir, 'libonnxruntime_providers_shared.so'), 'utf8')).toBe('a real library');
  expect(preinstall.writePlaceholders(ort, 'linux', 'x64')).toEqual([]);
});

test('run as the preinstall, it stands aside when the user chose what onnxruntime-node installs', () => {
  const { pkg, ort } = packageWithOrt();
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [SCRIPT], {
      cwd: pkg,
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
    });
  const bin = path.join(ort, 'bin', 'napi-v6', process.platform, process.arch);
  for (const choice of ['ONNXRUNTIME_NODE_INSTALL', 'npm_config_onnxruntime_node_install']) {
    expect(run({ [choice]: 'cuda12' }).status).toBe(0);
    expect(existsSync(bin)).toBe(false);
  }
  const ran = run({});
  expect(ran.status).toBe(0);
  const expected = preinstall.filesToFetch(ort, process.platform, process.arch).map((f) => path.basename(f));
  expect(existsSync(bin) ? readdirSync(bin).sort() : []).toEqual(expected.sort());
});
