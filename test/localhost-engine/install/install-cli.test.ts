/**
 * `localscribe service …` as the command line runs it, on a Linux context whose systemctl is a stand-in: the
 * answers, the exit codes, the log as a person reads it, and mistakes in the call; and setup's settings reaching
 * the service, the doctor and uninstall.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { userManifestPath } from '../../../localhost-engine/install/addin-manifest';
import type { DoctorReport } from '../../../localhost-engine/install/doctor/doctor';
import { formatLogLine, installCli, InstallUsageError } from '../../../localhost-engine/install/install-cli';
import { engineLogFile } from '../../../localhost-engine/install/service/service-adapter';
import { UNIT_NAME } from '../../../localhost-engine/install/service/systemd-user-unit';
import { treeSnapshot } from '../../helpers/tree-snapshot';
import { captureIo, testInstall } from './install-fixtures';

test('service status says what systemd says and exits 1 when the engine is not running', async () => {
  const { ctx, commands } = testInstall('linux');
  commands.on('systemctl', () => ({
    status: 0,
    stdout: 'LoadState=not-found\nActiveState=inactive\n',
    stderr: '',
  }));
  const { io: streams, text } = captureIo();
  expect(await installCli(['service', 'status'], streams, ctx)).toBe(1);
  expect(text.out).toBe(
    `systemd user unit localscribe.service: not-installed (localscribe.service is not installed)\nLog: ${engineLogFile(ctx.dataDir)}\n`,
  );
});

test('service logs prints the engine log as time, level and message', async () => {
  const { ctx } = testInstall('linux');
  const log = engineLogFile(ctx.dataDir);
  mkdirSync(path.dirname(log), { recursive: true });
  const line = (i: number) =>
    JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 11, 3, 9, 0, i),
      pid: 7,
      hostname: 'pc',
      msg: `line ${i}`,
      reqId: `r${i}`,
    });
  writeFileSync(log, `${[1, 2, 3].map(line).join('\n')}\n`);
  const { io: streams, text } = captureIo();
  expect(await installCli(['service', 'logs', '--lines', '2'], streams, ctx)).toBe(0);
  expect(text.out).toBe(
    '2026-12-03T09:00:02.000Z INFO line 2 {"reqId":"r2"}\n2026-12-03T09:00:03.000Z INFO line 3 {"reqId":"r3"}\n',
  );
  expect(text.err).toContain('journalctl --user -u localscribe.service');
  expect(formatLogLine('not json')).toBe('not json');
});

test('mistakes are usage errors', async () => {
  const { ctx } = testInstall('linux');
  const { io: streams } = captureIo();
  await expect(installCli(['service'], streams, ctx)).rejects.toThrow(InstallUsageError);
  await expect(installCli(['service', 'restart'], streams, ctx)).rejects.toThrow(
    'Unknown service command "restart".',
  );
  await expect(installCli(['service', 'logs', '--lines', 'x'], streams, ctx)).rejects.toThrow(
    '--lines must be a whole number',
  );
  await expect(installCli(['service', 'status', '--force'], streams, ctx)).rejects.toThrow(InstallUsageError);
  await expect(installCli(['setup', '--json'], streams, ctx)).rejects.toThrow(
    '--json does not apply to "setup".',
  );
  await expect(installCli(['uninstall', 'now'], streams, ctx)).rejects.toThrow('Unexpected argument "now".');
});

test("setup's settings are kept: the service serves where the manifest points, and doctor and uninstall agree", async () => {
  const { ctx, commands, home } = testInstall('linux');
  const unit = path.join(home, '.config', 'systemd', 'user', UNIT_NAME);
  let loaded = false;
  commands.on('systemctl', (args) => {
    if (args[1] === 'daemon-reload') loaded = existsSync(unit);
    const show = `LoadState=${loaded ? 'loaded' : 'not-found'}\nActiveState=inactive\nSubState=dead\n`;
    return { status: 0, stdout: args[1] === 'show' ? show : '', stderr: '' };
  });
  const before = treeSnapshot(home);
  const models = path.join(home, 'models');
  // Port 1: nothing listens there, so the doctor looks without waiting; a relative folder, made absolute.
  const flags = ['--port', '1', '--models-dir', path.relative(process.cwd(), models)];
  const setup = captureIo();
  expect(
    await installCli(['setup', '--no-trust', '--no-service', '--no-download', ...flags], setup.io, ctx),
  ).toBe(0);
  expect(readFileSync(userManifestPath(ctx.dataDir), 'utf8')).toContain('https://localhost:1/');

  // Later commands, given no settings, use setup's: the service it installs and what the doctor checks.
  expect(await installCli(['service', 'install'], captureIo().io, ctx)).toBe(0);
  expect(readFileSync(unit, 'utf8')).toContain(
    `"serve" "--port" "1" "--models-dir" "${models}" "--log-file"`,
  );
  const doctor = captureIo();
  await installCli(['doctor', '--json'], doctor.io, ctx);
  const report = JSON.parse(doctor.text.out) as DoctorReport;
  expect(report.checks.find((c) => c.id === 'manifest')).toMatchObject({
    title: "Word's manifest names https://localhost:1",
    status: 'pass',
  });
  expect(report.checks.find((c) => c.id === 'disk')?.detail).toContain(models);

  expect(await installCli(['uninstall'], captureIo().io, ctx)).toBe(0);
  expect(treeSnapshot(home)).toEqual(before);
});
