/**
 * Downloads one catalog model from the hub and installs it atomically.
 *
 * - Files land in `<models>/.partial-<id>/` (the same parent as the final folder), each first as `<file>.part`,
 *   hashed while it is written and renamed only once its size and checksum match what the hub's tree API
 *   publishes (SHA-256 for LFS/Xet files, the git blob SHA-1 for small ones).
 * - An interrupted file resumes with `Range: bytes=N-`: the bytes on disk are hashed again (nothing is trusted
 *   from memory across processes), a `206` with the matching `Content-Range` is appended, a `200` (a server that
 *   ignores ranges) restarts the file cleanly. Dropped connections, stalls and 5xx are retried with a backoff
 *   that starts over whenever a try made progress.
 * - When every file is verified, the folder is checked with the loader's own `inspectModelFolder` and renamed to
 *   `<models>/<id>/`: the loader never sees a half model.
 * - Cancel (the signal) keeps the working folder so the next download resumes; every other failure removes it, so
 *   a failed download leaves the models folder as it was. A lock file keeps two processes off the same model.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ModelDownloadProgressEvent, ModelDownloadStartEvent } from '../api/schemas';
import { inspectModelFolder, ModelFolderError } from '../inference/model-folder';
import type { CatalogEntry } from './catalog';
import { DownloadError, formatBytes, isTransient } from './download-error';
import { nodeFileWriter, type FileWriter } from './file-writer';
import { statusError, type HubClient, type HubFile } from './hub-client';
import { downloadPaths, INSTALL_RECORD, installDir } from './locations';
import { RateMeter } from './rate-meter';

export type DownloaderEvent = ModelDownloadStartEvent | ModelDownloadProgressEvent;

export interface DownloadOptions {
  entry: CatalogEntry;
  modelsDir: string;
  hub: HubClient;
  /** Aborting cancels: the bytes received so far stay for a resume. */
  signal?: AbortSignal;
  onEvent?: (event: DownloaderEvent) => void;
  /** Where bytes are written (tests inject failures). */
  writer?: FileWriter;
  /** Free bytes on the file system of `dir`, or null when unknown. */
  freeBytes?: (dir: string) => Promise<number | null>;
  /** Tries after the first failure that made no progress (default 4). */
  maxRetries?: number;
  /** First backoff between tries; doubles up to 30 s (default 1 s). */
  retryDelayMs?: number;
  /** Least time between two progress events (default 250 ms). */
  progressIntervalMs?: number;
  now?: () => number;
}

export interface DownloadResult {
  dir: string;
  totalBytes: number;
  /** Bytes fetched by this run (excludes what an earlier run left on disk). */
  downloadedBytes: number;
  /** The model was already installed; nothing was fetched. */
  alreadyInstalled: boolean;
}

/** What the download checks one file against, as recorded in the manifest and the installed folder. */
export interface FileRecord {
  /** Path relative to the model folder. */
  file: string;
  /** Path inside the hub repository. */
  hubPath: string;
  size: number;
  sha256: string | null;
  gitSha1: string | null;
}

interface Manifest {
  repo: string;
  revision: string;
  folder: string;
  files: FileRecord[];
}

interface Context {
  entry: CatalogEntry;
  hub: HubClient;
  staging: string;
  signal: AbortSignal;
  writer: FileWriter;
  emit: (event: DownloaderEvent) => void;
  totalBytes: number;
  receivedBytes: number;
  downloadedBytes: number;
  meter: RateMeter;
  lastProgressAt: number;
  progressIntervalMs: number;
  now: () => number;
  maxRetries: number;
  retryDelayMs: number;
  modelsDir: string;
}

/** Free space of the file system holding `dir` (Node's `statfs`), or null where it cannot be read. */
export async function statfsFreeBytes(dir: string): Promise<number | null> {
  try {
    const s = await fs.statfs(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

async function sizeOf(file: string): Promise<number | null> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return null;
  }
}

/** The hash a file's published checksum is computed with. */
export function newFileHash(record: Pick<FileRecord, 'size' | 'sha256' | 'gitSha1'>): Hash {
  if (record.sha256 || !record.gitSha1) return createHash('sha256');
  // A git blob id is the SHA-1 of "blob <size>\0" followed by the content.
  return createHash('sha1').update(`blob ${record.size}\0`);
}

/** Compares a finished hash with the published checksum; null when it matches (or none is published). */
export function checksumProblem(record: FileRecord, digest: string): string | null {
  const expected = record.sha256 ?? record.gitSha1;
  if (!expected || digest === expected) return null;
  const kind = record.sha256 ? 'SHA-256' : 'git SHA-1';
  return `${record.file} is damaged: its ${kind} is ${digest.slice(0, 12)}…, the hub publishes ${expected.slice(0, 12)}…`;
}

/** Feeds the first `length` bytes of `file` to `hash`. */
export async function hashFilePrefix(
  file: string,
  hash: Hash,
  length: number,
  signal?: AbortSignal,
): Promise<void> {
  if (length <= 0) return;
  const stream = createReadStream(file, { start: 0, end: length - 1, signal });
  for await (const chunk of stream as AsyncIterable<Buffer>) hash.update(chunk);
}

function fsError(
  err: unknown,
  ctx: Pick<Context, 'entry' | 'modelsDir' | 'totalBytes'>,
  what: string,
): DownloadError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') {
    return new DownloadError(
      'disk_full',
      `The disk is full: ${what} failed. ${ctx.entry.name} needs ${formatBytes(ctx.totalBytes)} of free space in ${ctx.modelsDir}; the partial download was removed. Free up at least that much and download again.`,
      { cause: err },
    );
  }
  return new DownloadError('io_error', `${what} failed: ${e.message}`, { cause: err });
}

function sizeLie(ctx: Context, record: FileRecord, detail: string): DownloadError {
  return new DownloadError(
    'size_mismatch',
    `The hub lists ${record.file} of ${ctx.entry.repo} as ${record.size} bytes, but ${detail}. Nothing was installed.`,
  );
}

function parseContentRange(
  header: string | undefined,
): { start: number; end: number; total: number | null } | null {
  const m = header ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header.trim()) : null;
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? null : Number(m[3]) };
}

function progress(
  ctx: Context,
  file: string | null,
  stage: ModelDownloadProgressEvent['stage'],
  force = false,
): void {
  const now = ctx.now();
  ctx.meter.add(now, ctx.downloadedBytes);
  if (!force && now - ctx.lastProgressAt < ctx.progressIntervalMs) return;
  ctx.lastProgressAt = now;
  const rate = ctx.meter.rate();
  const left = ctx.totalBytes - ctx.receivedBytes;
  ctx.emit({
    type: 'progress',
    stage,
    file,
    receivedBytes: ctx.receivedBytes,
    totalBytes: ctx.totalBytes,
    bytesPerSecond: Math.round(rate),
    etaSeconds: left === 0 ? 0 : rate > 0 ? Math.round(left / rate) : null,
  });
}

/** State of one file's `.part` while it downloads: the bytes on disk, all of them fed to `hash`. */
interface PartState {
  bytes: number;
  hash: Hash;
  /** Reports the file's byte count to the overall progress. */
  recount: (bytes: number) => void;
}

/** One GET of the rest of a file, appended to its `.part`. Resolves when the response ends. */
async function transfer(ctx: Context, record: FileRecord, part: string, st: PartState): Promise<void> {
  const what = `${record.file} of ${ctx.entry.repo} at revision ${ctx.entry.revision}`;
  const headers: Record<string, string> = st.bytes > 0 ? { range: `bytes=${st.bytes}-` } : {};
  const res = await ctx.hub.get(
    ctx.hub.resolveUrl(ctx.entry.repo, ctx.entry.revision, record.hubPath),
    headers,
    ctx.signal,
  );
  const status = res.statusCode ?? 0;
  let mode: 'append' | 'truncate';
  if (status === 206 && st.bytes > 0) {
    const range = parseContentRange(res.headers['content-range']);
    if (!range || range.start !== st.bytes) {
      res.destroy();
      throw new DownloadError('bad_response', `The hub answered a resume of ${what} with the wrong range.`);
    }
    if (range.total !== null && range.total !== record.size) {
      res.destroy();
      throw sizeLie(ctx, record, `it serves ${range.total} bytes`);
    }
    mode = 'append';
  } else if (status === 200) {
    const length = res.headers['content-length'];
    if (length !== undefined && Number(length) !== record.size) {
      res.destroy();
      throw sizeLie(ctx, record, `it serves ${length} bytes`);
    }
    if (st.bytes > 0) {
      // The server ignored the Range header: start this file over rather than append a second copy.
      st.bytes = 0;
      st.hash = newFileHash(record);
      st.recount(0);
    }
    mode = 'truncate';
  } else if (status === 416) {
    res.resume();
    throw sizeLie(ctx, record, `it has no bytes after ${st.bytes}`);
  } else {
    res.resume();
    throw statusError(status, what);
  }

  let out;
  try {
    out = await ctx.writer.open(part, mode);
  } catch (err) {
    res.destroy();
    throw fsError(err, ctx, `Opening ${part}`);
  }
  try {
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        if (st.bytes + chunk.length > record.size) {
          res.destroy();
          throw sizeLie(ctx, record, 'it sent more bytes than that');
        }
        try {
          await out.write(chunk);
        } catch (err) {
          res.destroy();
          throw fsError(err, ctx, `Writing ${record.file}`);
        }
        st.hash.update(chunk);
        st.bytes += chunk.length;
        st.recount(st.bytes);
        ctx.downloadedBytes += chunk.length;
        progress(ctx, record.file, 'download');
      }
    } catch (err) {
      if (err instanceof DownloadError) throw err;
      if (ctx.signal.aborted) throw new DownloadError('cancelled', 'The download was cancelled.');
      throw new DownloadError(
        'network_error',
        `The connection broke while downloading ${what}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  } finally {
    await out.close(st.bytes === record.size).catch(() => undefined);
  }
  if (st.bytes < record.size) {
    throw new DownloadError(
      'network_error',
      `The connection closed early while downloading ${what} (${st.bytes} of ${record.size} bytes).`,
    );
  }
}

/** Fetches one file into the working folder (resuming its `.part`), verifies it and gives it its final name. */
async function fetchFile(ctx: Context, record: FileRecord): Promise<void> {
  const final = path.join(ctx.staging, ...record.file.split('/'));
  const part = `${final}.part`;
  await fs.mkdir(path.dirname(final), { recursive: true });
  // Bytes of this file included in ctx.receivedBytes (the start event counted what was on disk).
  let counted = Math.min((await sizeOf(part)) ?? 0, record.size);
  const recount = (bytes: number): void => {
    ctx.receivedBytes += bytes - counted;
    counted = bytes;
  };
  let st: PartState | null = null;
  let failures = 0;
  for (;;) {
    let onDisk = (await sizeOf(part)) ?? 0;
    if (onDisk > record.size) {
      await fs.rm(part, { force: true });
      onDisk = 0;
      st = null;
    }
    if (!st || st.bytes !== onDisk) {
      // A resume after a restart (or after a failed write): hash what is on disk again rather than trust it.
      st = { bytes: 0, hash: newFileHash(record), recount };
      if (onDisk > 0) {
        progress(ctx, record.file, 'verify', true);
        await hashFilePrefix(part, st.hash, onDisk, ctx.signal);
        st.bytes = onDisk;
      }
    }
    recount(st.bytes);
    const before = st.bytes;
    try {
      if (st.bytes < record.size || record.size === 0) await transfer(ctx, record, part, st);
      break;
    } catch (err) {
      if (ctx.signal.aborted) throw new DownloadError('cancelled', 'The download was cancelled.');
      if (!isTransient(err)) throw err;
      failures = st.bytes > before ? 1 : failures + 1;
      if (failures > ctx.maxRetries) {
        const e = err as DownloadError;
        throw new DownloadError(e.code, `${e.message} (gave up after ${failures} tries)`, { cause: err });
      }
      try {
        await delay(Math.min(ctx.retryDelayMs * 2 ** (failures - 1), 30_000), undefined, {
          signal: ctx.signal,
        });
      } catch {
        throw new DownloadError('cancelled', 'The download was cancelled.');
      }
    }
  }
  const problem = checksumProblem(record, st.hash.digest('hex'));
  if (problem) {
    await fs.rm(part, { force: true });
    throw new DownloadError(
      'checksum_mismatch',
      `${problem}. Nothing was installed; download the model again.`,
    );
  }
  try {
    await fs.rename(part, final);
  } catch (err) {
    throw fsError(err, ctx, `Renaming ${part}`);
  }
  progress(ctx, record.file, 'download', true);
}

/** Asks the hub for the size and checksum of every file the entry lists. */
export async function fetchFileRecords(
  entry: CatalogEntry,
  hub: HubClient,
  signal?: AbortSignal,
): Promise<FileRecord[]> {
  const hubPaths = entry.files.map((f) => (entry.folder ? `${entry.folder}/${f}` : f));
  const folders = [...new Set(hubPaths.map((p) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '')))];
  const listed = new Map<string, HubFile>();
  for (const folder of folders) {
    for (const file of await hub.listFolder(entry.repo, entry.revision, folder, signal))
      listed.set(file.path, file);
  }
  return entry.files.map((file, i) => {
    const info = listed.get(hubPaths[i]);
    if (!info) {
      throw new DownloadError(
        'not_found',
        `The hub has no ${hubPaths[i]} in ${entry.repo} at revision ${entry.revision}; the model catalog may be out of date.`,
      );
    }
    return { file, hubPath: hubPaths[i], size: info.size, sha256: info.sha256, gitSha1: info.gitSha1 };
  });
}

async function readManifest(file: string): Promise<Manifest | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

function sameRecord(a: FileRecord | undefined, b: FileRecord): boolean {
  return (
    !!a && a.size === b.size && a.sha256 === b.sha256 && a.gitSha1 === b.gitSha1 && a.hubPath === b.hubPath
  );
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the per-model lock, taking over one left by a process that no longer runs. */
async function acquireLock(lock: string, id: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx' });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new DownloadError('io_error', `Cannot create ${lock}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    }
    const pid = Number((await fs.readFile(lock, 'utf8').catch(() => '')).trim());
    if (pid > 0 && (pid === process.pid || processAlive(pid))) {
      throw new DownloadError(
        'busy',
        `${id} is already being downloaded by LocalScribe (process ${pid}). If no LocalScribe runs, delete ${lock}.`,
      );
    }
    await fs.rm(lock, { force: true });
  }
  throw new DownloadError('busy', `Cannot take the download lock ${lock}.`);
}

async function isLoadable(dir: string, entry: CatalogEntry): Promise<boolean> {
  try {
    await inspectModelFolder(dir, entry.devices.includes('cpu') ? 'cpu' : 'gpu');
    return true;
  } catch {
    return false;
  }
}

/**
 * Downloads `entry` into `<modelsDir>/<id>`, resuming what an earlier run left, and installs it atomically.
 *
 * Guarantees: on success the folder holds exactly the catalog's files, each matching the hub's size and checksum,
 * and `inspectModelFolder` accepts it; before that moment nothing exists at `<modelsDir>/<id>` that was not there
 * before. On cancel the working files stay for a resume; on any other failure they are removed.
 * @throws DownloadError with a code and a message for the user (see download-error.ts).
 */
export async function downloadModel(options: DownloadOptions): Promise<DownloadResult> {
  const { entry, modelsDir, hub } = options;
  const signal = options.signal ?? new AbortController().signal;
  const target = installDir(modelsDir, entry);
  const paths = downloadPaths(modelsDir, entry.id);
  try {
    await fs.mkdir(modelsDir, { recursive: true });
  } catch (err) {
    throw fsError(err, { entry, modelsDir, totalBytes: entry.approxBytes }, `Creating ${modelsDir}`);
  }
  if (await isLoadable(target, entry)) {
    return { dir: target, totalBytes: 0, downloadedBytes: 0, alreadyInstalled: true };
  }
  await acquireLock(paths.lock, entry.id);
  const now = options.now ?? (() => performance.now());
  const ctx: Context = {
    entry,
    hub,
    staging: paths.staging,
    signal,
    writer: options.writer ?? nodeFileWriter,
    emit: options.onEvent ?? (() => undefined),
    totalBytes: 0,
    receivedBytes: 0,
    downloadedBytes: 0,
    meter: new RateMeter(),
    lastProgressAt: -Infinity,
    progressIntervalMs: options.progressIntervalMs ?? 250,
    now,
    maxRetries: options.maxRetries ?? 4,
    retryDelayMs: options.retryDelayMs ?? 1000,
    modelsDir,
  };
  let keepForResume = false;
  try {
    const records = await fetchFileRecords(entry, hub, signal);
    ctx.totalBytes = records.reduce((n, r) => n + r.size, 0);

    // Bytes from an earlier run count only where the hub still describes the file the same way.
    const old = await readManifest(paths.manifest);
    const sameSource =
      old && old.repo === entry.repo && old.revision === entry.revision && old.folder === entry.folder;
    if (!sameSource) await fs.rm(paths.staging, { recursive: true, force: true });
    for (const record of records) {
      if (
        old &&
        sameSource &&
        sameRecord(
          old.files.find((f) => f.file === record.file),
          record,
        )
      )
        continue;
      const final = path.join(paths.staging, ...record.file.split('/'));
      await fs.rm(final, { force: true });
      await fs.rm(`${final}.part`, { force: true });
    }
    await fs.mkdir(paths.staging, { recursive: true });
    const manifest: Manifest = {
      repo: entry.repo,
      revision: entry.revision,
      folder: entry.folder,
      files: records,
    };
    await fs.writeFile(paths.manifest, `${JSON.stringify(manifest, null, 2)}\n`);

    const done = new Set<string>();
    let onDisk = 0;
    for (const record of records) {
      const final = path.join(paths.staging, ...record.file.split('/'));
      if ((await sizeOf(final)) === record.size) {
        done.add(record.file); // verified before it got its final name
        onDisk += record.size;
      } else {
        onDisk += Math.min((await sizeOf(`${final}.part`)) ?? 0, record.size);
      }
    }
    const needed = ctx.totalBytes - onDisk;
    const free = await (options.freeBytes ?? statfsFreeBytes)(modelsDir);
    if (free !== null && free < needed) {
      throw new DownloadError(
        'disk_full',
        `Not enough free space for ${entry.name}: it needs ${formatBytes(needed)} more in ${modelsDir}, and only ${formatBytes(free)} is free. Free up at least ${formatBytes(needed - free)} and download again.`,
      );
    }
    ctx.receivedBytes = onDisk;
    ctx.emit({
      type: 'start',
      model: entry.id,
      files: records.length,
      totalBytes: ctx.totalBytes,
      receivedBytes: onDisk,
      dir: target,
    });
    for (const record of records) {
      if (!done.has(record.file)) await fetchFile(ctx, record);
    }

    progress(ctx, null, 'install', true);
    try {
      await inspectModelFolder(paths.staging, entry.devices.includes('cpu') ? 'cpu' : 'gpu');
    } catch (err) {
      const why = err instanceof ModelFolderError ? err.message : String(err);
      throw new DownloadError(
        'invalid_model',
        `The downloaded files are not a model LocalScribe can load: ${why}`,
      );
    }
    await fs.writeFile(
      path.join(paths.staging, INSTALL_RECORD),
      `${JSON.stringify({ id: entry.id, ...manifest }, null, 2)}\n`,
    );
    await install(paths.staging, target);
    await fs.rm(paths.manifest, { force: true });
    return {
      dir: target,
      totalBytes: ctx.totalBytes,
      downloadedBytes: ctx.downloadedBytes,
      alreadyInstalled: false,
    };
  } catch (err) {
    const e =
      err instanceof DownloadError
        ? err
        : signal.aborted
          ? new DownloadError('cancelled', 'The download was cancelled.')
          : fsError(err, ctx, 'The download');
    keepForResume = e.code === 'cancelled';
    throw e;
  } finally {
    if (!keepForResume) {
      await fs.rm(paths.staging, { recursive: true, force: true }).catch(() => undefined);
      await fs.rm(paths.manifest, { force: true }).catch(() => undefined);
    }
    await fs.rm(paths.lock, { force: true }).catch(() => undefined);
  }
}

/** Renames the verified folder into place, moving aside (then deleting) whatever broken folder was there. */
async function install(staging: string, target: string): Promise<void> {
  let aside: string | null = null;
  if ((await sizeOf(target)) !== null) {
    aside = path.join(
      path.dirname(target),
      `.replaced-${path.basename(target)}-${process.pid}-${Date.now()}`,
    );
    await fs.rename(target, aside);
  }
  try {
    await fs.rename(staging, target);
  } catch (err) {
    if (aside) await fs.rename(aside, target).catch(() => undefined);
    throw new DownloadError('io_error', `Cannot move the model into ${target}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (aside) await fs.rm(aside, { recursive: true, force: true });
}
