/**
 * `localscribe setup` and `localscribe uninstall` in a temporary home, with the operating system's tools as stand-ins
 * (systemctl, reg, schtasks, PowerShell) and the model from the fake hub over loopback: every step reported, a
 * second setup changing nothing, a failing step reported while the others run, and uninstall leaving the home
 * exactly as it found it, or keeping (and saying so) what the user put there.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { userManifestPath } from '../../../localhost-engine/install/addin-manifest';
import type { InstallContext } from '../../../localhost-engine/install/install-context';
import { readInstallRecord } from '../../../localhost-engine/install/install-record';
import { TASK_NAME } from '../../../localhost-engine/install/service/scheduled-task';
import { UNIT_NAME } from '../../../localhost-engine/install/service/systemd-user-unit';
import { runSetup, type SetupOptions } from '../../../localhost-engine/install/setup-command';
import { WEF_DEVELOPER_KEY } from '../../../localhost-engine/install/sideload';
import { runUninstall } from '../../../localhost-engine/install/uninstall-command';
import { ModelStore } from '../../../localhost-engine/model-store/model-store';
import { DEFAULT_MODEL_NAME, userDataDir } from '../../../localhost-engine/paths';
import { addTinyModels, FakeHub } from '../../helpers/fake-hub';
import { testCertificate, testEngineConfig } from '../../helpers/test-engine';
import { treeSnapshot } from '../../helpers/tree-snapshot';
import { VERSION } from '../../../localhost-engine/version';
import type { FakeCommands } from './fake-commands';
import { captureIo, testInstall } from './install-fixtures';

let hub: FakeHub;
let catalog: Awaited<ReturnType<typeof addTinyModels>>['catalog'];

beforeAll(async () => {
  hub = await FakeHub.start();
  catalog = (await addTinyModels(hub)).catalog;
});
afterAll(() => hub.close());

function options(ctx: InstallContext, skip: SetupOptions['skip'], io: SetupOptions['io']): SetupOptions {
  const store = new ModelStore({
    catalog,
    modelsDir: path.join(ctx.dataDir, 'models'),
    hubUrl: hub.url,
    hubCa: hub.ca,
    device: 'cpu',
    env: {},
    download: { retryDelayMs: 0, progressIntervalMs: 0 },
  });
  // A port nothing listens on: the doctor at the end reports the engine as not running, as it is here. The model
  // folder is the default one, so the store picks the model (the engine does the same with no --model).
  const config = testEngineConfig(path.join(userDataDir(), 'models', DEFAULT_MODEL_NAME), { port: 1 });
  // Nothing listens where the stand-in service "starts": the doctor needs not wait for it.
  return { config, store, skip, io, serviceStartMs: 0 };
}

/** systemctl --user, loading units from the home's ~/.config/systemd/user. */
function systemctl(commands: FakeCommands, home: string): void {
  const unit = path.join(home, '.config', 'systemd', 'user', UNIT_NAME);
  let loaded = false;
  let active = false;
  commands.on('systemctl', (args) => {
    if (args[1] === 'daemon-reload') loaded = existsSync(unit);
    if (args[1] === 'enable') active = loaded;
    if (args[1] === 'disable') active = false;
    const show = `LoadState=${loaded ? 'loaded' : 'not-found'}\nActiveState=${active ? 'active' : 'inactive'}\nSubState=${active ? 'running' : 'dead'}\n`;
    return { status: 0, stdout: args[1] === 'show' ? show : '', stderr: '' };
  });
}

describe('on Linux', () => {
  test('setup reports each step, a second run changes nothing, and uninstall leaves the home as it was', async () => {
    const { ctx, commands, home } = testInstall('linux');
    systemctl(commands, home);
    const before = treeSnapshot(home);
    const { io, text } = captureIo();
    const steps = await runSetup(ctx, options(ctx, { trust: true }, io));
    expect(steps.map((s) => [s.step, s.status])).toEqual([
      ['Trust the localhost certificate', 'skipped'],
      ['Start the engine at login', 'done'],
      ['Register the add-in with Word', 'not-applicable'],
      ['Download the model', 'done'],
    ]);
    expect(text.out).toMatch(/^1\/4 Trust the localhost certificate: skipped \(--no-trust\)$/m);
    expect(text.out).toMatch(/^2\/4 Start the engine at login: done$/m);
    expect(text.out).toContain(`Upload My Add-in, and choose ${userManifestPath(ctx.dataDir)}`);
    expect(text.err).toMatch(/Downloading tiny-genai/);
    expect(text.out).toContain('LocalScribe'); // the doctor's report follows the steps
    expect(text.out).toMatch(/^FAIL {2}The engine answers on https:\/\/localhost:1$/m);
    expect(existsSync(path.join(ctx.dataDir, 'models', 'tiny-genai', 'genai_config.json'))).toBe(true);
    expect(readInstallRecord(ctx.dataDir).map((e) => e.kind)).toContain('model');

    const record = readFileSync(path.join(ctx.dataDir, 'install-record.json'), 'utf8');
    const again = captureIo();
    const second = await runSetup(ctx, options(ctx, { trust: true }, again.io));
    expect(second.map((s) => s.status)).toEqual(['skipped', 'already', 'not-applicable', 'already']);
    expect(readFileSync(path.join(ctx.dataDir, 'install-record.json'), 'utf8')).toBe(record);

    const undone = await runUninstall(ctx, options(ctx, {}, io).store);
    expect(undone.filter((u) => u.status !== 'undone')).toEqual([]);
    expect(undone.map((u) => u.detail)).toContain(`Stopped and removed the systemd user unit ${UNIT_NAME}`);
    expect(treeSnapshot(home)).toEqual(before);
    expect(await runUninstall(ctx, options(ctx, {}, io).store)).toEqual([]);
  });

  test('with every step skipped, setup only records that it ran, and uninstall removes even that', async () => {
    const { ctx, home } = testInstall('linux');
    const before = treeSnapshot(home);
    const { io } = captureIo();
    const steps = await runSetup(
      ctx,
      options(ctx, { trust: true, service: true, sideload: true, download: true }, io),
    );
    expect(steps.every((s) => s.status === 'skipped')).toBe(true);
    await runUninstall(ctx, options(ctx, {}, io).store);
    expect(treeSnapshot(home)).toEqual(before);
  });

  test('after an update, setup restarts the service when the engine that runs is another version', async () => {
    const { ctx, commands, home } = testInstall('linux');
    systemctl(commands, home);
    const { io } = captureIo();
    await runSetup(ctx, options(ctx, { trust: true, sideload: true, download: true }, io));
    // The previous version, still running on the engine's port.
    const previous = https.createServer(await testCertificate(), (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          status: 'ok',
          version: '0.0.1',
          apiVersion: 1,
          model: { id: 'm', state: 'ready' },
          queue: {},
        }),
      );
    });
    await new Promise<void>((resolve) => previous.listen(0, '127.0.0.1', resolve));
    try {
      const calls = commands.calls.length;
      const opts = options(ctx, { trust: true, sideload: true, download: true }, io);
      opts.config.port = (previous.address() as AddressInfo).port;
      const [, service] = await runSetup(ctx, opts);
      expect(service.status).toBe('done');
      expect(service.detail).toContain(`Restarted it: the engine that ran was 0.0.1, this is ${VERSION}.`);
      expect(commands.calls.slice(calls).map((c) => c[2])).toEqual(
        expect.arrayContaining(['disable', 'enable']),
      );
    } finally {
      previous.close();
    }
  });

  test('uninstall keeps a folder holding what the user put there, and says so', async () => {
    const { ctx, commands, home } = testInstall('linux');
    systemctl(commands, home);
    const { io } = captureIo();
    await runSetup(ctx, options(ctx, { trust: true, download: true }, io));
    writeFileSync(path.join(ctx.dataDir, 'config.json'), '{"port": 3000}\n');
    const undone = await runUninstall(ctx, options(ctx, {}, io).store);
    expect(undone.find((u) => u.status === 'kept')?.detail).toBe(
      `Kept ${ctx.dataDir}: it holds config.json, which setup did not make`,
    );
    expect(readFileSync(path.join(ctx.dataDir, 'config.json'), 'utf8')).toBe('{"port": 3000}\n');
    expect(existsSync(path.join(home, '.config', 'systemd', 'user', UNIT_NAME))).toBe(false);
  });
});

describe('on Windows', () => {
  function windows() {
    const install = testInstall('win32');
    let task = false;
    install.commands.on('schtasks', (args) => {
      if (args[0] === '/Create') task = true;
      if (args[0] === '/Delete') task = false;
      return { status: 0, stdout: 'SUCCESS\r\n', stderr: '' };
    });
    install.commands.on(
      path.win32.join('C:\\Windows', 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe'),
      () =>
        task
          ? { status: 0, stdout: 'Running\r\n', stderr: '' }
          : { status: 1, stdout: '', stderr: 'No MSFT_ScheduledTask objects found\r\n' },
    );
    install.commands.on('CheckNetIsolation', () => ({ status: 0, stdout: 'OK.\r\n', stderr: '' }));
    install.commands.on('powershell', () => ({ status: 0, stdout: 'False\r\n', stderr: '' }));
    return install;
  }

  test('setup registers the task and the manifest; uninstall takes both back and gives back a clone’s registration', async () => {
    const { ctx, commands, home } = windows();
    const key = (id: string) => `${WEF_DEVELOPER_KEY}\\${id}`.toLowerCase();
    const id = 'ace999a3-8ec6-47d4-941f-dfcc96f55948';
    commands.registry.set(key(id), 'C:\\src\\localscribe\\manifest.xml');
    const before = treeSnapshot(home);
    const { io, text } = captureIo();
    const steps = await runSetup(ctx, options(ctx, { trust: true, download: true }, io));
    expect(steps.map((s) => s.status)).toEqual(['skipped', 'done', 'done', 'skipped']);
    expect(commands.callsTo('schtasks')[0]).toEqual([
      '/Create',
      '/TN',
      TASK_NAME,
      '/XML',
      path.join(ctx.dataDir, 'service', 'localscribe-task.xml'),
      '/F',
    ]);
    expect(commands.registry.get(key(id))).toBe(userManifestPath(ctx.dataDir));
    expect(readFileSync(path.join(ctx.dataDir, 'service', 'localscribe-task.xml')).subarray(0, 2)).toEqual(
      Buffer.from([0xff, 0xfe]),
    );
    expect(text.out).toMatch(/^3\/4 Register the add-in with Word: done$/m);

    const undone = await runUninstall(ctx, options(ctx, {}, io).store);
    expect(undone.filter((u) => u.status !== 'undone')).toEqual([]);
    expect(commands.callsTo('schtasks').slice(-2)).toEqual([
      ['/End', '/TN', TASK_NAME],
      ['/Delete', '/TN', TASK_NAME, '/F'],
    ]);
    expect(commands.registry.get(key(id))).toBe('C:\\src\\localscribe\\manifest.xml');
    expect(treeSnapshot(home)).toEqual(before);
  });

  test('a failing step is reported and the others still run; uninstall keeps what it could not undo', async () => {
    const { ctx } = windows();
    const run = ctx.run;
    let denyDelete = true;
    const failing: InstallContext = {
      ...ctx,
      run: (command, args) =>
        command === 'reg' && args[0] === 'add'
          ? Promise.resolve({ status: 1, stdout: '', stderr: 'ERROR: Access is denied.\r\n' })
          : command === 'schtasks' && args[0] === '/Delete' && denyDelete
            ? Promise.resolve({ status: 1, stdout: '', stderr: 'ERROR: Access is denied.\r\n' })
            : run(command, args),
    };
    const { io, text } = captureIo();
    const steps = await runSetup(failing, options(ctx, { trust: true, download: true }, io));
    expect(steps.map((s) => s.status)).toEqual(['skipped', 'done', 'failed', 'skipped']);
    expect(text.out).toContain('Access is denied');
    const first = await runUninstall(failing, options(ctx, {}, io).store);
    expect(first.filter((u) => u.status === 'failed').map((u) => u.entry.kind)).toEqual(['service']);
    expect(readInstallRecord(ctx.dataDir).map((e) => e.kind)).toContain('service');
    denyDelete = false;
    const second = await runUninstall(failing, options(ctx, {}, io).store);
    expect(second.filter((u) => u.status === 'failed')).toEqual([]);
    expect(existsSync(ctx.dataDir)).toBe(false);
  });
});
