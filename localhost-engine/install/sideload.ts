/**
 * Registering the add-in with desktop Word, the ways Microsoft documents for sideloading: on Windows a value under
 * the per-user `WEF\Developer` registry key naming the manifest file (docs/testing/uninstall-add-in.md in
 * OfficeDev/office-js-docs-pr), on macOS a copy of the manifest in Word's `wef` folder (sideload-an-office-add-in-on-mac.md).
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseManifest, userManifestPath } from './addin-manifest';
import { commandLine } from './command-runner';
import type { InstallContext } from './install-context';
import type { InstallEntry } from './install-record';
import { writeOwnedFile } from './owned-files';

/** The per-user key Word reads developer (sideloaded) add-ins from; no administrator rights needed. */
export const WEF_DEVELOPER_KEY = 'HKCU\\Software\\Microsoft\\Office\\16.0\\WEF\\Developer';

/** Word for Mac's sideloading folder. */
export function wefFolder(home: string): string {
  return path.join(home, 'Library', 'Containers', 'com.microsoft.Word', 'Data', 'Documents', 'wef');
}

/** The manifest's name in the `wef` folder. */
export const WEF_MANIFEST_NAME = 'localscribe-manifest.xml';

/** What registering did. */
export interface SideloadResult {
  status: 'done' | 'already' | 'not-applicable' | 'failed';
  detail: string;
  entries: InstallEntry[];
}

/**
 * Registers `manifestFile` with desktop Word for this user. Idempotent: a registration that already names this
 * file is left alone. Resolves with `failed` (and the command that failed) instead of throwing.
 */
export async function sideload(manifestFile: string, ctx: InstallContext): Promise<SideloadResult> {
  const { id } = parseManifest(readFileSync(manifestFile, 'utf8'), manifestFile);
  if (ctx.platform === 'win32') return registerOnWindows(id, manifestFile, ctx);
  if (ctx.platform === 'darwin') return copyToWef(manifestFile, ctx);
  return {
    status: 'not-applicable',
    detail: `Word desktop does not run on ${ctx.platform}. In Word on the web: Home > Add-ins > More Add-ins > Upload My Add-in, and choose ${manifestFile}.`,
    entries: [],
  };
}

/** The data of the `WEF\Developer` value named `name`, or null when there is none. */
export async function readDeveloperValue(name: string, ctx: InstallContext): Promise<string | null> {
  const result = await ctx.run('reg', ['query', WEF_DEVELOPER_KEY, '/v', name]);
  if (result.status !== 0) return null;
  // reg query prints "    NAME    REG_SZ    DATA" under the key's path.
  const line = result.stdout.split(/\r?\n/).find((l) => l.trim().startsWith(`${name} `));
  const match = line?.match(/\sREG_(?:EXPAND_)?SZ\s+(.*)$/);
  return match ? match[1].trim() : null;
}

async function registerOnWindows(
  id: string,
  manifestFile: string,
  ctx: InstallContext,
): Promise<SideloadResult> {
  const previous = await readDeveloperValue(id, ctx);
  if (previous !== null && path.win32.normalize(previous) === path.win32.normalize(manifestFile)) {
    return { status: 'already', detail: `Word already loads ${manifestFile}.`, entries: [] };
  }
  const args = ['add', WEF_DEVELOPER_KEY, '/v', id, '/t', 'REG_SZ', '/d', manifestFile, '/f'];
  const result = await ctx.run('reg', args);
  if (result.status !== 0) {
    return {
      status: 'failed',
      detail: `${commandLine('reg', args)} failed: ${(result.stderr || result.error || '').trim()}`,
      entries: [],
    };
  }
  return {
    status: 'done',
    detail: `Registered ${manifestFile} with Word (${WEF_DEVELOPER_KEY}\\${id}). Restart Word to see LocalScribe on the Home tab.`,
    entries: [{ kind: 'registry-value', key: WEF_DEVELOPER_KEY, name: id, previous }],
  };
}

function copyToWef(manifestFile: string, ctx: InstallContext): SideloadResult {
  const container = path.dirname(path.dirname(path.dirname(wefFolder(ctx.home))));
  if (!existsSync(container)) {
    return {
      status: 'not-applicable',
      detail: `Word for Mac was not found (${container} does not exist). Install Word, then run setup again.`,
      entries: [],
    };
  }
  const target = path.join(wefFolder(ctx.home), WEF_MANIFEST_NAME);
  const written = writeOwnedFile(target, readFileSync(manifestFile, 'utf8'));
  if (written.status === 'unchanged') {
    return { status: 'already', detail: `Word already has ${target}.`, entries: [] };
  }
  return {
    status: 'done',
    detail: `Copied the manifest to ${target}. Restart Word, open a document, then Home > Add-ins > LocalScribe.`,
    entries: written.entries,
  };
}

/**
 * Undoes a registry value setup set: deletes it, or gives back the data it had before.
 * @throws Error naming the command when reg.exe fails.
 */
export async function undoRegistryValue(
  entry: Extract<InstallEntry, { kind: 'registry-value' }>,
  ctx: InstallContext,
): Promise<void> {
  const args =
    entry.previous === null
      ? ['delete', entry.key, '/v', entry.name, '/f']
      : ['add', entry.key, '/v', entry.name, '/t', 'REG_SZ', '/d', entry.previous, '/f'];
  const result = await ctx.run('reg', args);
  if (result.status !== 0) {
    throw new Error(`${commandLine('reg', args)} failed: ${(result.stderr || result.error || '').trim()}`);
  }
}

/**
 * Where Word loads the manifest `localscribe setup` wrote (in the data folder) from, or null when it does not: the
 * `WEF\Developer` value naming that file (Windows) or a `wef` copy holding its bytes (macOS). The record alone
 * cannot say: setup records a `wef` copy only when it created the file, and `npm start` may have replaced either.
 */
export async function setupRegistration(addinId: string, ctx: InstallContext): Promise<string | null> {
  const own = userManifestPath(ctx.dataDir);
  if (!existsSync(own)) return null;
  if (ctx.platform === 'win32') {
    const data = await readDeveloperValue(addinId, ctx);
    const named = data !== null && path.win32.normalize(data) === path.win32.normalize(own);
    return named ? `${WEF_DEVELOPER_KEY}\\${addinId}` : null;
  }
  const copy = path.join(wefFolder(ctx.home), WEF_MANIFEST_NAME);
  if (ctx.platform !== 'darwin' || !existsSync(copy)) return null;
  return readFileSync(copy).equals(readFileSync(own)) ? copy : null;
}

/**
 * `npm start`'s registration of a clone's `manifestFile`, made without a record: as {@link sideload}, except that
 * a registration `localscribe setup` made is left alone (`already`, saying so), since `npm stop` would remove it.
 */
export async function sideloadClone(manifestFile: string, ctx: InstallContext): Promise<SideloadResult> {
  const { id } = parseManifest(readFileSync(manifestFile, 'utf8'), manifestFile);
  const installed = await setupRegistration(id, ctx);
  if (installed === null) return sideload(manifestFile, ctx);
  return {
    status: 'already',
    detail: `Word loads the LocalScribe that \`localscribe setup\` registered (${installed}); left as it is, so Word opens the pane from the port that setup's manifest names, not from ${manifestFile}. To use this clone's manifest instead, run \`localscribe uninstall\` first.`,
    entries: [],
  };
}

/**
 * Takes back a registration of `manifestFile` made without a record (`npm start`'s): the registry value when it
 * still names this file, the `wef` copy when it still holds this manifest and is not setup's. Anything else is
 * left alone.
 */
export async function removeSideload(manifestFile: string, ctx: InstallContext): Promise<boolean> {
  const xml = readFileSync(manifestFile, 'utf8');
  const { id } = parseManifest(xml, manifestFile);
  if (ctx.platform === 'win32') {
    const data = await readDeveloperValue(id, ctx);
    if (data === null || path.win32.normalize(data) !== path.win32.normalize(manifestFile)) return false;
    await undoRegistryValue(
      { kind: 'registry-value', key: WEF_DEVELOPER_KEY, name: id, previous: null },
      ctx,
    );
    return true;
  }
  const copy = path.join(wefFolder(ctx.home), WEF_MANIFEST_NAME);
  if (ctx.platform !== 'darwin' || !existsSync(copy) || readFileSync(copy, 'utf8') !== xml) return false;
  // Setup's copy has these very bytes when setup was given the port the clone's manifest names.
  if ((await setupRegistration(id, ctx)) !== null) return false;
  rmSync(copy);
  return true;
}
