/**
 * Registering the add-in with Word: on Windows the exact reg.exe commands against the per-user WEF\Developer key
 * (an in-memory registry with reg.exe's output), on macOS a real copy in a temporary home's `wef` folder, on Linux
 * the Word on the web instructions; and taking each back. `npm start` and `npm stop` (a clone's manifest, no
 * record) leave the registration `localscribe setup` made alone.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  manifestForPort,
  parseManifest,
  userManifestPath,
} from '../../../localhost-engine/install/addin-manifest';
import type { InstallContext } from '../../../localhost-engine/install/install-context';
import {
  WEF_DEVELOPER_KEY,
  WEF_MANIFEST_NAME,
  removeSideload,
  sideload,
  sideloadClone,
  undoRegistryValue,
  wefFolder,
} from '../../../localhost-engine/install/sideload';
import type { InstallEntry } from '../../../localhost-engine/install/install-record';
import { SHIPPED_MANIFEST } from '../../../localhost-engine/package-files';
import { testInstall } from './install-fixtures';

const ID = parseManifest(readFileSync(SHIPPED_MANIFEST, 'utf8')).id;

function registryEntry(entries: InstallEntry[]): Extract<InstallEntry, { kind: 'registry-value' }> {
  const [entry] = entries;
  if (entry?.kind !== 'registry-value')
    throw new Error(`expected a registry value, got ${JSON.stringify(entry)}`);
  return entry;
}

function manifestIn(home: string): string {
  const file = path.join(home, 'LocalScribe', 'manifest.xml');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, readFileSync(SHIPPED_MANIFEST, 'utf8'));
  return file;
}

describe('Windows: the WEF\\Developer registry value', () => {
  test('adds a value named for the add-in id whose data is the manifest path, once', async () => {
    const { ctx, commands, home } = testInstall('win32');
    const manifest = manifestIn(home);
    const first = await sideload(manifest, ctx);
    expect(first.status).toBe('done');
    expect(commands.callsTo('reg')).toEqual([
      ['query', 'HKCU\\Software\\Microsoft\\Office\\16.0\\WEF\\Developer', '/v', ID],
      [
        'add',
        'HKCU\\Software\\Microsoft\\Office\\16.0\\WEF\\Developer',
        '/v',
        ID,
        '/t',
        'REG_SZ',
        '/d',
        manifest,
        '/f',
      ],
    ]);
    expect(first.entries).toEqual([
      { kind: 'registry-value', key: WEF_DEVELOPER_KEY, name: ID, previous: null },
    ]);

    const again = await sideload(manifest, ctx);
    expect(again).toMatchObject({ status: 'already', entries: [] });
    expect(commands.callsTo('reg').filter(([verb]) => verb === 'add')).toHaveLength(1);

    await undoRegistryValue(registryEntry(first.entries), ctx);
    expect(commands.registry.size).toBe(0);
  });

  test('a value naming another manifest (a clone’s) is replaced, and given back on undo', async () => {
    const { ctx, commands, home } = testInstall('win32');
    const manifest = manifestIn(home);
    commands.registry.set(`${WEF_DEVELOPER_KEY}\\${ID}`.toLowerCase(), 'C:\\src\\localscribe\\manifest.xml');
    const result = await sideload(manifest, ctx);
    expect(result.entries).toEqual([
      {
        kind: 'registry-value',
        key: WEF_DEVELOPER_KEY,
        name: ID,
        previous: 'C:\\src\\localscribe\\manifest.xml',
      },
    ]);
    expect([...commands.registry.values()]).toEqual([manifest]);
    await undoRegistryValue(registryEntry(result.entries), ctx);
    expect([...commands.registry.values()]).toEqual(['C:\\src\\localscribe\\manifest.xml']);
  });

  test('a failing reg.exe is reported with the command, not thrown', async () => {
    const { ctx, home } = testInstall('win32', {
      run: async (command, args) =>
        args[0] === 'add'
          ? { status: 1, stdout: '', stderr: 'ERROR: Access is denied.\r\n' }
          : { status: 1, stdout: '', stderr: '' },
    });
    const result = await sideload(manifestIn(home), ctx);
    expect(result.status).toBe('failed');
    expect(result.detail).toContain('reg add HKCU\\Software\\Microsoft\\Office\\16.0\\WEF\\Developer');
    expect(result.detail).toContain('Access is denied');
  });

  test('npm stop takes back only a value that still names its manifest', async () => {
    const { ctx, commands, home } = testInstall('win32');
    const manifest = manifestIn(home);
    commands.registry.set(`${WEF_DEVELOPER_KEY}\\${ID}`.toLowerCase(), 'C:\\elsewhere\\manifest.xml');
    expect(await removeSideload(manifest, ctx)).toBe(false);
    expect(commands.registry.size).toBe(1);
    await sideload(manifest, ctx);
    expect(await removeSideload(manifest, ctx)).toBe(true);
    expect(commands.registry.size).toBe(0);
  });
});

/** The manifest setup writes in the data folder (its URLs on `port`), registered as setup registers it. */
async function setupRegistered(ctx: InstallContext, port = 3000): Promise<string> {
  const file = userManifestPath(ctx.dataDir);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, manifestForPort(readFileSync(SHIPPED_MANIFEST, 'utf8'), port));
  expect((await sideload(file, ctx)).status).toBe('done');
  return file;
}

describe("npm start and npm stop leave setup's registration alone", () => {
  test('Windows: the value naming setup’s manifest stays, and start says why', async () => {
    const { ctx, commands, home } = testInstall('win32');
    const own = await setupRegistered(ctx);
    const clone = manifestIn(home);
    const started = await sideloadClone(clone, ctx);
    expect(started).toMatchObject({ status: 'already', entries: [] });
    expect(started.detail).toContain(`\`localscribe setup\` registered (${WEF_DEVELOPER_KEY}\\${ID})`);
    expect(await removeSideload(clone, ctx)).toBe(false);
    expect([...commands.registry.values()]).toEqual([own]);
    expect(commands.callsTo('reg').filter(([verb]) => verb !== 'query')).toHaveLength(1); // setup's add
  });

  test('Windows: once the value names another manifest, start registers the clone and stop takes it back', async () => {
    const { ctx, commands, home } = testInstall('win32');
    await setupRegistered(ctx);
    commands.registry.set(`${WEF_DEVELOPER_KEY}\\${ID}`.toLowerCase(), 'C:\\elsewhere\\manifest.xml');
    const clone = manifestIn(home);
    expect((await sideloadClone(clone, ctx)).status).toBe('done');
    expect([...commands.registry.values()]).toEqual([clone]);
    expect(await removeSideload(clone, ctx)).toBe(true);
    expect(commands.registry.size).toBe(0);
  });

  function mac() {
    const install = testInstall('darwin');
    mkdirSync(path.join(install.home, 'Library', 'Containers', 'com.microsoft.Word', 'Data'), {
      recursive: true,
    });
    return { ...install, copy: path.join(wefFolder(install.home), WEF_MANIFEST_NAME) };
  }

  test('macOS: start keeps setup’s copy for another port', async () => {
    const { ctx, home, copy } = mac();
    await setupRegistered(ctx, 4100);
    const started = await sideloadClone(manifestIn(home), ctx);
    expect(started).toMatchObject({ status: 'already', entries: [] });
    expect(started.detail).toContain(`\`localscribe setup\` registered (${copy})`);
    expect(parseManifest(readFileSync(copy, 'utf8')).origins).toEqual(['https://localhost:4100']);
  });

  test('macOS: stop keeps setup’s copy even when it holds the same bytes as the clone’s', async () => {
    const { ctx, home, copy } = mac();
    const own = await setupRegistered(ctx, 3000);
    const clone = manifestIn(home);
    expect(readFileSync(clone, 'utf8')).toBe(readFileSync(own, 'utf8'));
    expect(await removeSideload(clone, ctx)).toBe(false);
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync(own, 'utf8'));
  });
});

describe('macOS: the wef folder', () => {
  test('copies the manifest into Word’s container, recording the folders it made', async () => {
    const { ctx, home } = testInstall('darwin');
    const container = path.join(home, 'Library', 'Containers', 'com.microsoft.Word', 'Data');
    mkdirSync(container, { recursive: true });
    const manifest = manifestIn(home);
    const result = await sideload(manifest, ctx);
    const copy = path.join(wefFolder(home), WEF_MANIFEST_NAME);
    expect(result.status).toBe('done');
    expect(readFileSync(copy, 'utf8')).toBe(readFileSync(manifest, 'utf8'));
    expect(result.entries).toEqual([
      { kind: 'dir', path: path.join(container, 'Documents') },
      { kind: 'dir', path: path.join(container, 'Documents', 'wef') },
      { kind: 'file', path: copy },
    ]);
    expect(await sideload(manifest, ctx)).toMatchObject({ status: 'already', entries: [] });
    expect(await removeSideload(manifest, ctx)).toBe(true);
    expect(existsSync(copy)).toBe(false);
  });

  test('without Word for Mac it says so and writes nothing', async () => {
    const { ctx, home } = testInstall('darwin');
    const result = await sideload(manifestIn(home), ctx);
    expect(result.status).toBe('not-applicable');
    expect(result.detail).toContain('Word for Mac was not found');
    expect(existsSync(path.join(home, 'Library'))).toBe(false);
  });
});

test('Linux: explains how to add the manifest to Word on the web', async () => {
  const { ctx, commands, home } = testInstall('linux');
  const manifest = manifestIn(home);
  const result = await sideload(manifest, ctx);
  expect(result.status).toBe('not-applicable');
  expect(result.detail).toContain(`Upload My Add-in, and choose ${manifest}`);
  expect(commands.calls).toEqual([]);
});
