/**
 * The record of what `localscribe setup` created, kept in the data folder, so that `localscribe uninstall` undoes
 * exactly that and nothing else. Each step adds its entries as soon as it has made them, so a setup stopped
 * half-way is still undone.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One thing setup made, and what undoing it means. */
export type InstallEntry =
  /** A file setup wrote; removed on uninstall. */
  | { kind: 'file'; path: string }
  /** A folder setup created; removed on uninstall when nothing else is left in it. */
  | { kind: 'dir'; path: string }
  /** The service's log folder: LocalScribe's own logs, removed with everything in it. */
  | { kind: 'logs'; path: string }
  /** A registry value setup set (Windows); deleted, or given back its `previous` data. */
  | { kind: 'registry-value'; key: string; name: string; previous: string | null }
  /** The login service setup installed (its files are entries of their own, before it). */
  | { kind: 'service'; description: string }
  /** The certificate authority office-addin-dev-certs installed in the user's store at setup's request. */
  | { kind: 'certificate'; caFile: string }
  /** A model setup downloaded into the models folder. */
  | { kind: 'model'; id: string; dir: string };

interface RecordFile {
  version: 1;
  entries: InstallEntry[];
}

/** The record's file in the data folder. */
export function recordFile(dataDir: string): string {
  return path.join(dataDir, 'install-record.json');
}

/** A record that cannot be read: uninstall stops rather than guess. */
export class InstallRecordError extends Error {
  override readonly name = 'InstallRecordError';
}

/**
 * The entries setup recorded, oldest first; an empty list when setup never ran.
 * @throws {InstallRecordError} when the file exists but is not a record this version wrote.
 */
export function readInstallRecord(dataDir: string): InstallEntry[] {
  const file = recordFile(dataDir);
  if (!existsSync(file)) return [];
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<RecordFile>;
    if (parsed.version !== 1 || !Array.isArray(parsed.entries)) throw new Error('not a version 1 record');
    return parsed.entries;
  } catch (err) {
    throw new InstallRecordError(
      `${file} cannot be read (${(err as Error).message}); nothing was changed. Remove what it lists by hand, or delete it and run setup again.`,
    );
  }
}

/** Appends entries to the record, writing it atomically (a crash leaves the old record or the new one). */
export function addToInstallRecord(dataDir: string, ...entries: InstallEntry[]): void {
  if (entries.length === 0) return;
  writeRecord(dataDir, [...readInstallRecord(dataDir), ...entries]);
}

/** Replaces the record's entries; an empty list removes the record file. */
export function writeRecord(dataDir: string, entries: InstallEntry[]): void {
  const file = recordFile(dataDir);
  if (entries.length === 0) {
    rmSync(file, { force: true });
    return;
  }
  mkdirSync(dataDir, { recursive: true });
  const body: RecordFile = { version: 1, entries };
  writeFileSync(`${file}.tmp`, `${JSON.stringify(body, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
