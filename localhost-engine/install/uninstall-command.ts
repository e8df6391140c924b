/**
 * `localscribe uninstall`: undoes what setup recorded, newest first, and nothing else. A folder is removed only when
 * nothing is left in it; what cannot be undone stays in the record, so running uninstall again retries it.
 */
import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ModelStore } from '../model-store/model-store';
import { untrustCertificate } from './certificate-trust';
import type { InstallContext } from './install-context';
import { readInstallRecord, recordFile, writeRecord, type InstallEntry } from './install-record';
import { uninstallService } from './service/service-command';
import { undoRegistryValue } from './sideload';

export interface UndoReport {
  entry: InstallEntry;
  status: 'undone' | 'kept' | 'failed';
  detail: string;
}

async function undo(
  entry: InstallEntry,
  ctx: InstallContext,
  store: ModelStore,
): Promise<Omit<UndoReport, 'entry'>> {
  switch (entry.kind) {
    case 'file':
      rmSync(entry.path, { force: true });
      return { status: 'undone', detail: `Removed ${entry.path}` };
    case 'logs':
      rmSync(entry.path, { recursive: true, force: true });
      return { status: 'undone', detail: `Removed the logs in ${entry.path}` };
    case 'dir': {
      if (!existsSync(entry.path)) return { status: 'undone', detail: `${entry.path} is already gone` };
      const left = readdirSync(entry.path);
      if (left.length > 0) {
        return {
          status: 'kept',
          detail: `Kept ${entry.path}: it holds ${left.join(', ')}, which setup did not make`,
        };
      }
      rmdirSync(entry.path);
      return { status: 'undone', detail: `Removed ${entry.path}` };
    }
    case 'registry-value':
      await undoRegistryValue(entry, ctx);
      return {
        status: 'undone',
        detail:
          entry.previous === null
            ? `Removed ${entry.key}\\${entry.name}`
            : `Gave ${entry.key}\\${entry.name} back its previous value (${entry.previous})`,
      };
    case 'service':
      await uninstallService(ctx);
      return { status: 'undone', detail: `Stopped and removed the ${entry.description}` };
    case 'certificate':
      await untrustCertificate();
      return {
        status: 'undone',
        detail: `Removed the localhost certificate and its authority (${entry.caFile})`,
      };
    case 'model': {
      const removed = await store.remove(entry.id);
      return {
        status: 'undone',
        detail: removed.removed
          ? `Removed the model ${entry.id} (${removed.dir})`
          : `The model ${entry.id} was already gone`,
      };
    }
  }
}

/** Undoes every recorded entry; resolves with what happened to each (newest first). Throws only for a bad record. */
export async function runUninstall(ctx: InstallContext, store: ModelStore): Promise<UndoReport[]> {
  const entries = readInstallRecord(ctx.dataDir);
  const record = recordFile(ctx.dataDir);
  const reports: UndoReport[] = [];
  const failed = () => reports.some((r) => r.status === 'failed');
  for (const entry of [...entries].reverse()) {
    // The record lives in the data folder: it goes just before that folder does, once everything else is undone.
    if (entry.kind === 'dir' && !failed() && path.dirname(record) === entry.path)
      rmSync(record, { force: true });
    try {
      reports.push({ entry, ...(await undo(entry, ctx, store)) });
    } catch (err) {
      reports.push({ entry, status: 'failed', detail: (err as Error).message });
    }
  }
  // After a failure, what is still there stays recorded (kept folders too), so that uninstall can run again.
  if (failed()) {
    writeRecord(
      ctx.dataDir,
      reports
        .filter((r) => r.status !== 'undone')
        .map((r) => r.entry)
        .reverse(),
    );
  }
  return reports;
}
