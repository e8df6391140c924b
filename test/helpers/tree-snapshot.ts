/**
 * What a folder holds, for "left it exactly as it found it" assertions: every file's and folder's path, kind and
 * contents (as a hash), so that an added, removed or changed entry shows in a diff.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** `relative/path` → `dir`, `file <sha1>` or `link`, sorted; an empty object for a missing folder. */
export function treeSnapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const rel = path.relative(root, full);
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) out[rel] = 'link';
      else if (stat.isDirectory()) {
        out[rel] = 'dir';
        walk(full);
      } else out[rel] = `file ${createHash('sha1').update(readFileSync(full)).digest('hex')}`;
    }
  };
  if (existsSync(root)) walk(root);
  return out;
}
