/**
 * The one owner of a summary run: its state machine (`idle → loading → streaming → done | error | cancelled`),
 * its `AbortController`, its progress, and the batching that keeps rendering ahead of the stream.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  Coverage,
  Paragraph,
  SectionEvent,
  StartEvent,
  SummarizeBody,
  SummaryLength,
  SummaryPoint,
  Usage,
} from '../../localhost-engine/api/schemas';
import { EngineError, isEngineError, summarize as defaultSummarize, type FetchLike } from '../engine-client';
import { scheduleFrame, type CancelFrame } from '../frame-scheduler';
import { estimateProgress, EXPECTED_TOKENS_PER_PART } from '../run-progress';

export type RunStatus = 'idle' | 'loading' | 'streaming' | 'done' | 'error' | 'cancelled';

/** The finished summary, as the `done` event gave it, with the sections collected on the way. */
export interface RunResult {
  summary: string;
  sections: SectionEvent[];
  usage: Usage;
  /** Paragraphs that were sent, so per-section fallbacks can cover them all. */
  paragraphCount: number;
  /** The points and the paragraphs they cite (absent from an engine without citations). */
  points?: SummaryPoint[];
  coverage?: Coverage;
  /** The paragraphs sent, which `points[].sources` index. */
  paragraphs: Paragraph[];
  /** Where each sent paragraph is among those `readDocument` reads; null where unknown (a selection). */
  locations: Array<number | null>;
  /** The ¶ number each sent paragraph is shown with, in the pane and in the document (see {@link RunRequest}). */
  numbers: number[];
}

/** Progress as shown in the pane; every field is optional until the engine or the deltas reveal it. */
export interface RunProgressView {
  stage?: 'load' | 'map' | 'reduce';
  part?: number;
  of?: number;
  outputTokens: number;
  tokensPerSecond?: number;
  secondsLeft?: number;
}

/** Everything a component needs to render a run. */
export interface SummaryRunState {
  status: RunStatus;
  /** The final summary as written so far (deltas without `part`). */
  text: string;
  /** The text of the part being summarized now (deltas with `part`), for long documents' map pass. */
  partText: string;
  /** The part `partText` belongs to (progress may already name the next one, whose text has not come yet). */
  partTextPart?: number;
  plan?: StartEvent['plan'];
  model?: string;
  device?: StartEvent['device'];
  progress: RunProgressView;
  sections: SectionEvent[];
  result?: RunResult;
  /** Why the run failed (an {@link EngineError} or an error from the Word layer); set only in `error`. */
  error?: unknown;
}

/** What {@link SummaryRunControls.start} needs: a way to build the request (reads Word) and the chosen length. */
export interface RunRequest {
  /** Builds the request body; its errors (e.g. an empty document) end the run in `error`. */
  prepare: (signal: AbortSignal) => Promise<SummarizeBody>;
  length?: SummaryLength;
  /**
   * Where the sent paragraphs are in the document as `readDocument` reads it: `'same'` (the whole document was
   * sent), an index per paragraph (null where unknown), or absent when unknown (a selection).
   */
  locations?: 'same' | Array<number | null>;
  /**
   * The ¶ number to show for each sent paragraph. Absent: its place among those `readDocument` reads where known,
   * else its place among those sent (a selection's paragraphs count within the selection).
   */
  numbers?: number[];
}

/** The hook's return value: the state plus the run's controls. */
export interface SummaryRunControls extends SummaryRunState {
  /**
   * Starts a run, stopping any run in progress. Resolves with the result after `done`, or with null when the run
   * ended in `error` or `cancelled` (the state says which). Never rejects.
   */
  start(request: RunRequest): Promise<RunResult | null>;
  /** Stops the run in progress: aborts the request, which closes the connection and cancels the engine's work. */
  stop(): void;
  /** Back to `idle` (stopping a run in progress). */
  reset(): void;
}

/** Options of {@link useSummaryRun}; all for tests. */
export interface UseSummaryRunOptions {
  fetch?: FetchLike;
  summarize?: typeof defaultSummarize;
  now?: () => number;
}

const IDLE: SummaryRunState = {
  status: 'idle',
  text: '',
  partText: '',
  progress: { outputTokens: 0 },
  sections: [],
};

/** Mutable per-run bookkeeping, kept out of React state so that a delta costs a string append, not a render. */
interface RunBook {
  id: number;
  controller: AbortController;
  text: string;
  partText: string;
  part?: number;
  outputTokens: number;
  firstDeltaAt?: number;
  tokensAtPartStart: number;
  tokensInDoneParts: number;
  partsDone: number;
  parts: number;
  expectedTokensPerPart: number;
  sections: SectionEvent[];
  dirty: boolean;
  cancelFrame?: CancelFrame;
}

/**
 * Runs summaries against the engine and exposes their state.
 *
 * Rendering never falls behind the stream: deltas are appended to a buffer and copied into React state at most
 * once per animation frame (with a timer fallback), however fast they arrive. Stale runs (a run superseded by
 * `start`, `reset` or unmount) never touch state.
 */
export function useSummaryRun(options: UseSummaryRunOptions = {}): SummaryRunControls {
  const [state, setState] = useState<SummaryRunState>(IDLE);
  const bookRef = useRef<RunBook | null>(null);
  const nextId = useRef(0);
  const optionsRef = useRef(options);
  optionsRef.current = options;

  const now = useCallback(() => (optionsRef.current.now ?? defaultNow)(), []);

  /** Copies the buffered text and progress into state: the one render per frame. */
  const flush = useCallback(
    (book: RunBook) => {
      book.cancelFrame?.();
      book.cancelFrame = undefined;
      if (!book.dirty || bookRef.current !== book) return;
      book.dirty = false;
      const estimate = estimateProgress({
        outputTokens: book.outputTokens,
        streamingMs: book.firstDeltaAt === undefined ? 0 : now() - book.firstDeltaAt,
        parts: book.parts,
        partsDone: book.partsDone,
        tokensInDoneParts: book.tokensInDoneParts,
        expectedTokensPerPart: book.expectedTokensPerPart,
      });
      setState((s) => ({
        ...s,
        status: s.status === 'loading' ? 'streaming' : s.status,
        text: book.text,
        partText: book.partText,
        partTextPart: book.part,
        progress: { ...s.progress, outputTokens: book.outputTokens, ...estimate },
      }));
    },
    [now],
  );

  const stop = useCallback(() => {
    bookRef.current?.controller.abort();
  }, []);

  const reset = useCallback(() => {
    const book = bookRef.current;
    bookRef.current = null;
    book?.cancelFrame?.();
    book?.controller.abort();
    setState(IDLE);
  }, []);

  useEffect(
    () => () => {
      // Unmounting mid-run: close the connection so the engine stops, and drop the pending frame.
      const book = bookRef.current;
      bookRef.current = null;
      book?.cancelFrame?.();
      book?.controller.abort();
    },
    [],
  );

  const start = useCallback(
    async (request: RunRequest): Promise<RunResult | null> => {
      const previous = bookRef.current;
      previous?.cancelFrame?.();
      previous?.controller.abort();
      const book: RunBook = {
        id: ++nextId.current,
        controller: new AbortController(),
        text: '',
        partText: '',
        outputTokens: 0,
        tokensAtPartStart: 0,
        tokensInDoneParts: 0,
        partsDone: 0,
        parts: 1,
        expectedTokensPerPart: EXPECTED_TOKENS_PER_PART[request.length ?? 'medium'],
        sections: [],
        dirty: false,
      };
      bookRef.current = book;
      const current = (): boolean => bookRef.current === book;
      const update = (f: (s: SummaryRunState) => SummaryRunState): void => {
        if (current()) setState(f);
      };
      setState({ ...IDLE, status: 'loading' });

      const { signal } = book.controller;
      let paragraphs: Paragraph[] = [];
      try {
        const body = await request.prepare(signal);
        if (signal.aborted) throw new EngineError('aborted', 'The request was stopped.');
        paragraphs = 'document' in body ? body.document.paragraphs : [];
        const locations = locate(paragraphs.length, request.locations);
        const numbers = locations.map((at, i) => request.numbers?.[i] ?? (at ?? i) + 1);
        const summarize = optionsRef.current.summarize ?? defaultSummarize;
        for await (const event of summarize(body, { signal, fetch: optionsRef.current.fetch })) {
          if (!current()) return null;
          switch (event.type) {
            case 'start':
              book.parts = Math.max(1, event.plan.parts);
              update((s) => ({
                ...s,
                plan: event.plan,
                model: event.model,
                device: event.device,
                progress: { ...s.progress, of: event.plan.parts },
              }));
              break;
            case 'progress':
              update((s) => ({
                ...s,
                progress: { ...s.progress, stage: event.stage, part: event.part, of: event.of },
              }));
              break;
            case 'delta':
              if (book.firstDeltaAt === undefined) book.firstDeltaAt = now();
              book.outputTokens += 1;
              if (event.part === undefined) {
                book.text += event.text;
              } else {
                if (event.part !== book.part) {
                  book.part = event.part;
                  book.partText = '';
                }
                book.partText += event.text;
              }
              book.dirty = true;
              book.cancelFrame ??= scheduleFrame(() => flush(book));
              break;
            case 'section':
              book.partsDone += 1;
              book.tokensInDoneParts += book.outputTokens - book.tokensAtPartStart;
              book.tokensAtPartStart = book.outputTokens;
              book.sections = [...book.sections, event];
              update((s) => ({ ...s, sections: book.sections }));
              break;
            case 'done': {
              book.dirty = true;
              flush(book);
              const result: RunResult = {
                summary: event.summary,
                sections: book.sections,
                usage: event.usage,
                paragraphCount: paragraphs.length,
                points: event.points,
                coverage: event.coverage,
                paragraphs,
                locations,
                numbers,
              };
              update((s) => ({
                ...s,
                status: 'done',
                text: event.summary,
                result,
                progress: {
                  ...s.progress,
                  outputTokens: event.usage.outputTokens,
                  tokensPerSecond: event.usage.decodeTokensPerSecond,
                  secondsLeft: 0,
                },
              }));
              return current() ? result : null;
            }
          }
        }
        // summarize() ends only after done (or throws), so this is unreachable short of a contract change.
        throw new EngineError('incomplete_stream', 'The engine stopped before the summary was finished.');
      } catch (error) {
        if (!current()) return null;
        book.dirty = true;
        flush(book);
        const cancelled = signal.aborted || (isEngineError(error) && error.code === 'aborted');
        update((s) => (cancelled ? { ...s, status: 'cancelled' } : { ...s, status: 'error', error }));
        return null;
      } finally {
        book.cancelFrame?.();
        book.cancelFrame = undefined;
      }
    },
    [flush, now],
  );

  return { ...state, start, stop, reset };
}

function locate(count: number, locations: RunRequest['locations']): Array<number | null> {
  if (locations === 'same') return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => locations?.[i] ?? null);
}

function defaultNow(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}
