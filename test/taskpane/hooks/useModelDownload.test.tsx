/** @jest-environment jsdom */
import '../helpers/web-platform';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ModelState } from '../../../localhost-engine/api/schemas';
import { useModelDownload, type UseModelDownloadOptions } from '../../../taskpane/hooks/useModelDownload';
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

beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
});

const DOWNLOAD_URL = `/api/models/${DEFAULT_MODEL_ID}/download`;

function setup(
  engine: FakeEngine,
  modelState: ModelState | undefined = 'missing',
  extra: Partial<UseModelDownloadOptions> = {},
) {
  const refreshHealth = jest.fn();
  let renders = 0;
  const hook = renderHook(
    ({ state }: { state: ModelState | undefined }) => {
      renders += 1;
      return useModelDownload({
        fetch: engine.fetch,
        modelState: state,
        refreshHealth: refreshHealth,
        ...extra,
      });
    },
    { initialProps: { state: modelState } },
  );
  return { ...hook, refreshHealth, renders: () => renders };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('useModelDownload', () => {
  it('labels the button from the catalog: the default model for the device, with its size', async () => {
    const engine = fakeEngine([], health({ state: 'missing' }));
    const { result } = setup(engine);
    await waitFor(() => expect(result.current.model?.id).toBe(DEFAULT_MODEL_ID));
    expect(result.current).toMatchObject({
      status: 'idle',
      model: { approxBytes: DEFAULT_MODEL_BYTES, partial: false },
    });
    expect(callsTo(engine, 'POST', /download$/)).toHaveLength(0);
  });

  it('does not list models or download while the model is ready', async () => {
    const engine = fakeEngine();
    const { result } = setup(engine, 'ready');
    await sleep(30);
    expect(result.current.status).toBe('idle');
    expect(engine.calls).toHaveLength(0);
  });

  it('start: streams progress, and done calls refreshHealth (the health refresh)', async () => {
    const engine = fakeEngine([], health({ state: 'missing' }), {
      downloadReplies: [{ kind: 'stream', chunks: ndjsonChunks(downloadEvents([0.25, 0.5, 1])), gapMs: 120 }],
    });
    const { result, refreshHealth } = setup(engine);
    const seen = new Set<number>();
    let finished: Promise<void> | undefined;
    act(() => {
      finished = result.current.start();
    });
    await waitFor(() => {
      const p = result.current.progress;
      if (p) seen.add(p.receivedBytes);
      expect(result.current.status).toBe('done');
    });
    await finished;
    expect(seen.has(Math.round(DEFAULT_MODEL_BYTES * 0.25))).toBe(true);
    expect(seen.has(Math.round(DEFAULT_MODEL_BYTES * 0.5))).toBe(true);
    expect(refreshHealth).toHaveBeenCalledTimes(1);
    const post = callsTo(engine, 'POST', DOWNLOAD_URL);
    expect(post).toHaveLength(1);
    expect(post[0].init).toMatchObject({ method: 'POST', body: '{}' });
    expect(result.current.progress).toMatchObject({ receivedBytes: DEFAULT_MODEL_BYTES });
  });

  it('renders progress at most once per throttle interval, however fast events come, keeping the latest', async () => {
    // 30 events 10 ms apart (each its own macrotask, so React could render each): about 300 ms of events.
    const fractions = Array.from({ length: 30 }, (_, i) => (i + 1) / 100);
    const engine = fakeEngine([], health({ state: 'missing' }), {
      downloadReplies: [
        { kind: 'stream', chunks: ndjsonChunks(downloadEvents(fractions, 'open')), gapMs: 10, close: false },
      ],
    });
    const { result, renders } = setup(engine, 'missing', { throttleMs: 100 });
    await waitFor(() => expect(result.current.model).toBeDefined());
    const before = renders();
    act(() => void result.current.start());
    await waitFor(() =>
      expect(result.current.progress?.receivedBytes).toBe(Math.round(DEFAULT_MODEL_BYTES * 0.3)),
    );
    await sleep(150);
    // starting, the list, start, then about one progress render per 100 ms: far fewer than 30.
    expect(renders() - before).toBeLessThan(12);
  });

  it('cancel: sends DELETE, closes the stream, returns to idle, and does not rejoin on stale health', async () => {
    const engine = fakeEngine([], health({ state: 'missing' }), {
      downloadReplies: [
        { kind: 'stream', chunks: ndjsonChunks(downloadEvents([0.1], 'open')), close: false },
      ],
    });
    const { result, rerender, refreshHealth } = setup(engine);
    act(() => void result.current.start());
    await waitFor(() => expect(result.current.progress?.receivedBytes).toBeGreaterThan(0));
    // Health catches up with the download…
    rerender({ state: 'downloading' });
    await act(() => result.current.cancel());
    expect(callsTo(engine, 'DELETE', DOWNLOAD_URL)).toHaveLength(1);
    expect(engine.downloadSignals[0].aborted).toBe(true);
    expect(result.current.status).toBe('idle');
    expect(result.current.model).toMatchObject({ id: DEFAULT_MODEL_ID, partial: true });
    expect(result.current.cancelled).toBe(true);
    expect(refreshHealth).toHaveBeenCalledTimes(1);
    // …and lags behind the cancel: still `downloading` for a poll. That must not start a new download.
    rerender({ state: 'downloading' });
    await sleep(50);
    expect(callsTo(engine, 'POST', /download$/)).toHaveLength(1);
    rerender({ state: 'missing' });
    await waitFor(() => expect(result.current.cancelled).toBe(false));
    expect(result.current.status).toBe('idle');
  });

  it('cancel before health ever said downloading: a stale downloading afterwards joins nothing', async () => {
    const engine = fakeEngine([], health({ state: 'missing' }), {
      downloadReplies: [
        { kind: 'stream', chunks: ndjsonChunks(downloadEvents([0.1], 'open')), close: false },
      ],
    });
    const { result, rerender } = setup(engine);
    act(() => void result.current.start());
    await waitFor(() => expect(result.current.progress?.receivedBytes).toBeGreaterThan(0));
    await act(() => result.current.cancel());
    rerender({ state: 'downloading' });
    await sleep(50);
    expect(result.current).toMatchObject({ status: 'idle', cancelled: true });
    expect(callsTo(engine, 'POST', /download$/)).toHaveLength(1);
  });

  it('cancel refused because the download just ended: the stream says how it ended', async () => {
    const engine = fakeEngine([], health({ state: 'missing' }), {
      downloadReplies: [{ kind: 'stream', chunks: ndjsonChunks(downloadEvents([0.5, 1])), gapMs: 150 }],
    });
    engine.cancelReply = {
      status: 404,
      body: {
        statusCode: 404,
        code: 'not_downloading',
        error: 'Not Found',
        message: 'x is not being downloaded.',
      },
    };
    const { result, refreshHealth } = setup(engine);
    act(() => void result.current.start());
    await waitFor(() => expect(result.current.progress?.receivedBytes).toBeGreaterThan(0));
    await act(() => result.current.cancel());
    expect(result.current.cancelError).toBeUndefined();
    await waitFor(() => expect(result.current.status).toBe('done'));
    expect(refreshHealth).toHaveBeenCalled();
  });

  it('an error event: status error with the engine code and message; Retry downloads again (resume)', async () => {
    const message = 'Not enough free space in /models: the download needs 2.73 GB more.';
    const resumed = downloadEvents([0.9, 1]);
    resumed[0] = { ...resumed[0], receivedBytes: 1_000_000_000 } as (typeof resumed)[0];
    const engine = fakeEngine([], health({ state: 'missing' }), {
      downloadReplies: [
        { kind: 'stream', chunks: ndjsonChunks(downloadEvents([0.3], { code: 'disk_full', message })) },
        { kind: 'stream', chunks: ndjsonChunks(resumed), gapMs: 50 },
      ],
    });
    const { result, refreshHealth } = setup(engine);
    await act(() => result.current.start());
    expect(result.current.status).toBe('error');
    expect(result.current.error).toMatchObject({ code: 'disk_full', message });
    // The progress so far stays on show.
    expect(result.current.progress?.receivedBytes).toBe(Math.round(DEFAULT_MODEL_BYTES * 0.3));
    let retried: Promise<void> | undefined;
    act(() => {
      retried = result.current.retry();
    });
    await waitFor(() => expect(result.current.resumedBytes).toBe(1_000_000_000));
    await act(() => retried!);
    expect(result.current.status).toBe('done');
    expect(refreshHealth).toHaveBeenCalledTimes(1);
    expect(callsTo(engine, 'POST', DOWNLOAD_URL)).toHaveLength(2);
  });

  it('rejoins a running download when health says downloading, once, showing its progress at once', async () => {
    const running = {
      model: DEFAULT_MODEL_ID,
      receivedBytes: 1_500_000_000,
      totalBytes: DEFAULT_MODEL_BYTES,
      bytesPerSecond: 10_000_000,
      etaSeconds: 122,
    };
    const replay = downloadEvents([0.6], 'open');
    const engine = fakeEngine([], health({ state: 'downloading' }), {
      models: modelsList({ download: running }),
      downloadReplies: [{ kind: 'stream', chunks: ndjsonChunks(replay), close: false }],
    });
    const { result, rerender, unmount } = setup(engine, 'downloading');
    await waitFor(() => expect(result.current.status).toBe('downloading'));
    expect(result.current.joined).toBe(true);
    expect(result.current.resumedBytes).toBeUndefined();
    await waitFor(() =>
      expect(result.current.progress?.receivedBytes).toBe(Math.round(DEFAULT_MODEL_BYTES * 0.6)),
    );
    rerender({ state: 'downloading' });
    await sleep(30);
    expect(callsTo(engine, 'POST', DOWNLOAD_URL)).toHaveLength(1);
    // Closing the pane closes the connection only: no DELETE, the engine's download goes on.
    unmount();
    expect(engine.downloadSignals[0].aborted).toBe(true);
    expect(callsTo(engine, 'DELETE', /download$/)).toHaveLength(0);
  });

  it('joins nothing when the download has ended by the time the pane asks', async () => {
    const engine = fakeEngine([], health({ state: 'downloading' }), {
      models: modelsList({ download: null }),
    });
    const { result, refreshHealth } = setup(engine, 'downloading');
    await waitFor(() => expect(refreshHealth).toHaveBeenCalled());
    expect(result.current.status).toBe('idle');
    expect(callsTo(engine, 'POST', /download$/)).toHaveLength(0);
  });

  it('a model installed meanwhile (409 already_installed) counts as done', async () => {
    const engine = fakeEngine([], health({ state: 'missing' }), {
      downloadReplies: [
        {
          kind: 'status',
          status: 409,
          body: { statusCode: 409, code: 'already_installed', error: 'Conflict', message: 'installed' },
        },
      ],
    });
    const { result, refreshHealth, rerender } = setup(engine);
    await act(() => result.current.start());
    expect(result.current.status).toBe('done');
    expect(refreshHealth).toHaveBeenCalled();
    // Once health moves on, the hook is idle again (ready to offer a download if the model goes missing later).
    rerender({ state: 'loading' });
    await waitFor(() => expect(result.current.status).toBe('idle'));
  });

  it('a dropped connection is an error whose Retry rejoins the download still running', async () => {
    const engine = fakeEngine([], health({ state: 'missing' }), {
      downloadReplies: [
        { kind: 'stream', chunks: ndjsonChunks(downloadEvents([0.2], 'open')) }, // closes without done
        { kind: 'stream', chunks: ndjsonChunks(downloadEvents([0.4, 1])) },
      ],
    });
    const { result } = setup(engine);
    await act(() => result.current.start());
    expect(result.current.error).toMatchObject({ code: 'incomplete_stream' });
    engine.models = modelsList({
      download: {
        model: DEFAULT_MODEL_ID,
        receivedBytes: 1_100_000_000,
        totalBytes: DEFAULT_MODEL_BYTES,
        bytesPerSecond: 1,
        etaSeconds: 5,
      },
    });
    await act(() => result.current.retry());
    expect(result.current.status).toBe('done');
    expect(result.current.joined).toBe(true);
  });
});
