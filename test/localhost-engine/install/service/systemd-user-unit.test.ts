/**
 * The Linux user unit: checked by systemd itself (`systemd-analyze verify --user`, which warns about anything it
 * would ignore and fails on a program that is not there) with the real Node.js and localscribe script and a data
 * folder whose name holds the characters unit files must escape; plus the exact systemctl commands and how their
 * answer is read. Without systemd-analyze (apt-get install systemd) the verification is skipped here and fails in CI.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  systemdUserUnit,
  unitFile,
  UNIT_NAME,
} from '../../../../localhost-engine/install/service/systemd-user-unit';
import { BIN_SCRIPT } from '../../../../localhost-engine/package-files';
import { posixSpec } from './service-spec-fixture';

const haveSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!haveSystemd) {
  if (process.env.CI) throw new Error('systemd-analyze is required in CI (apt-get install systemd).');
  console.warn('systemd unit verification skipped: no systemd-analyze (apt-get install systemd)');
}
const testWithSystemd = haveSystemd ? test : test.skip;

/** systemd-analyze verify --user on a unit text; its runtime folder is a temporary one (no user session here). */
function verify(unit: string): { status: number | null; output: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'unit-'));
  const runtime = path.join(dir, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const file = path.join(dir, UNIT_NAME);
  writeFileSync(file, unit);
  const ran = spawnSync('systemd-analyze', ['verify', '--user', file], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: runtime },
  });
  return { status: ran.status, output: `${ran.stdout}${ran.stderr}`.trim() };
}

describe('the systemd user unit', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'unit-home-'));
  const spec = posixSpec(home, process.execPath, BIN_SCRIPT);

  test('lives in ~/.config/systemd/user (or $XDG_CONFIG_HOME) and restarts the engine on failure', () => {
    expect(systemdUserUnit.files(spec)).toEqual([
      {
        path: path.join(home, '.config', 'systemd', 'user', UNIT_NAME),
        content: unitFile(spec),
        encoding: 'utf8',
      },
    ]);
    const custom = systemdUserUnit.files({ ...spec, env: { XDG_CONFIG_HOME: '/cfg' } })[0].path;
    expect(custom).toBe(`/cfg/systemd/user/${UNIT_NAME}`);
    const unit = unitFile(spec);
    expect(unit).toContain('\nRestart=on-failure\n');
    expect(unit).toContain('\nWantedBy=default.target\n');
    expect(unit).toContain(`\nExecStart="${process.execPath}" "${BIN_SCRIPT}" "serve" "--log-file" `);
    expect(unit).toContain('Local & Scribe 100%%$$HOME');
  });

  testWithSystemd('passes systemd-analyze verify without a warning', () => {
    expect(verify(unitFile(spec))).toEqual({ status: 0, output: '' });
  });

  testWithSystemd(
    'systemd-analyze does catch what would break it (a missing program, a wrong setting)',
    () => {
      expect(verify(unitFile({ ...spec, nodePath: '/nonexistent/node' })).status).not.toBe(0);
      expect(verify(unitFile(spec).replace('Restart=on-failure', 'Restart=sometimes')).output).toContain(
        'Failed to parse',
      );
    },
  );

  test('is enabled, started, stopped and queried with these commands', () => {
    expect(systemdUserUnit.installCommands(spec)).toEqual([
      { command: 'systemctl', args: ['--user', 'daemon-reload'] },
      { command: 'systemctl', args: ['--user', 'enable', '--now', UNIT_NAME] },
    ]);
    expect(systemdUserUnit.uninstallCommands(spec)).toEqual([
      { command: 'systemctl', args: ['--user', 'disable', '--now', UNIT_NAME], mayFail: true },
    ]);
    expect(systemdUserUnit.afterRemoveCommands(spec)).toEqual([
      { command: 'systemctl', args: ['--user', 'daemon-reload'], mayFail: true },
    ]);
    const show = (props: string) => systemdUserUnit.parseStatus({ status: 0, stdout: props, stderr: '' });
    expect(
      show('LoadState=loaded\nActiveState=active\nSubState=running\nResult=success\nNRestarts=2\n'),
    ).toEqual({
      state: 'running',
      detail: 'active (running), result success, restarted 2 times',
    });
    expect(
      show('LoadState=loaded\nActiveState=failed\nSubState=failed\nResult=exit-code\nNRestarts=5\n').state,
    ).toBe('stopped');
    expect(show('LoadState=not-found\nActiveState=inactive\nSubState=dead\n').state).toBe('not-installed');
  });
});
