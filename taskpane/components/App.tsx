/**
 * The task pane: engine status, options, Summarize/Stop, the streaming summary with progress, and what to do
 * with the result. Word is reached only through the {@link WordPort} it is given.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  Divider,
  FluentProvider,
  Text,
  makeStyles,
  tokens,
  webLightTheme,
  type Theme,
} from '@fluentui/react-components';
import type { FetchLike } from '../engine-client';
import { isEngineError } from '../engine-client';
import { insertResult } from '../insert-result';
import { isCommentOutput, reconcileOutput, requestOptions, type Settings } from '../settings';
import { useCitationActions } from '../hooks/useCitationActions';
import { useEngineHealth, type HealthIntervals } from '../hooks/useEngineHealth';
import { useErrorReporter } from '../hooks/useErrorReporter';
import { useSelectionRequests } from '../hooks/useSelectionRequests';
import { useModelDownload } from '../hooks/useModelDownload';
import { useSettings } from '../hooks/useSettings';
import { useSummaryRun, type RunResult } from '../hooks/useSummaryRun';
import type { WordPort } from '../word-port';
import { BackendChoice, chosenBackend } from './BackendChoice';
import { CommentsFallback } from './CommentsFallback';
import { CoverageLine } from './CoverageLine';
import { EngineStatus } from './EngineStatus';
import { ErrorBoundary } from './ErrorBoundary';
import { OptionsForm } from './OptionsForm';
import { ResultActions } from './ResultActions';
import { RunControls } from './RunControls';
import { RunProgress, formatSeconds } from './RunProgress';
import { SummaryView } from './SummaryView';

const useStyles = makeStyles({
  pane: {
    display: 'flex',
    flexDirection: 'column',
    rowGap: tokens.spacingVerticalM,
    padding: tokens.spacingHorizontalM,
    minHeight: '100vh',
    boxSizing: 'border-box',
    backgroundColor: tokens.colorNeutralBackground1,
    color: tokens.colorNeutralForeground1,
  },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** Props of {@link App}. */
export interface AppProps {
  /** Word, or a fake of it. */
  port: WordPort;
  theme?: Theme;
  /** Replaces `fetch` for every engine call (tests). */
  fetch?: FetchLike;
  /** The page's query string (default `location.search`); `?scope=selection` starts with the selection scope. */
  search?: string;
  healthIntervals?: Partial<HealthIntervals>;
}

/** The whole pane under a FluentProvider and the one error boundary. */
export function App({ theme = webLightTheme, ...props }: AppProps) {
  return (
    <FluentProvider theme={theme}>
      <ErrorBoundary>
        <Pane {...props} />
      </ErrorBoundary>
    </FluentProvider>
  );
}

function Pane({ port, fetch, search, healthIntervals }: Omit<AppProps, 'theme'>) {
  const styles = useStyles();
  const { settings, update, override } = useSettings(search);
  const engine = useEngineHealth({ fetch, intervals: healthIntervals });
  const run = useSummaryRun({ fetch });
  // The model download: offered when health says `missing`, rejoined when it says `downloading`; its `done`
  // refreshes health at once, so the card goes on to loading → ready without waiting for the next poll.
  const download = useModelDownload({
    fetch,
    modelState: engine.connection === 'connected' ? engine.health?.model.state : undefined,
    refreshHealth: engine.refresh,
  });
  const reporter = useErrorReporter();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const supportsComments = useMemo(() => port.supportsComments(), [port]);
  const running = run.status === 'loading' || run.status === 'streaming';
  const backends = engine.health?.backends;
  const backend = chosenBackend(backends, settings.backend);
  // Read when Summarize is clicked: the local model needs no name; an upstream is named in the request.
  const backendRef = useRef(backend);
  backendRef.current = backend;

  // Run errors (Word's and the engine's) go to the one boundary; an engine error also prompts a health check, so
  // the status card catches up at once when the engine went away.
  const { status, error } = run;
  const { refresh } = engine;
  useEffect(() => {
    if (status !== 'error') return;
    reporter.report(error);
    if (isEngineError(error)) refresh();
  }, [status, error, reporter, refresh]);

  // A run can load the model and finish between two health polls: check again when it ends, so the status card
  // never shows "Loading…" beside a finished summary.
  useEffect(() => {
    if (status === 'done' || status === 'cancelled') refresh();
  }, [status, refresh]);

  // Esc stops, wherever the focus is in the pane.
  const { stop } = run;
  useEffect(() => {
    if (!running) return;
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') {
        e.preventDefault();
        stop();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [running, stop]);

  const insert = useCallback(
    async (result: RunResult, chosen: Settings) => {
      setBusy(true);
      try {
        const outcome = await insertResult(port, chosen.output, result, chosen.style);
        setNotice(outcome.notice);
      } catch (e) {
        reporter.report(e);
      } finally {
        setBusy(false);
      }
    },
    [port, reporter],
  );

  // Read through a ref so a Summarize click always uses the settings on screen at that moment.
  const settingsRef = useRef(settings);
  settingsRef.current = settings;
  const { start } = run;
  const summarizeNow = useCallback(
    async (patch?: Partial<Settings>) => {
      const chosen = patch ? reconcileOutput({ ...settingsRef.current, ...patch }) : settingsRef.current;
      reporter.clear();
      setNotice(undefined);
      const result = await start({
        length: chosen.length,
        locations: chosen.scope === 'selection' ? undefined : 'same',
        prepare: async () => {
          const read = chosen.scope === 'selection' ? await port.readSelection() : await port.readDocument();
          return {
            document: { paragraphs: read.paragraphs },
            options: requestOptions(chosen, backendRef.current),
          };
        },
      });
      // "The result is inserted as chosen (or on Insert)."
      if (result && chosen.output !== 'none') await insert(result, chosen);
    },
    [port, reporter, start, insert],
  );

  const citations = useCitationActions({
    port,
    run,
    reporter,
    settings: settingsRef,
    backend: backendRef,
    setNotice,
  });

  const copy = useCallback(async () => {
    try {
      await copyText(run.result?.summary ?? run.text);
      setNotice('Copied to the clipboard.');
    } catch (e) {
      reporter.report(e);
    }
  }, [run.result, run.text, reporter]);

  const remove = useCallback(async () => {
    setBusy(true);
    try {
      const { removed } = await port.removeSummary();
      setNotice(
        removed === 0
          ? 'There was no LocalScribe summary to remove.'
          : `Removed ${removed} ${removed === 1 ? 'item' : 'items'}.`,
      );
    } catch (e) {
      reporter.report(e);
    } finally {
      setBusy(false);
    }
  }, [port, reporter]);

  const modelDownloading =
    download.status === 'starting' ||
    download.status === 'downloading' ||
    download.status === 'cancelling' ||
    (engine.health?.model.state === 'downloading' && !download.cancelled);
  // An upstream writes the summary without the local model.
  const needsLocalModel = backend?.kind !== 'upstream';
  const blockedReason =
    engine.connection === 'down'
      ? 'Start the engine first.'
      : engine.connection === 'mismatch'
        ? 'Reload the add-in or update LocalScribe first.'
        : needsLocalModel && modelDownloading
          ? 'The model is downloading; Summarize works once it is installed.'
          : needsLocalModel &&
              (engine.health?.model.state === 'missing' || engine.health?.model.state === 'downloading')
            ? 'Install a model first.'
            : undefined;
  const commentsBlocked = isCommentOutput(settings.output) && !supportsComments;

  // "Summarize selection" from the context menu: switch to the selection and start, unless Summarize itself could
  // not be clicked now. Like the button, it never stops a running summary (Stop does) nor gets past a block: it is
  // dropped with the reason shown, and choosing the command again retries.
  const selectionPending = useRef(false);
  const selectionRequest = (): void => {
    if (engine.connection === 'checking') {
      // One made as the pane opens waits for the first health answer (the engine may be down, or another version).
      selectionPending.current = true;
      return;
    }
    if (running) {
      setNotice(RUNNING_NOTICE);
      return;
    }
    override({ scope: 'selection' });
    if (blockedReason !== undefined) {
      setNotice(`"Summarize selection" did not start. ${blockedReason}`);
      return;
    }
    void summarizeNow({ scope: 'selection' });
  };
  useSelectionRequests(selectionRequest);
  const selectionRequestRef = useRef(selectionRequest);
  selectionRequestRef.current = selectionRequest;
  useEffect(() => {
    if (engine.connection === 'checking' || !selectionPending.current) return;
    selectionPending.current = false;
    selectionRequestRef.current();
  }, [engine.connection]);

  return (
    <main className={styles.pane} aria-label="LocalScribe">
      <EngineStatus engine={engine} download={download} />
      {backends && (
        <BackendChoice
          backends={backends}
          value={backend?.id ?? settings.backend}
          onChange={(id) => update({ backend: id })}
          disabled={running}
        />
      )}
      <OptionsForm
        settings={settings}
        onChange={update}
        disabled={running}
        supportsComments={supportsComments}
      />
      {commentsBlocked && <CommentsFallback onUseSection={() => update({ output: 'section-top' })} />}
      <RunControls
        status={run.status}
        onSummarize={() => void summarizeNow()}
        onStop={run.stop}
        blockedReason={blockedReason}
      />
      <RunProgress status={run.status} progress={run.progress} plan={run.plan} device={run.device} />
      <SummaryView
        status={run.status}
        text={run.text}
        partText={run.partText}
        partTextPart={run.partTextPart}
        result={run.result}
        onSelectSource={(paragraph) => void citations.selectSource(paragraph)}
      />
      {run.status === 'done' && run.result?.coverage && (
        <CoverageLine
          coverage={run.result.coverage}
          numbers={run.result.numbers}
          onSummarizeUncovered={() => void citations.summarizeUncovered()}
          disabled={busy || running || blockedReason !== undefined}
        />
      )}
      {run.status === 'cancelled' && <Text role="status">Stopped. Nothing was inserted.</Text>}
      {run.status === 'done' && run.result && (
        <Text size={200} className={styles.muted}>
          {run.result.usage.outputTokens} tokens in {formatSeconds(run.result.usage.totalMs / 1000)}
          {run.result.usage.decodeTokensPerSecond > 0
            ? ` · ${run.result.usage.decodeTokensPerSecond.toFixed(1)} tokens/s`
            : ''}
        </Text>
      )}
      <Divider />
      <ResultActions
        hasResult={run.status === 'done' && run.result !== undefined}
        canInsert={settings.output !== 'none' && !commentsBlocked}
        busy={busy || running}
        onInsert={() => run.result && void insert(run.result, settings)}
        onCopy={() => void copy()}
        onRegenerate={() => void summarizeNow()}
        onRemove={() => void remove()}
      />
      <Text role="status" aria-live="polite" data-testid="notice">
        {notice}
      </Text>
    </main>
  );
}

const RUNNING_NOTICE =
  'A summary is already running. Stop it (Esc), then choose "Summarize selection" again.';

/** Copies text; falls back to a hidden textarea where the async clipboard is missing or denied (Office webviews). */
async function copyText(text: string): Promise<void> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return;
    }
  } catch {
    // Denied: try the old way below.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = typeof document.execCommand === 'function' && document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('The clipboard is not available here; select the summary and copy it by hand.');
}
