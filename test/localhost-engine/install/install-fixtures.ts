/**
 * Install tests' common ground: a temporary home and data folder, and an install context on a chosen platform whose
 * commands go to a {@link FakeCommands}.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type { InstallContext } from '../../../localhost-engine/install/install-context';
import { PACKAGE_ROOT } from '../../../localhost-engine/package-files';
import { FakeCommands } from './fake-commands';

export interface TestInstall {
  ctx: InstallContext;
  commands: FakeCommands;
  home: string;
}

/** A fresh temporary home; the data folder is where LocalScribe would put it on `platform` (not created). */
export function testInstall(platform: NodeJS.Platform, overrides: Partial<InstallContext> = {}): TestInstall {
  const home = mkdtempSync(path.join(os.tmpdir(), `localscribe-home-${platform}-`));
  const commands = new FakeCommands();
  const dataDir =
    platform === 'win32'
      ? path.join(home, 'AppData', 'Local', 'LocalScribe')
      : platform === 'darwin'
        ? path.join(home, 'Library', 'Application Support', 'LocalScribe')
        : path.join(home, '.local', 'share', 'localscribe');
  const ctx: InstallContext = {
    platform,
    env: { HOME: home },
    home,
    dataDir,
    userName: platform === 'win32' ? 'CONTOSO\\alex' : 'alex',
    uid: platform === 'win32' ? null : 501,
    nodePath: platform === 'win32' ? 'C:\\Program Files\\nodejs\\node.exe' : '/usr/local/bin/node',
    binScript: path.join(PACKAGE_ROOT, 'bin', 'localscribe.js'),
    packageRoot: PACKAGE_ROOT,
    run: commands.run,
    ...overrides,
  };
  return { ctx, commands, home };
}

/** Streams for a command's output, and what was written to them so far. */
export function captureIo(): {
  io: { stdout: PassThrough; stderr: PassThrough };
  text: { out: string; err: string };
} {
  const text = { out: '', err: '' };
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stdout.on('data', (d: Buffer) => (text.out += d.toString()));
  stderr.on('data', (d: Buffer) => (text.err += d.toString()));
  return { io: { stdout, stderr }, text };
}
