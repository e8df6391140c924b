/**
 * The engine's view of models: the catalog with what is installed, the folders users already have (the
 * predecessor's, a configured one), one download at a time that any number of clients can watch, cancel, remove
 * and verify. The routes, the health route and the CLI all go through this object.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type {
  DownloadStatus,
  ErrorEvent,
  FoundModel,
  ModelDownloadDoneEvent,
  ModelDownloadEvent,
  ModelDownloadProgressEvent,
  ModelDownloadStartEvent,
  ModelInfo,
  ModelsResponse,
} from '../api/schemas';
import { inspectModelFolder, ModelFolderError } from '../inference/model-folder';
import type { DeviceOption } from '../inference/worker-protocol';
import { predecessorModelDir } from '../paths';
import type { ModelHealth, Summarizer } from '../summarize/summarizer';
import {
  defaultEntryFor,
  entriesFor,
  preferredDevice,
  type Catalog,
  type CatalogDevice,
  type CatalogEntry,
} from './catalog';
import { DownloadError } from './download-error';
import {
  checksumProblem,
  downloadModel,
  fetchFileRecords,
  newFileHash,
  type DownloadOptions,
  type FileRecord,
} from './downloader';
import { HubClient } from './hub-client';
import { downloadPaths, INSTALL_RECORD, installDir } from './locations';

export interface ModelStoreOptions {
  catalog: Catalog;
  modelsDir: string;
  hubUrl: string;
  /** Extra certificate authority for the hub (tests, a mirror with an internal CA). */
  hubCa?: string;
  /** The engine's device option; the catalog default is chosen for it. */
  device: DeviceOption;
  /** The folder the engine loads its model from, when known. */
  activeDir?: string | null;
  /** Folders the user pointed at, offered when they hold a model. */
  extraDirs?: string[];
  env?: NodeJS.ProcessEnv;
  /** Downloader settings (tests make retries instant and inject disk failures). */
  download?: Pick<
    DownloadOptions,
    'writer' | 'freeBytes' | 'maxRetries' | 'retryDelayMs' | 'progressIntervalMs'
  > & {
    stallMs?: number;
  };
}

/** A refusal to start, remove or cancel, with the HTTP status and code the API reports. */
export class StoreError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

type FinalEvent = ModelDownloadDoneEvent | ErrorEvent;

/** One running download; late subscribers get its `start`, latest `progress` and final event replayed. */
export class ActiveDownload {
  readonly controller = new AbortController();
  start: ModelDownloadStartEvent | null = null;
  last: ModelDownloadProgressEvent | null = null;
  final: FinalEvent | null = null;
  readonly finished: Promise<FinalEvent>;
  private readonly listeners = new Set<(event: ModelDownloadEvent) => void>();
  private finish!: (event: FinalEvent) => void;

  constructor(readonly id: string) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
  }

  /** Calls `listener` with every event from now on, after replaying what a newcomer needs. Returns the unsubscribe. */
  subscribe(listener: (event: ModelDownloadEvent) => void): () => void {
    if (this.start) listener(this.start);
    if (this.last) listener(this.last);
    if (this.final) {
      listener(this.final);
      return () => undefined;
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ModelDownloadEvent): void {
    if (event.type === 'start') this.start = event;
    else if (event.type === 'progress') this.last = event;
    else {
      this.final = event;
      this.finish(event);
    }
    for (const l of [...this.listeners]) l(event);
    if (this.final) this.listeners.clear();
  }

  status(): DownloadStatus {
    return {
      model: this.id,
      receivedBytes: this.last?.receivedBytes ?? this.start?.receivedBytes ?? 0,
      totalBytes: this.last?.totalBytes ?? this.start?.totalBytes ?? 0,
      bytesPerSecond: this.last?.bytesPerSecond ?? 0,
      etaSeconds: this.last?.etaSeconds ?? null,
    };
  }
}

export interface VerifyResult {
  id: string;
  dir: string;
  ok: boolean;
  /** Where the expected sizes and checksums came from. */
  source: 'install-record' | 'hub';
  files: number;
  problems: string[];
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}

async function inspect(
  dir: string,
  device: CatalogDevice,
): Promise<{ layout: 'genai' | 'transformers' } | { error: ModelFolderError }> {
  try {
    const m = await inspectModelFolder(dir, device === 'cpu' ? 'cpu' : 'gpu');
    return { layout: m.layout };
  } catch (err) {
    if (err instanceof ModelFolderError) return { error: err };
    return { error: new ModelFolderError('model_invalid', (err as Error).message) };
  }
}

export class ModelStore {
  readonly catalog: Catalog;
  readonly modelsDir: string;
  readonly hubUrl: string;
  readonly device: CatalogDevice;
  activeDir: string | null;
  private current: ActiveDownload | null = null;
  private readonly env: NodeJS.ProcessEnv;

  constructor(private readonly options: ModelStoreOptions) {
    this.catalog = options.catalog;
    this.modelsDir = path.resolve(options.modelsDir);
    this.hubUrl = options.hubUrl;
    this.device = preferredDevice(options.device);
    this.activeDir = options.activeDir ? path.resolve(options.activeDir) : null;
    this.env = options.env ?? process.env;
  }

  entry(id: string): CatalogEntry | undefined {
    return this.catalog.models.find((m) => m.id === id);
  }

  /** The catalog entry the engine offers for its device. */
  defaultEntry(): CatalogEntry {
    return defaultEntryFor(this.catalog, this.device);
  }

  installDir(entry: CatalogEntry): string {
    return installDir(this.modelsDir, entry);
  }

  /** The predecessor's model folder, if this user has the path for one. */
  predecessorDir(): string | null {
    return predecessorModelDir(this.env);
  }

  isDownloading(): boolean {
    return this.current !== null && this.current.final === null;
  }

  downloadStatus(): DownloadStatus | null {
    return this.isDownloading() ? this.current!.status() : null;
  }

  /**
   * The folder an engine with no `--model` should load: an installed catalog model that suits the device (its
   * default first), else the first of `fallbacks` that holds a model, else the predecessor's folder when it holds
   * one, else where the device's default model will be installed (so a download becomes live without a restart).
   */
  async pickModelDir(fallbacks: string[] = []): Promise<string> {
    for (const entry of entriesFor(this.catalog, this.device)) {
      const dir = this.installDir(entry);
      if ('layout' in (await inspect(dir, this.device))) return dir;
    }
    const pred = this.predecessorDir();
    for (const dir of [...fallbacks, ...(pred ? [pred] : [])]) {
      if ('layout' in (await inspect(dir, this.device))) return dir;
    }
    return this.installDir(this.defaultEntry());
  }

  /** The catalog with each entry's state, the other model folders found, and the running download. */
  async list(): Promise<ModelsResponse> {
    const defaultId = this.defaultEntry().id;
    const models: ModelInfo[] = [];
    for (const entry of this.catalog.models) {
      const dir = this.installDir(entry);
      let state: ModelInfo['state'];
      let error: string | null = null;
      if (this.current?.id === entry.id && this.isDownloading()) state = 'downloading';
      else {
        const found = await inspect(dir, this.device);
        if ('layout' in found) state = 'installed';
        else if (found.error.code === 'model_invalid') {
          state = 'invalid';
          error = found.error.message;
        } else
          state = (await exists(downloadPaths(this.modelsDir, entry.id).staging)) ? 'partial' : 'missing';
      }
      models.push({
        id: entry.id,
        name: entry.name,
        repo: entry.repo,
        revision: entry.revision,
        layout: entry.layout,
        devices: entry.devices,
        default: entry.id === defaultId,
        approxBytes: entry.approxBytes,
        contextLength: entry.contextLength,
        dir,
        state,
        error,
        active: this.activeDir === dir,
      });
    }
    return {
      modelsDir: this.modelsDir,
      hubUrl: this.hubUrl,
      device: this.device,
      defaultId,
      activeDir: this.activeDir,
      models,
      found: await this.findOtherFolders(),
      download: this.downloadStatus(),
    };
  }

  /** Model folders outside the catalog's: the predecessor's, configured ones, and others in the models folder. */
  private async findOtherFolders(): Promise<FoundModel[]> {
    const catalogDirs = new Set(this.catalog.models.map((e) => this.installDir(e)));
    const candidates: Array<{ dir: string; source: FoundModel['source'] }> = [];
    const pred = this.predecessorDir();
    if (pred) candidates.push({ dir: pred, source: 'predecessor' });
    for (const dir of [...(this.activeDir ? [this.activeDir] : []), ...(this.options.extraDirs ?? [])]) {
      candidates.push({ dir: path.resolve(dir), source: 'configured' });
    }
    try {
      for (const d of await fs.readdir(this.modelsDir, { withFileTypes: true })) {
        if (d.isDirectory() && !d.name.startsWith('.')) {
          candidates.push({ dir: path.join(this.modelsDir, d.name), source: 'folder' });
        }
      }
    } catch {
      // no models folder yet
    }
    const seen = new Set<string>();
    const found: FoundModel[] = [];
    for (const { dir, source } of candidates) {
      if (seen.has(dir) || catalogDirs.has(dir)) continue;
      seen.add(dir);
      const result = await inspect(dir, this.device);
      if (!('layout' in result) && result.error.code === 'model_missing' && source !== 'configured') continue;
      found.push({
        dir,
        source,
        valid: 'layout' in result,
        layout: 'layout' in result ? result.layout : null,
        error: 'layout' in result ? null : result.error.message,
        active: this.activeDir === dir,
      });
    }
    return found;
  }

  private hub(): HubClient {
    return new HubClient({
      baseUrl: this.hubUrl,
      ca: this.options.hubCa,
      stallMs: this.options.download?.stallMs,
      userAgent: 'localscribe-model-store',
    });
  }

  private known(id: string): CatalogEntry {
    const entry = this.entry(id);
    if (!entry) throw new StoreError(404, 'unknown_model', `There is no model "${id}" in the catalog.`);
    return entry;
  }

  /**
   * Starts downloading `id`, or returns the running download of the same id (a client that reconnects).
   * @throws StoreError 404 `unknown_model`, 409 `already_installed`, 409 `download_running` (another model).
   */
  async startDownload(id: string): Promise<ActiveDownload> {
    const entry = this.known(id);
    if (this.isDownloading()) {
      if (this.current!.id === id) return this.current!;
      throw new StoreError(
        409,
        'download_running',
        `${this.current!.id} is being downloaded; wait for it or cancel it first.`,
      );
    }
    if ('layout' in (await inspect(this.installDir(entry), this.device))) {
      throw new StoreError(
        409,
        'already_installed',
        `${entry.name} is already installed in ${this.installDir(entry)}.`,
      );
    }
    if (this.isDownloading()) return this.startDownload(id); // another request started one meanwhile
    const active = new ActiveDownload(id);
    this.current = active;
    const { stallMs: _stallMs, ...download } = this.options.download ?? {};
    downloadModel({
      ...download,
      entry,
      modelsDir: this.modelsDir,
      hub: this.hub(),
      signal: active.controller.signal,
      onEvent: (event) => active.emit(event),
    }).then(
      (result) =>
        active.emit({
          type: 'done',
          model: id,
          dir: result.dir,
          totalBytes: result.totalBytes,
          downloadedBytes: result.downloadedBytes,
        }),
      (err: unknown) =>
        active.emit({
          type: 'error',
          code: err instanceof DownloadError ? err.code : 'internal_error',
          message: err instanceof Error ? err.message : String(err),
        }),
    );
    return active;
  }

  /** Cancels the running download of `id`; the bytes so far stay for a resume. False when none runs. */
  cancel(id: string): boolean {
    if (!this.isDownloading() || this.current!.id !== id) return false;
    this.current!.controller.abort();
    return true;
  }

  /**
   * Deletes an installed catalog model and any partial download of it.
   * @throws StoreError 404 `unknown_model`, 409 `download_running` while it downloads, 409 `model_active` when the
   *   engine uses it.
   */
  async remove(id: string): Promise<{ dir: string; removed: boolean }> {
    const entry = this.known(id);
    if (this.isDownloading() && this.current!.id === id) {
      throw new StoreError(409, 'download_running', `${id} is being downloaded; cancel the download first.`);
    }
    const dir = this.installDir(entry);
    if (this.activeDir === dir) {
      throw new StoreError(
        409,
        'model_active',
        `${id} is the engine's model; stop the engine before removing it.`,
      );
    }
    const paths = downloadPaths(this.modelsDir, id);
    const removed = (await exists(dir)) || (await exists(paths.staging));
    for (const p of [dir, paths.staging, paths.manifest]) await fs.rm(p, { recursive: true, force: true });
    return { dir, removed };
  }

  /**
   * Re-hashes an installed model's files against the sizes and checksums recorded when it was installed (or, for a
   * folder without that record, the hub's), and checks that the loader accepts the folder.
   * @throws StoreError 404 `unknown_model`, 404 `not_installed`; DownloadError when the hub must be asked and fails.
   */
  async verify(id: string, onFile?: (file: string) => void, signal?: AbortSignal): Promise<VerifyResult> {
    const entry = this.known(id);
    const dir = this.installDir(entry);
    if (!(await exists(dir)))
      throw new StoreError(404, 'not_installed', `${id} is not installed (no ${dir}).`);
    let records: FileRecord[];
    let source: VerifyResult['source'];
    try {
      records = (
        JSON.parse(await fs.readFile(path.join(dir, INSTALL_RECORD), 'utf8')) as { files: FileRecord[] }
      ).files;
      source = 'install-record';
    } catch {
      records = await fetchFileRecords(entry, this.hub(), signal);
      source = 'hub';
    }
    const problems: string[] = [];
    for (const record of records) {
      onFile?.(record.file);
      const file = path.join(dir, ...record.file.split('/'));
      let size: number;
      try {
        size = (await fs.stat(file)).size;
      } catch {
        problems.push(`${record.file} is missing.`);
        continue;
      }
      if (size !== record.size) {
        problems.push(`${record.file} has ${size} bytes; ${record.size} expected.`);
        continue;
      }
      const hash = newFileHash(record);
      for await (const chunk of createReadStream(file, { signal }) as AsyncIterable<Buffer>)
        hash.update(chunk);
      const problem = checksumProblem(record, hash.digest('hex'));
      if (problem) problems.push(`${problem}.`);
    }
    const loadable = await inspect(dir, this.device);
    if (!('layout' in loadable)) problems.push(loadable.error.message);
    return { id, dir, ok: problems.length === 0, source, files: records.length, problems };
  }

  /** Stops a running download (its bytes stay for a resume) and waits for it to wind down. */
  async close(): Promise<void> {
    if (this.isDownloading()) {
      this.current!.controller.abort();
      await this.current!.finished;
    }
  }
}

/**
 * The summarizer as the health route should report it: `downloading` instead of `missing` while a download runs,
 * everything else (the backends it lists, the health of each) unchanged.
 */
export function withDownloadState(
  summarizer: Summarizer,
  store: Pick<ModelStore, 'isDownloading'>,
): Summarizer {
  const backends = summarizer.backends?.bind(summarizer);
  return {
    health(backend?: string): ModelHealth {
      const h = summarizer.health(backend);
      return h.state === 'missing' && store.isDownloading() ? { ...h, state: 'downloading' } : h;
    },
    ...(backends ? { backends } : {}),
    stream: (request, signal) => summarizer.stream(request, signal),
    close: () => summarizer.close(),
  };
}
