/**
 * Generated test models, cached on disk: a folder is reused while its generator stamp matches and is
 * otherwise regenerated in a temporary folder that is renamed into place only when complete, so a killed
 * generation never leaves a folder that looks valid.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GeneratedLayout, generatedConfig, writeGeneratedFolder } from './generated-layouts';
import { ModelSize } from './model-sizes';

/** Bump whenever the graph, the weights or the folder files change, so cached folders are regenerated. */
export const GENERATOR_VERSION = '3';

/** Written last into each finished folder; its content must match for the folder to be reused. */
export const STAMP_FILE = '.generator-stamp.json';

/** `<repo>/.cache/models`, git-ignored. */
export const DEFAULT_CACHE_DIR = path.resolve(__dirname, '..', '.cache', 'models');

export interface EnsureGeneratedModelOptions {
  size: ModelSize;
  layout: GeneratedLayout;
  /** Parent folder of the cached model folders (default `<repo>/.cache/models`). */
  cacheDir?: string;
}

function stampFor(size: ModelSize, layout: GeneratedLayout): string {
  const config = generatedConfig(layout, size);
  return `${JSON.stringify({ generatorVersion: GENERATOR_VERSION, size, layout, config }, null, 2)}\n`;
}

function hasStamp(dir: string, stamp: string): boolean {
  try {
    return fs.readFileSync(path.join(dir, STAMP_FILE), 'utf8') === stamp;
  } catch {
    return false;
  }
}

/**
 * Returns the folder `<cacheDir>/<size>-<layout>/` holding a complete generated model, generating it first
 * when it is missing or was made by another generator version. Safe when several processes ask at once: each
 * generates into its own temporary folder and the first rename wins. Throws on I/O errors (e.g. a full disk).
 */
export async function ensureGeneratedModel(options: EnsureGeneratedModelOptions): Promise<string> {
  const cacheDir = options.cacheDir ?? DEFAULT_CACHE_DIR;
  const finalDir = path.join(cacheDir, `${options.size}-${options.layout}`);
  const stamp = stampFor(options.size, options.layout);
  if (hasStamp(finalDir, stamp)) return finalDir;

  fs.mkdirSync(cacheDir, { recursive: true });
  const tempDir = path.join(
    cacheDir,
    `.tmp-${options.size}-${options.layout}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`,
  );
  fs.mkdirSync(tempDir);
  try {
    writeGeneratedFolder(tempDir, options.layout, options.size, GENERATOR_VERSION);
    fs.writeFileSync(path.join(tempDir, STAMP_FILE), stamp);
    if (fs.existsSync(finalDir) && !hasStamp(finalDir, stamp)) {
      fs.rmSync(finalDir, { recursive: true, force: true });
    }
    try {
      fs.renameSync(tempDir, finalDir);
    } catch (err) {
      // Another process renamed its copy first; theirs is as good as ours.
      if (!hasStamp(finalDir, stamp)) throw err;
    }
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
  return finalDir;
}
