/** @jest-environment jsdom */
/**
 * The pane's model download, through the whole App against the fake engine: the Download button only when the
 * model is missing, progress, Cancel, errors with Retry, the health refresh after `done`, and rejoining a download
 * that runs when the pane opens.
 */
import '../helpers/web-platform';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { App } from '../../../taskpane/components/App';
import { formatBytes, progressLine, shortModelName } from '../../../taskpane/components/EngineStatus';
import {
  DEFAULT_MODEL_BYTES,
  DEFAULT_MODEL_ID,
  callsTo,
  downloadEvents,
  fakeEngine,
  health,
  modelsList,
  ndjsonChunks,
  type FakeEngine,
} from '../helpers/fake-engine';
import { fakeWordPort } from '../helpers/fake-word-port';

const FAST = { connected: 50, busy: 20, down: 20, downMax: 40, timeout: 500 };
/** Health is checked once at the start and then only when something asks (a download's `done`). */
const SLOW = { connected: 60_000, busy: 60_000, down: 60_000, downMax: 60_000, timeout: 500 };
const DOWNLOAD_URL = `/api/models/${DEFAULT_MODEL_ID}/download`;
const DOWNLOAD_NAME = /^Download Phi-3-mini-4k-instruct \(2\.7\d GB\)$/;

function renderPane(engine: FakeEngine, intervals = FAST) {
  return render(<App port={fakeWordPort()} fetch={engine.fetch} healthIntervals={intervals} />);
}

const progressText = () => screen.getByTestId('download-progress-line').textContent ?? '';

beforeEach(() => localStorage.clear());
beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
});

describe('model download in the pane', () => {
  it.each(['ready', 'loading', 'error'] as const)(
    'no Download button when the model is %s',
    async (state) => {
      const engine = fakeEngine([], health({ state, error: state === 'error' ? 'bad graph' : null }));
      renderPane(engine);
      await screen.findByText('Engine connected');
      await new Promise((r) => setTimeout(r, 60));
      expect(screen.queryByRole('button', { name: /^Download/ })).toBeNull();
      expect(callsTo(engine, 'GET', '/api/models')).toHaveLength(0);
    },
  );

  it('Download streams progress (the percent changes), then refreshes health: loading → ready', async () => {
    const engine = fakeEngine([], health({ state: 'missing', device: null }), {
      downloadReplies: [
        { kind: 'stream', chunks: ndjsonChunks(downloadEvents([0.25, 0.5, 0.75])), gapMs: 150 },
      ],
    });
    renderPane(engine, SLOW);
    const button = await screen.findByRole('button', { name: DOWNLOAD_NAME });
    expect(screen.getByText(/LocalScribe needs Phi-3-mini-4k-instruct, int4 RTN block 32/)).toBeTruthy();
    const healthChecks = callsTo(engine, 'GET', '/api/health').length;
    // The engine will be loading the model once the download is done; only a refresh can show it (SLOW polls).
    engine.health = health({ state: 'loading', device: 'cpu' });
    button.focus();
    fireEvent.click(button);

    const seen: string[] = [];
    await waitFor(() => {
      seen.push(progressText());
      expect(progressText()).toMatch(/\(50%\)/);
    });
    await waitFor(() => {
      seen.push(progressText());
      expect(progressText()).toMatch(/\(75%\)/);
    });
    expect(seen.some((t) => /\(25%\)/.test(t))).toBe(true);
    expect(progressText()).toMatch(/of 2\.7\d GB \(75%\) · 12\.5 MB\/s · about 55 s left/);
    const bar = within(screen.getByRole('group', { name: 'Model download' })).getByRole('progressbar', {
      name: 'Model download progress',
    });
    expect(Number(bar.getAttribute('aria-valuenow'))).toBeCloseTo(0.75, 2);
    // Keyboard focus followed the pressed button to Cancel.
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel the download' }));
    expect(screen.getByText('The model is downloading; Summarize works once it is installed.')).toBeTruthy();

    expect(await screen.findByText(/Loading phi-3-mini-4k-instruct on CPU/)).toBeTruthy();
    expect(callsTo(engine, 'GET', '/api/health').length).toBeGreaterThan(healthChecks);
    expect(screen.queryByRole('group', { name: 'Model download' })).toBeNull();
    expect(callsTo(engine, 'POST', DOWNLOAD_URL)).toHaveLength(1);
  });

  it('Cancel sends DELETE and brings the Download button back (focused)', async () => {
    const engine = fakeEngine([], health({ state: 'missing', device: null }), {
      downloadReplies: [
        { kind: 'stream', chunks: ndjsonChunks(downloadEvents([0.1], 'open')), close: false },
      ],
    });
    renderPane(engine);
    fireEvent.click(await screen.findByRole('button', { name: DOWNLOAD_NAME }));
    await waitFor(() => expect(progressText()).toMatch(/\(10%\)/));
    // Health follows the download while it runs.
    act(() => {
      engine.health = health({ state: 'downloading', device: null });
    });
    const cancel = screen.getByRole('button', { name: 'Cancel the download' });
    cancel.focus();
    fireEvent.click(cancel);
    // The button is back at once, even while health still says `downloading` (it lags the cancel by a poll).
    const again = await screen.findByRole('button', { name: DOWNLOAD_NAME });
    expect(screen.getByText('Install a model first.')).toBeTruthy();
    act(() => {
      engine.health = health({ state: 'missing', device: null });
    });
    expect(callsTo(engine, 'DELETE', DOWNLOAD_URL)).toHaveLength(1);
    expect(engine.downloadSignals[0].aborted).toBe(true);
    expect(document.activeElement).toBe(again);
    expect(await screen.findByText(/Part of it is already downloaded; the download resumes/)).toBeTruthy();
    await new Promise((r) => setTimeout(r, 100));
    // Stale `downloading` health after the cancel did not start a new download.
    expect(callsTo(engine, 'POST', /download$/)).toHaveLength(1);
    expect(screen.getByRole('button', { name: DOWNLOAD_NAME })).toBeTruthy();
  });

  it.each([
    [
      'disk_full',
      'Not enough free space in /models: the download needs 2.73 GB, and 1.2 GB is free.',
      'Not enough disk space',
    ],
    [
      'checksum_mismatch',
      'model.onnx.data does not match the checksum the hub publishes (sha256 ab12…).',
      'The download was damaged',
    ],
  ])(
    'an error event (%s) shows the engine message and Retry, which resumes',
    async (code, message, title) => {
      const resumed = downloadEvents([0.9]);
      resumed[0] = { ...resumed[0], receivedBytes: 900_000_000 } as (typeof resumed)[0];
      const engine = fakeEngine([], health({ state: 'missing', device: null }), {
        downloadReplies: [
          { kind: 'stream', chunks: ndjsonChunks(downloadEvents([0.3], { code, message })) },
          { kind: 'stream', chunks: ndjsonChunks(resumed), gapMs: 100 },
        ],
      });
      renderPane(engine);
      fireEvent.click(await screen.findByRole('button', { name: DOWNLOAD_NAME }));
      const titleEl = await screen.findByText(title);
      const bar = titleEl.closest('[data-code]') as HTMLElement;
      expect(bar.getAttribute('data-code')).toBe(code);
      expect(within(bar).getByText(new RegExp(message.slice(0, 30).replace(/[.()]/g, '\\$&')))).toBeTruthy();
      expect(screen.getByText('localscribe models download')).toBeTruthy();
      const retry = within(bar).getByRole('button', { name: 'Retry' });
      fireEvent.click(retry);
      expect(await screen.findByText(/Resumed: 900 MB were already on disk\./)).toBeTruthy();
      expect(callsTo(engine, 'POST', DOWNLOAD_URL)).toHaveLength(2);
      expect(screen.queryByText(title)).toBeNull();
    },
  );

  it('an error can be dismissed, back to the Download button', async () => {
    const engine = fakeEngine([], health({ state: 'missing', device: null }), {
      downloadReplies: [
        {
          kind: 'stream',
          chunks: ndjsonChunks(
            downloadEvents([], { code: 'not_found', message: 'The hub has no such file.' }),
          ),
        },
      ],
    });
    renderPane(engine);
    fireEvent.click(await screen.findByRole('button', { name: DOWNLOAD_NAME }));
    await screen.findByText('The model could not be fetched');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss message' }));
    expect(await screen.findByRole('button', { name: DOWNLOAD_NAME })).toBeTruthy();
  });

  it('opening the pane mid-download rejoins it and shows its progress, with Cancel', async () => {
    const engine = fakeEngine([], health({ state: 'downloading', device: null }), {
      models: modelsList({
        download: {
          model: DEFAULT_MODEL_ID,
          receivedBytes: 1_362_500_000,
          totalBytes: DEFAULT_MODEL_BYTES,
          bytesPerSecond: 8_000_000,
          etaSeconds: 170,
        },
      }),
      downloadReplies: [
        { kind: 'stream', chunks: ndjsonChunks(downloadEvents([0.6], 'open')), close: false },
      ],
    });
    renderPane(engine);
    await waitFor(() => expect(progressText()).toMatch(/\(60%\)/));
    expect(screen.getByText('Downloading Phi-3-mini-4k-instruct')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Cancel the download' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Download/ })).toBeNull();
    await new Promise((r) => setTimeout(r, 100));
    expect(callsTo(engine, 'POST', DOWNLOAD_URL)).toHaveLength(1);
  });
});

describe('download formatting', () => {
  it('formats bytes in decimal units, like the engine', () => {
    expect(formatBytes(0)).toBe('0 bytes');
    expect(formatBytes(12_000)).toBe('12.0 kB');
    expect(formatBytes(540_000_000)).toBe('540 MB');
    expect(formatBytes(2_140_000_000)).toBe('2.14 GB');
  });

  it('says bytes, percent, rate and time left; the stages after the download drop the rate', () => {
    const p = {
      stage: 'download' as const,
      file: 'x',
      receivedBytes: 1_070_000_000,
      totalBytes: 2_140_000_000,
      bytesPerSecond: 12_500_000,
      etaSeconds: 125,
    };
    expect(progressLine(p)).toBe('1.07 GB of 2.14 GB (50%) · 12.5 MB/s · about 2 min 5 s left');
    expect(progressLine({ ...p, stage: 'verify' })).toBe('1.07 GB of 2.14 GB (50%)');
    expect(progressLine({ ...p, bytesPerSecond: 0, etaSeconds: null })).toBe('1.07 GB of 2.14 GB (50%)');
  });

  it('shortens a catalog name for the button', () => {
    expect(shortModelName('Phi-3.5-mini-instruct, q4f16 (transformers.js layout, WebGPU)')).toBe(
      'Phi-3.5-mini-instruct',
    );
    expect(shortModelName('Tiny (test)')).toBe('Tiny');
  });
});
