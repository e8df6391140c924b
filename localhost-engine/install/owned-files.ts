/**
 * Creating folders and files for setup so that uninstall can take back exactly those: each helper returns the
 * record entries for what it created, and nothing for what was already there.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { InstallEntry } from './install-record';

/** Creates `dir` and any missing parents; returns a `dir` entry for each folder it created, outermost first. */
export function makeDirs(dir: string): InstallEntry[] {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (path.dirname(d) === d) break;
  }
  mkdirSync(dir, { recursive: true });
  return missing.map((p) => ({ kind: 'dir', path: p }));
}

/** What {@link writeOwnedFile} did. */
export interface WrittenFile {
  status: 'created' | 'updated' | 'unchanged';
  entries: InstallEntry[];
}

/**
 * Writes `content` to `file` unless it already holds exactly those bytes. Entries (folders and the file) are
 * returned only for what did not exist before, so a file the user had is never recorded as setup's.
 */
export function writeOwnedFile(file: string, content: string | Buffer): WrittenFile {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const entries = makeDirs(path.dirname(file));
  if (existsSync(file)) {
    if (readFileSync(file).equals(bytes)) return { status: 'unchanged', entries };
    writeFileSync(file, bytes);
    return { status: 'updated', entries };
  }
  writeFileSync(file, bytes);
  return { status: 'created', entries: [...entries, { kind: 'file', path: file }] };
}
