/**
 * The engine's state, always on show: connected or not (and how to start it), the model and whether it is
 * installed, and the device it runs on.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import {
  Badge,
  Button,
  Card,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  Spinner,
  Text,
  makeStyles,
  tokens,
} from '@fluentui/react-components';
import { isEngineError } from '../engine-client';
import type { EngineHealth } from '../hooks/useEngineHealth';
import type { DownloadProgressView, ModelDownloadControls } from '../hooks/useModelDownload';
import { DEVICE_LABELS } from '../summary-labels';
import { formatSeconds } from './RunProgress';

const useStyles = makeStyles({
  card: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  row: { display: 'flex', alignItems: 'center', columnGap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  code: {
    fontFamily: tokens.fontFamilyMonospace,
    backgroundColor: tokens.colorNeutralBackground3,
    paddingLeft: tokens.spacingHorizontalXS,
    paddingRight: tokens.spacingHorizontalXS,
    borderRadius: tokens.borderRadiusSmall,
  },
  muted: { color: tokens.colorNeutralForeground3 },
  download: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalXS },
  actions: {
    display: 'flex',
    alignItems: 'center',
    columnGap: tokens.spacingHorizontalS,
    rowGap: tokens.spacingVerticalXS,
    flexWrap: 'wrap',
  },
  line: { color: tokens.colorNeutralForeground2, fontVariantNumeric: 'tabular-nums' },
});

/** Props of {@link EngineStatus}. */
export interface EngineStatusProps {
  engine: Omit<EngineHealth, 'refresh'> & { refresh?: () => void };
  /** The in-pane model download; without it a missing model gets the command-line guidance only. */
  download?: ModelDownloadControls;
}

/** A compact card with the engine's connection, model and device, and guidance when something is missing. */
export function EngineStatus({ engine, download }: EngineStatusProps) {
  const styles = useStyles();
  const { connection, health } = engine;
  return (
    <Card className={styles.card} aria-label="Engine status" role="region" size="small">
      {connection === 'checking' && <Spinner size="tiny" label="Looking for the LocalScribe engine…" />}
      {connection === 'down' && (
        <div role="status">
          <div className={styles.row}>
            <Badge color="danger" appearance="filled" aria-hidden />
            <Text weight="semibold">The LocalScribe engine is not running.</Text>
          </div>
          <Text as="p" block>
            Start it with <code className={styles.code}>localscribe service install</code> (it then starts at
            every login), or <code className={styles.code}>npm start</code> in a LocalScribe clone. This pane
            reconnects by itself.
          </Text>
          <Text as="p" block>
            If it does not, <code className={styles.code}>localscribe doctor</code> says what is wrong and how
            to fix it.
          </Text>
          {engine.refresh && (
            <Button size="small" onClick={engine.refresh}>
              Check again
            </Button>
          )}
        </div>
      )}
      {connection === 'mismatch' && (
        <MessageBar intent="warning" layout="multiline" role="status">
          <MessageBarBody>
            <MessageBarTitle>This pane and the engine are different versions</MessageBarTitle>{' '}
            {engine.error instanceof Error
              ? engine.error.message
              : 'Reload the add-in, or update LocalScribe.'}
          </MessageBarBody>
        </MessageBar>
      )}
      {connection === 'connected' && health && (
        <>
          <div className={styles.row} role="status">
            <Badge color="success" appearance="filled" aria-hidden />
            <Text weight="semibold">Engine connected</Text>
            <Text className={styles.muted} size={200}>
              v{health.version}
            </Text>
          </div>
          <ModelLine engine={engine} download={download} />
        </>
      )}
    </Card>
  );
}

function ModelLine({ engine, download }: EngineStatusProps) {
  const styles = useStyles();
  const model = engine.health!.model;
  const device = model.device ? DEVICE_LABELS[model.device] : undefined;
  // A download this pane follows (or just finished, or failed) is shown whatever health's last poll said.
  // So is the button right after this pane cancelled, while health still says `downloading` for a poll.
  const following = download !== undefined && (download.status !== 'idle' || download.cancelled);
  if (model.state === 'missing' || (model.state === 'downloading' && following)) {
    return <ModelDownload healthModelId={model.id} download={download} />;
  }
  switch (model.state) {
    case 'downloading':
      return <Spinner size="tiny" label={`Downloading ${model.id}…`} />;
    case 'loading':
      return <Spinner size="tiny" label={`Loading ${model.id}${device ? ` on ${device}` : ''}…`} />;
    case 'error':
      return (
        <Text role="status" block>
          Model {model.id} failed to load{model.error ? `: ${model.error}` : '.'}{' '}
          <code className={styles.code}>localscribe doctor</code> checks the model and says how to fix it.
        </Text>
      );
    case 'ready':
      return (
        <div className={styles.row}>
          <Text>Model: {model.id}</Text>
          <Text>Device: {device ?? 'not chosen yet'}</Text>
        </div>
      );
  }
}

/** The model download: the button, its progress, Cancel, and errors with Retry; the CLI command beside it. */
function ModelDownload({
  healthModelId,
  download,
}: {
  healthModelId: string;
  download?: ModelDownloadControls;
}) {
  const styles = useStyles();
  const status = download?.status ?? 'idle';
  const model = download?.model;
  const shortName = model ? shortModelName(model.name) : healthModelId || 'the model';
  const boxRef = useRef<HTMLDivElement>(null);
  const primaryRef = useRef<HTMLButtonElement>(null);

  // The control the user pressed disappears when the state changes (Download → Cancel → Download, → Retry):
  // keep keyboard focus in the card by moving it to the new state's button.
  const focusFollows = useRef(false);
  useEffect(() => {
    if (!focusFollows.current) return;
    const active = document.activeElement;
    if (active && active !== document.body && !boxRef.current?.contains(active)) {
      focusFollows.current = false;
      return;
    }
    primaryRef.current?.focus();
  }, [status]);
  const pressed = (f: () => Promise<void> | void) => () => {
    focusFollows.current = true;
    void f();
  };

  const cli = (
    <Text size={200} className={styles.muted} block>
      Or in a terminal: <code className={styles.code}>localscribe models download</code>
    </Text>
  );

  let body: ReactNode;
  switch (status) {
    case 'idle':
      body = (
        <>
          <Text weight="semibold" block>
            No model installed
          </Text>
          <Text as="p" block>
            LocalScribe needs {model ? model.name : healthModelId || 'a model'} on this computer. It is
            downloaded once{model ? ` (about ${formatBytes(model.approxBytes)})` : ''} and then works offline.
            {model?.partial ? ' Part of it is already downloaded; the download resumes from there.' : ''}
          </Text>
          {download?.catalogError !== undefined && !model && (
            <Text size={200} className={styles.muted} block>
              The engine did not list its models ({errorText(download.catalogError)}) Download asks again.
            </Text>
          )}
          {download ? (
            <div className={styles.actions}>
              <Button appearance="primary" ref={primaryRef} onClick={pressed(download.start)}>
                {model ? `Download ${shortName} (${formatBytes(model.approxBytes)})` : 'Download the model'}
              </Button>
            </div>
          ) : null}
          {cli}
        </>
      );
      break;
    case 'starting':
    case 'downloading':
    case 'cancelling':
      body = (
        <>
          <Text weight="semibold" block aria-live="polite">
            {stageTitle(status, download?.progress, shortName)}
          </Text>
          <DownloadProgress progress={download?.progress} resumedBytes={download?.resumedBytes} />
          <div className={styles.actions}>
            <Button
              ref={primaryRef}
              disabledFocusable={status === 'cancelling'}
              onClick={pressed(download!.cancel)}
              aria-label={status === 'cancelling' ? 'Cancelling the download' : 'Cancel the download'}
            >
              {status === 'cancelling' ? 'Cancelling…' : 'Cancel'}
            </Button>
          </div>
          {download?.cancelError !== undefined && (
            <Text role="alert" size={200} block>
              Could not cancel: {errorText(download.cancelError)} The download goes on.
            </Text>
          )}
          <Text size={200} className={styles.muted} block>
            The download goes on if you close this pane.
          </Text>
        </>
      );
      break;
    case 'done':
      body = <Spinner size="tiny" label={`Downloaded. Starting ${shortName}…`} />;
      break;
    case 'error': {
      const { title, body: message } = describeDownloadError(download!.error);
      body = (
        <>
          <MessageBar intent="error" layout="multiline" data-code={errorCode(download!.error)}>
            <MessageBarBody>
              <MessageBarTitle>{title}</MessageBarTitle> {message}
            </MessageBarBody>
            <MessageBarActions
              containerAction={
                <Button
                  appearance="transparent"
                  aria-label="Dismiss message"
                  onClick={pressed(download!.dismiss)}
                >
                  ✕
                </Button>
              }
            >
              <Button ref={primaryRef} onClick={pressed(download!.retry)}>
                Retry
              </Button>
            </MessageBarActions>
          </MessageBar>
          {download?.progress && <DownloadProgress progress={download.progress} stopped />}
          {cli}
        </>
      );
      break;
    }
  }
  return (
    <div
      ref={boxRef}
      className={styles.download}
      role="group"
      aria-label="Model download"
      data-status={status}
    >
      {body}
    </div>
  );
}

/** The bar and the line under it: bytes, percent, rate, time left. */
function DownloadProgress({
  progress,
  resumedBytes,
  stopped = false,
}: {
  progress?: DownloadProgressView;
  resumedBytes?: number;
  stopped?: boolean;
}) {
  const styles = useStyles();
  const fraction =
    progress && progress.totalBytes > 0
      ? Math.min(1, progress.receivedBytes / progress.totalBytes)
      : undefined;
  const line = progress ? progressLine(progress, stopped) : 'Asking the engine…';
  return (
    <>
      <ProgressBar
        value={stopped ? (fraction ?? 0) : fraction}
        thickness="medium"
        color={stopped ? 'error' : 'brand'}
        aria-label="Model download progress"
        aria-valuetext={line}
      />
      <Text size={200} className={styles.line} data-testid="download-progress-line">
        {line}
      </Text>
      {resumedBytes !== undefined && resumedBytes > 0 && !stopped && (
        <Text size={200} className={styles.line} block>
          Resumed: {formatBytes(resumedBytes)} were already on disk.
        </Text>
      )}
    </>
  );
}

function stageTitle(
  status: ModelDownloadControls['status'],
  progress: DownloadProgressView | undefined,
  name: string,
): string {
  if (status === 'starting' && !progress) return `Starting the download of ${name}…`;
  if (status === 'cancelling') return 'Cancelling the download…';
  if (progress?.stage === 'verify') return `Checking the downloaded files of ${name}…`;
  if (progress?.stage === 'install') return `Installing ${name}…`;
  return `Downloading ${name}`;
}

/** "1.20 GB of 2.73 GB (44%) · 12.5 MB/s · about 2 min 5 s left". */
export function progressLine(progress: DownloadProgressView, stopped = false): string {
  const { receivedBytes, totalBytes, bytesPerSecond, etaSeconds } = progress;
  const parts: string[] = [];
  if (totalBytes > 0) {
    const percent = Math.floor((Math.min(receivedBytes, totalBytes) / totalBytes) * 100);
    parts.push(`${formatBytes(receivedBytes)} of ${formatBytes(totalBytes)} (${percent}%)`);
  } else {
    parts.push(formatBytes(receivedBytes));
  }
  if (!stopped && progress.stage === 'download') {
    if (bytesPerSecond > 0) parts.push(`${formatBytes(bytesPerSecond)}/s`);
    if (etaSeconds !== null && etaSeconds > 0) parts.push(`about ${formatSeconds(etaSeconds)} left`);
  }
  return parts.join(' · ');
}

/** "2.73 GB", "540 MB", "12.0 kB": decimal units, as the engine, the hub and file managers show sizes. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} bytes`;
  return `${value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2)} ${units[unit]}`;
}

/** "Phi-3-mini-4k-instruct, int4 AWQ block 128 (…)" → "Phi-3-mini-4k-instruct": short enough for a button. */
export function shortModelName(name: string): string {
  return name.split(/,|\s\(/)[0].trim() || name;
}

function errorCode(error: unknown): string | undefined {
  return isEngineError(error) ? error.code : undefined;
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/** A title for the engine's download error; the body is the engine's own message (it says what to do). */
export function describeDownloadError(error: unknown): { title: string; body: string } {
  const body = errorText(error);
  switch (errorCode(error)) {
    case 'disk_full':
      return { title: 'Not enough disk space', body };
    case 'checksum_mismatch':
    case 'size_mismatch':
      return { title: 'The download was damaged', body: `${body} Retry downloads the damaged part again.` };
    case 'stalled':
    case 'network_error':
    case 'server_error':
      return { title: 'The download was interrupted', body: `${body} Retry resumes where it stopped.` };
    case 'incomplete_stream':
    case 'engine_unreachable':
      return {
        title: 'Lost touch with the download',
        body: `${body} Retry follows it again, or resumes it.`,
      };
    case 'not_found':
    case 'forbidden':
      return { title: 'The model could not be fetched', body };
    default:
      return { title: 'The download failed', body };
  }
}
