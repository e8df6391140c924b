/**
 * Installing and removing the service: files written to a temporary home, commands run against a stand-in
 * `systemctl` that loads units from that home's ~/.config/systemd/user as systemd would. Idempotent installs,
 * a changed unit restarted, a failing command reported with its command line, and removal leaving nothing.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { engineLogFile, serviceSpec } from '../../../../localhost-engine/install/service/service-adapter';
import {
  installService,
  serviceFiles,
  serviceStatus,
  tailEngineLog,
  uninstallService,
} from '../../../../localhost-engine/install/service/service-command';
import { UNIT_NAME } from '../../../../localhost-engine/install/service/systemd-user-unit';
import { keepSettings } from '../../../../localhost-engine/install/setup-settings';
import type { FakeCommands } from '../fake-commands';
import { testInstall } from '../install-fixtures';

/** systemctl --user for one user: a unit is loaded when its file exists at daemon-reload time. */
function fakeSystemctl(commands: FakeCommands, unitFile: string, failEnable = false): void {
  let loaded = false;
  let active = false;
  commands.on('systemctl', (args) => {
    const verb = args[1];
    if (verb === 'daemon-reload') {
      loaded = existsSync(unitFile);
      if (!loaded) active = false;
    } else if (verb === 'enable') {
      if (failEnable) return { status: 1, stdout: '', stderr: 'Failed to connect to bus: No medium found\n' };
      if (!loaded) return { status: 1, stdout: '', stderr: `Unit ${UNIT_NAME} not found.\n` };
      active = true;
    } else if (verb === 'disable') {
      active = false;
    } else if (verb === 'show') {
      const state = active ? 'ActiveState=active\nSubState=running' : 'ActiveState=inactive\nSubState=dead';
      return {
        status: 0,
        stdout: `LoadState=${loaded ? 'loaded' : 'not-found'}\n${state}\nResult=success\nNRestarts=0\n`,
        stderr: '',
      };
    }
    return { status: 0, stdout: '', stderr: '' };
  });
}

describe('the service on Linux', () => {
  test('install writes the unit, enables and starts it, and records what it made; a second install does nothing', async () => {
    const { ctx, commands, home } = testInstall('linux');
    const unit = path.join(home, '.config', 'systemd', 'user', UNIT_NAME);
    fakeSystemctl(commands, unit);
    const first = await installService(ctx);
    expect(first.status).toBe('done');
    expect(readFileSync(unit, 'utf8')).toContain(`"${ctx.nodePath}" "${ctx.binScript}" "serve" "--log-file"`);
    expect(first.entries).toEqual([
      { kind: 'dir', path: path.join(home, '.local') },
      { kind: 'dir', path: path.join(home, '.local', 'share') },
      { kind: 'dir', path: ctx.dataDir },
      { kind: 'logs', path: path.dirname(engineLogFile(ctx.dataDir)) },
      { kind: 'dir', path: path.join(home, '.config') },
      { kind: 'dir', path: path.join(home, '.config', 'systemd') },
      { kind: 'dir', path: path.join(home, '.config', 'systemd', 'user') },
      { kind: 'file', path: unit },
      { kind: 'service', description: `systemd user unit ${UNIT_NAME}` },
    ]);
    expect((await serviceStatus(ctx)).state).toBe('running');

    const calls = commands.calls.length;
    const second = await installService(ctx);
    expect(second).toMatchObject({ status: 'already', entries: [] });
    expect(commands.calls.slice(calls).map((c) => c[2])).toEqual(['show']);
  });

  test('a changed unit (another Node.js) is rewritten and the service restarted', async () => {
    const { ctx, commands, home } = testInstall('linux');
    fakeSystemctl(commands, path.join(home, '.config', 'systemd', 'user', UNIT_NAME));
    await installService(ctx);
    const calls = commands.calls.length;
    const again = await installService({ ...ctx, nodePath: '/opt/node-22/bin/node' });
    expect(again.status).toBe('done');
    expect(commands.calls.slice(calls).map((c) => c.slice(2, 4).join(' '))).toEqual([
      'show localscribe.service',
      'disable --now',
      'daemon-reload',
      'enable --now',
      'show localscribe.service',
    ]);
    expect(again.entries).toEqual([]);
  });

  test('a failing systemctl is reported with the command, and what was written is still listed', async () => {
    const { ctx, commands, home } = testInstall('linux');
    const unit = path.join(home, '.config', 'systemd', 'user', UNIT_NAME);
    fakeSystemctl(commands, unit, true);
    const result = await installService(ctx);
    expect(result.status).toBe('failed');
    expect(result.detail).toBe(
      `systemctl --user enable --now ${UNIT_NAME} failed: Failed to connect to bus: No medium found`,
    );
    expect(result.entries).toContainEqual({ kind: 'file', path: unit });
  });

  test('uninstall stops it, removes the unit and reloads systemd', async () => {
    const { ctx, commands, home } = testInstall('linux');
    const unit = path.join(home, '.config', 'systemd', 'user', UNIT_NAME);
    fakeSystemctl(commands, unit);
    await installService(ctx);
    await uninstallService(ctx);
    expect(existsSync(unit)).toBe(false);
    expect((await serviceStatus(ctx)).state).toBe('not-installed');
    expect(commands.calls.slice(-4).map((c) => c.slice(1, 3).join(' '))).toEqual([
      '--user disable',
      '--user daemon-reload',
      '--user show',
      '--user show',
    ]);
  });
});

describe("the settings setup kept reach the engine's command line", () => {
  const models = "/Users/Sean O'Neil/models & more";
  // How each platform's file writes `serve --port 4000 --device cpu --models-dir <models> --log-file`.
  test.each([
    ['linux', `"serve" "--port" "4000" "--device" "cpu" "--models-dir" "${models}" "--log-file"`],
    [
      'win32',
      `'serve' '--port' '4000' '--device' 'cpu' '--models-dir' '/Users/Sean O''Neil/models &amp; more' '--log-file'`,
    ],
    [
      'darwin',
      [
        'serve',
        '--port',
        '4000',
        '--device',
        'cpu',
        '--models-dir',
        models.replace('&', '&amp;'),
        '--log-file',
      ]
        .map((a) => `    <string>${a}</string>`)
        .join('\n'),
    ],
  ] as const)('on %s', async (platform, written) => {
    const { ctx } = testInstall(platform, { run: async () => ({ status: 0, stdout: '', stderr: '' }) });
    keepSettings(ctx.dataDir, { port: '4000', 'models-dir': models, device: 'cpu' });
    expect((await installService(ctx)).status).toBe('done');
    const logFile = engineLogFile(ctx.dataDir);
    expect(serviceSpec(ctx).args).toEqual([
      'serve',
      '--port',
      '4000',
      '--device',
      'cpu',
      '--models-dir',
      models,
      '--log-file',
      logFile,
    ]);
    const [file] = serviceFiles(ctx);
    const bytes = readFileSync(file);
    expect(platform === 'win32' ? bytes.toString('utf16le') : bytes.toString('utf8')).toContain(written);
  });
});

test('logs: the last lines, reaching into the rotated file when the current one is short', () => {
  const { ctx } = testInstall('linux');
  const log = engineLogFile(ctx.dataDir);
  mkdirSync(path.dirname(log), { recursive: true });
  writeFileSync(`${log}.1`, 'a\nb\nc\n');
  writeFileSync(log, 'd\ne\n');
  expect(tailEngineLog({ logFile: log }, 3)).toEqual(['c', 'd', 'e']);
  expect(tailEngineLog({ logFile: log }, 2)).toEqual(['d', 'e']);
  expect(tailEngineLog({ logFile: path.join(ctx.dataDir, 'none.log') }, 5)).toEqual([]);
});
