/**
 * The manifests Word reads (the registered one on Windows, the `wef` copy on macOS, the one setup writes in the
 * data folder): every URL in them must name the engine's port, or Word asks a port nothing answers on.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ManifestError, parseManifest, userManifestPath } from '../addin-manifest';
import type { InstallContext } from '../install-context';
import { readDeveloperValue, WEF_MANIFEST_NAME, wefFolder } from '../sideload';
import type { CheckResult } from './doctor-check';

export interface FoundManifest {
  /** Where it was found: "registered with Word", "Word's wef folder", "setup's copy". */
  where: string;
  file: string;
  origins: string[];
  error?: string;
}

/** The manifests this user's Word would read, as far as LocalScribe can tell, registered ones first. */
export async function findManifests(addinId: string, ctx: InstallContext): Promise<FoundManifest[]> {
  const candidates: Array<[string, string | null]> = [];
  if (ctx.platform === 'win32')
    candidates.push(['registered with Word', await readDeveloperValue(addinId, ctx)]);
  if (ctx.platform === 'darwin')
    candidates.push(["in Word's wef folder", path.join(wefFolder(ctx.home), WEF_MANIFEST_NAME)]);
  candidates.push(["setup's copy", userManifestPath(ctx.dataDir)]);
  const found: FoundManifest[] = [];
  for (const [where, file] of candidates) {
    if (!file || !existsSync(file) || found.some((f) => f.file === file)) continue;
    try {
      found.push({ where, file, origins: parseManifest(readFileSync(file, 'utf8'), file).origins });
    } catch (err) {
      found.push({ where, file, origins: [], error: (err as ManifestError).message });
    }
  }
  return found;
}

/** The port Word will ask: the first registered manifest's, else the configured one. */
export function wordPort(found: FoundManifest[], configuredPort: number): number {
  const origin = found.find((f) => f.origins.length === 1)?.origins[0];
  return origin ? Number(new URL(origin).port || 443) : configuredPort;
}

export function manifestCheck(found: FoundManifest[], port: number, platform: NodeJS.Platform): CheckResult {
  const title = `Word's manifest names https://localhost:${port}`;
  const expected = `https://localhost:${port}`;
  if (found.length === 0) {
    return platform === 'linux'
      ? {
          id: 'manifest',
          title,
          status: 'info',
          detail: 'No manifest written yet; Word desktop does not run on Linux.',
          fix: 'For Word on the web, run `localscribe setup` and upload the manifest it writes.',
        }
      : {
          id: 'manifest',
          title,
          status: 'fail',
          detail: 'LocalScribe is not registered with Word on this computer.',
          fix: 'Run `localscribe setup`.',
        };
  }
  const wrong = found.filter((f) => f.error || f.origins.length !== 1 || f.origins[0] !== expected);
  if (wrong.length === 0) {
    return {
      id: 'manifest',
      title,
      status: 'pass',
      detail: found.map((f) => `${f.file} (${f.where})`).join('; '),
    };
  }
  return {
    id: 'manifest',
    title,
    status: 'fail',
    detail: wrong
      .map((f) => `${f.file} (${f.where}) ${f.error ?? `names ${f.origins.join(', ') || 'no URL'}`}`)
      .join('; '),
    fix: `Run \`localscribe setup\`: it rewrites the manifest for port ${port} and registers it again. Then restart Word.`,
  };
}
