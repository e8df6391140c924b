/**
 * The one owner of the pane's model download: its state machine
 * (`idle → starting → downloading → done | error | idle (cancelled)`), its `AbortController`, and the throttling
 * that keeps a fast stream of progress events from re-rendering the pane more than ten times a second.
 *
 * The download itself lives in the engine: closing our connection (unmount, Cancel's abort) never stops it, only
 * `DELETE` does. So a pane that opens while a download runs (health `downloading`) joins it by POSTing again, and
 * Retry after an error POSTs again too (the engine resumes from the bytes already on disk).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ModelInfo, ModelState, ModelsResponse } from '../../localhost-engine/api/schemas';
import {
  cancelModelDownload as defaultCancelModelDownload,
  downloadModel as defaultDownloadModel,
  isEngineError,
  listModels as defaultListModels,
  type FetchLike,
} from '../engine-client';

export type ModelDownloadStatus = 'idle' | 'starting' | 'downloading' | 'cancelling' | 'done' | 'error';

/** The catalog model the pane offers (the engine's default for its device) or is downloading. */
export interface DownloadModelView {
  id: string;
  name: string;
  /** Approximate size from the catalog, for the button; the exact total comes with the download's `start`. */
  approxBytes: number;
  /** The engine's model folder will be this one. */
  dir: string;
  /** Bytes of an interrupted download are on disk: downloading resumes. */
  partial: boolean;
}

/** Where the download stands, as the engine last said. */
export interface DownloadProgressView {
  stage: 'download' | 'verify' | 'install';
  file: string | null;
  receivedBytes: number;
  totalBytes: number;
  /** 0 until the engine has measured a rate. */
  bytesPerSecond: number;
  etaSeconds: number | null;
}

/** Everything a component needs to render the download. */
export interface ModelDownloadState {
  status: ModelDownloadStatus;
  model?: DownloadModelView;
  progress?: DownloadProgressView;
  /** Bytes that were already on disk when this download started (a resume), when there were any. */
  resumedBytes?: number;
  /** True when the pane joined a download that was already running (opened mid-download, or Retry). */
  joined: boolean;
  /** Why it failed (an `EngineError` with the engine's code and message); set only in `error`. */
  error?: unknown;
  /** Why Cancel did not work, when it did not (the download goes on). */
  cancelError?: unknown;
  /** Why the catalog could not be read to label the button (the button still works: it asks again). */
  catalogError?: unknown;
  /**
   * This pane cancelled the download: health may say `downloading` for one more poll, and the card should offer
   * the button meanwhile. Cleared once health says anything else.
   */
  cancelled: boolean;
}

/** The hook's return value: the state plus its controls. */
export interface ModelDownloadControls extends ModelDownloadState {
  /** Downloads the default model (or joins the download already running). Never rejects. */
  start(): Promise<void>;
  /** Cancels the download in the engine (`DELETE`); the bytes so far stay for a resume. Never rejects. */
  cancel(): Promise<void>;
  /** After an error: downloads again, resuming (or rejoining a download that is still running). */
  retry(): Promise<void>;
  /** Forgets an error and goes back to the Download button. */
  dismiss(): void;
}

/** Options of {@link useModelDownload}. */
export interface UseModelDownloadOptions {
  /**
   * The model state health reports (undefined while the engine is not connected). `missing` loads the catalog to
   * label the button; `downloading` while this pane is not downloading joins the running download.
   */
  modelState?: ModelState;
  /**
   * Asks health again now: after `done` (the engine then loads the model: loading → ready), after a cancel, and
   * when a download health reported has ended; so the card never waits for the next poll to catch up.
   */
  refreshHealth?: () => void;
  fetch?: FetchLike;
  /** The least time between two progress renders; faster events are coalesced (default 100 ms). */
  throttleMs?: number;
  listModels?: typeof defaultListModels;
  downloadModel?: typeof defaultDownloadModel;
  cancelModelDownload?: typeof defaultCancelModelDownload;
  now?: () => number;
}

export const DEFAULT_PROGRESS_THROTTLE_MS = 100;

const IDLE: ModelDownloadState = { status: 'idle', joined: false, cancelled: false };

/** Mutable per-download bookkeeping, kept out of React state so a progress event costs no render by itself. */
interface DownloadBook {
  controller: AbortController;
  id?: string;
  /** Progress received but not rendered yet. */
  pending?: DownloadProgressView;
  lastRenderAt: number;
  timer?: ReturnType<typeof setTimeout>;
  /** Cancel's DELETE succeeded: whatever the stream says next is of no interest. */
  cancelled: boolean;
}

/** The entry to offer: the engine's default for its device. */
export function defaultModelOf(list: ModelsResponse): ModelInfo | undefined {
  return list.models.find((m) => m.id === list.defaultId) ?? list.models.find((m) => m.default);
}

function toView(entry: ModelInfo): DownloadModelView {
  return {
    id: entry.id,
    name: entry.name,
    approxBytes: entry.approxBytes,
    dir: entry.dir,
    partial: entry.state === 'partial',
  };
}

/**
 * Downloads the engine's model from the pane, with progress, cancel, retry (resume) and rejoin.
 *
 * Stale downloads (superseded by a new start, cancelled, or unmounted) never touch state. Unmounting closes the
 * connection only; the engine's download goes on, and the next pane rejoins it.
 */
export function useModelDownload(options: UseModelDownloadOptions = {}): ModelDownloadControls {
  const [state, setState] = useState<ModelDownloadState>(IDLE);
  const stateRef = useRef(state);
  stateRef.current = state;
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const bookRef = useRef<DownloadBook | null>(null);
  /**
   * Whether health's `downloading` may make this pane join. Disarmed once used, and by anything the user does
   * (start, cancel, an error), until health reports another state: health lags a cancelled or failed download by
   * a poll, and POSTing then would start a new download instead of joining one.
   */
  const joinArmed = useRef(true);

  const now = useCallback(() => (optionsRef.current.now ?? defaultNow)(), []);

  const dropBook = useCallback((book: DownloadBook | null) => {
    if (!book) return;
    clearTimeout(book.timer);
    book.timer = undefined;
    book.controller.abort();
  }, []);

  /** Renders the pending progress now. */
  const flush = useCallback(
    (book: DownloadBook) => {
      clearTimeout(book.timer);
      book.timer = undefined;
      const progress = book.pending;
      if (!progress || bookRef.current !== book) return;
      book.pending = undefined;
      book.lastRenderAt = now();
      setState((s) => ({
        ...s,
        status: s.status === 'starting' ? 'downloading' : s.status,
        progress,
      }));
    },
    [now],
  );

  /** Queues a progress event: rendered at once when the last render is old enough, else at the throttle's end. */
  const queueProgress = useCallback(
    (book: DownloadBook, progress: DownloadProgressView) => {
      const stageChanged = book.pending
        ? book.pending.stage !== progress.stage
        : stateRef.current.progress?.stage !== progress.stage;
      book.pending = progress;
      const throttle = optionsRef.current.throttleMs ?? DEFAULT_PROGRESS_THROTTLE_MS;
      const wait = book.lastRenderAt + throttle - now();
      if (wait <= 0 || stageChanged) flush(book);
      else book.timer ??= setTimeout(() => flush(book), wait);
    },
    [flush, now],
  );

  const run = useCallback(
    async (mode: 'start' | 'join'): Promise<void> => {
      dropBook(bookRef.current);
      const book: DownloadBook = {
        controller: new AbortController(),
        lastRenderAt: Number.NEGATIVE_INFINITY,
        cancelled: false,
      };
      bookRef.current = book;
      const current = (): boolean => bookRef.current === book && !book.cancelled;
      const update = (f: (s: ModelDownloadState) => ModelDownloadState): void => {
        if (current()) setState(f);
      };
      const { signal } = book.controller;
      const { fetch } = optionsRef.current;
      setState((s) => ({
        ...IDLE,
        status: 'starting',
        model: s.model,
        joined: mode === 'join',
      }));

      try {
        // Always ask which download runs: joining it beats a 409 for starting a second one.
        const list = await (optionsRef.current.listModels ?? defaultListModels)({ fetch, signal });
        if (!current()) return;
        const running = list.download ? list.models.find((m) => m.id === list.download!.model) : undefined;
        const entry = running ?? defaultModelOf(list);
        if (mode === 'join' && !list.download) {
          // Health said `downloading`, but it has ended meanwhile: health will say what came of it.
          update((s) => ({ ...IDLE, model: entry ? toView(entry) : s.model }));
          bookRef.current = null;
          optionsRef.current.refreshHealth?.();
          return;
        }
        if (!entry) throw new Error('The engine has no model in its catalog for this device.');
        book.id = entry.id;
        const download = list.download;
        update((s) => ({
          ...s,
          model: toView(entry),
          joined: s.joined || download !== null,
          progress: download
            ? {
                stage: 'download',
                file: null,
                receivedBytes: download.receivedBytes,
                totalBytes: download.totalBytes,
                bytesPerSecond: download.bytesPerSecond,
                etaSeconds: download.etaSeconds,
              }
            : undefined,
        }));

        const events = (optionsRef.current.downloadModel ?? defaultDownloadModel)(entry.id, {
          fetch,
          signal,
        });
        for await (const event of events) {
          if (!current()) return;
          switch (event.type) {
            case 'start':
              update((s) => ({
                ...s,
                status: 'downloading',
                resumedBytes: event.receivedBytes > 0 && !s.joined ? event.receivedBytes : undefined,
                progress: s.progress ?? {
                  stage: 'download',
                  file: null,
                  receivedBytes: event.receivedBytes,
                  totalBytes: event.totalBytes,
                  bytesPerSecond: 0,
                  etaSeconds: null,
                },
              }));
              break;
            case 'progress':
              queueProgress(book, {
                stage: event.stage,
                file: event.file,
                receivedBytes: event.receivedBytes,
                totalBytes: event.totalBytes,
                bytesPerSecond: event.bytesPerSecond,
                etaSeconds: event.etaSeconds,
              });
              break;
            case 'done':
              flush(book);
              update((s) => ({
                ...s,
                status: 'done',
                progress: {
                  stage: 'install',
                  file: null,
                  receivedBytes: event.totalBytes,
                  totalBytes: event.totalBytes,
                  bytesPerSecond: s.progress?.bytesPerSecond ?? 0,
                  etaSeconds: 0,
                },
              }));
              bookRef.current = null;
              optionsRef.current.refreshHealth?.();
              return;
          }
        }
      } catch (error) {
        if (!current()) return;
        flush(book);
        bookRef.current = null;
        const code = isEngineError(error) ? error.code : undefined;
        if (code === 'aborted' && signal.aborted) return;
        if (code === 'already_installed') {
          // Installed meanwhile (another pane, the CLI): nothing to download, health will say it is there.
          setState((s) => ({ ...IDLE, model: s.model, status: 'done' }));
          optionsRef.current.refreshHealth?.();
          return;
        }
        if (code === 'cancelled') {
          // Cancelled elsewhere (another pane, or our DELETE racing the stream): back to the button.
          setState((s) => ({ ...IDLE, model: s.model }));
          return;
        }
        setState((s) => ({ ...s, status: 'error', error, cancelError: undefined }));
      } finally {
        clearTimeout(book.timer);
        book.timer = undefined;
      }
    },
    [dropBook, flush, queueProgress],
  );

  const start = useCallback(async () => {
    joinArmed.current = false;
    await run('start');
  }, [run]);

  const cancel = useCallback(async () => {
    const book = bookRef.current;
    if (!book) return;
    joinArmed.current = false;
    const id = book.id;
    if (id === undefined) {
      // Still asking which model: nothing was started in the engine yet.
      bookRef.current = null;
      dropBook(book);
      setState((s) => ({ ...IDLE, model: s.model }));
      return;
    }
    setState((s) => ({ ...s, status: 'cancelling', cancelError: undefined }));
    try {
      await (optionsRef.current.cancelModelDownload ?? defaultCancelModelDownload)(id, {
        fetch: optionsRef.current.fetch,
      });
      if (bookRef.current !== book) return;
      // Cancelled in the engine: stop reading (the stream's own `cancelled` error is not news) and offer the
      // button again; the bytes so far stay on disk for the next download.
      book.cancelled = true;
      bookRef.current = null;
      dropBook(book);
      setState((s) => ({
        ...IDLE,
        cancelled: true,
        model: s.model ? { ...s.model, partial: true } : undefined,
      }));
      optionsRef.current.refreshHealth?.();
    } catch (cancelError) {
      if (bookRef.current !== book) return;
      // `not_downloading`: it has just ended, and the stream will say how. Anything else: it goes on.
      const code = isEngineError(cancelError) ? cancelError.code : undefined;
      setState((s) => ({
        ...s,
        status: s.status === 'cancelling' ? 'downloading' : s.status,
        cancelError: code === 'not_downloading' ? undefined : cancelError,
      }));
    }
  }, [dropBook]);

  const dismiss = useCallback(() => {
    if (stateRef.current.status !== 'error') return;
    setState((s) => ({ ...IDLE, model: s.model }));
  }, []);

  const { modelState } = options;
  const { status } = state;

  // Health says a download runs and this pane is not following it: join it (once per `downloading` spell).
  // Only a change of health's state counts: a `missing` that was already there before a cancel says nothing
  // about the cancel, and a stale `downloading` may still follow it.
  const lastModelState = useRef<ModelState | undefined>(undefined);
  useEffect(() => {
    const changed = lastModelState.current !== modelState;
    lastModelState.current = modelState;
    if (modelState !== 'downloading') {
      if (changed) {
        joinArmed.current = true;
        if (modelState !== undefined) setState((s) => (s.cancelled ? { ...s, cancelled: false } : s));
      }
      return;
    }
    if (status === 'idle' && joinArmed.current) {
      joinArmed.current = false;
      void run('join');
    }
  }, [modelState, status, run]);

  // After `done`, once health has moved on (loading, ready), the card shows health again; start afresh.
  useEffect(() => {
    if (
      status === 'done' &&
      modelState !== undefined &&
      modelState !== 'missing' &&
      modelState !== 'downloading'
    ) {
      setState((s) => ({ ...IDLE, model: s.model }));
    }
  }, [status, modelState]);

  // Label the button: which model, how big, whether a download can resume. Asked each time health says
  // `missing` (Download asks again anyway, so a failure here only costs the label).
  useEffect(() => {
    if (modelState !== 'missing') return;
    const controller = new AbortController();
    const { fetch } = optionsRef.current;
    (optionsRef.current.listModels ?? defaultListModels)({ fetch, signal: controller.signal }).then(
      (list) => {
        if (controller.signal.aborted) return;
        const entry = defaultModelOf(list);
        setState((s) =>
          s.status === 'idle' && entry ? { ...s, model: toView(entry), catalogError: undefined } : s,
        );
      },
      (catalogError: unknown) => {
        if (controller.signal.aborted) return;
        setState((s) => ({ ...s, catalogError }));
      },
    );
    return () => controller.abort();
  }, [modelState]);

  // Unmounting closes the connection; the engine's download goes on.
  useEffect(
    () => () => {
      const book = bookRef.current;
      bookRef.current = null;
      dropBook(book);
    },
    [dropBook],
  );

  return { ...state, start, cancel, retry: start, dismiss };
}

function defaultNow(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
