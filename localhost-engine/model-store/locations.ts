/**
 * Where models live: the per-user models folder (`%LOCALAPPDATA%\LocalScribe\models` on Windows,
 * `~/Library/Application Support/LocalScribe/models` on macOS, `$XDG_DATA_HOME/localscribe/models` on Linux),
 * one sub-folder per catalog id, and the download's working files beside them (same parent, so the final rename
 * is atomic). Names starting with "." are never a model folder.
 */
import path from 'node:path';
import { userDataDir } from '../paths';
import type { CatalogEntry } from './catalog';

/** The hub used when none is configured. */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

/** The models folder: `flag`, then `LOCALSCRIBE_MODELS_DIR`, then `<user data folder>/models`. */
export function resolveModelsDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = flag ?? (env.LOCALSCRIBE_MODELS_DIR || undefined);
  return chosen ? path.resolve(chosen) : path.join(userDataDir(env), 'models');
}

/** The folder a catalog entry is installed into. */
export function installDir(modelsDir: string, entry: Pick<CatalogEntry, 'id'>): string {
  return path.join(modelsDir, entry.id);
}

/** The download's working paths: files being fetched, what the hub said about them, and the lock. */
export function downloadPaths(
  modelsDir: string,
  id: string,
): { staging: string; manifest: string; lock: string } {
  return {
    staging: path.join(modelsDir, `.partial-${id}`),
    manifest: path.join(modelsDir, `.partial-${id}.json`),
    lock: path.join(modelsDir, `.partial-${id}.lock`),
  };
}

/** Written into each installed folder: the files and checksums it was verified against (`models verify` reads it). */
export const INSTALL_RECORD = '.localscribe-download.json';
