/** @jest-environment jsdom */
import '../helpers/web-platform';
import { renderHook, waitFor } from '@testing-library/react';
import { useEngineHealth } from '../../../taskpane/hooks/useEngineHealth';
import { API_VERSION } from '../../../localhost-engine/api/api-version';
import type { HealthResponse } from '../../../localhost-engine/api/schemas';
import { fakeEngine, health } from '../helpers/fake-engine';

beforeAll(() => {
  (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
});

const FAST = { connected: 30, busy: 10, down: 10, downMax: 40, timeout: 200 };

describe('useEngineHealth', () => {
  it('reports connected with the model state, then down, then connected again', async () => {
    const engine = fakeEngine([], health({ state: 'loading', device: 'webgpu' }));
    const { result, unmount } = renderHook(() => useEngineHealth({ fetch: engine.fetch, intervals: FAST }));
    expect(result.current.connection).toBe('checking');
    await waitFor(() => expect(result.current.connection).toBe('connected'));
    expect(result.current.health?.model).toMatchObject({ state: 'loading', device: 'webgpu' });
    engine.health = 'down';
    await waitFor(() => expect(result.current.connection).toBe('down'));
    expect(result.current.error).toMatchObject({ code: 'engine_unreachable' });
    // The last answer is kept, so the pane can still name the model.
    expect(result.current.health?.model.state).toBe('loading');
    engine.health = health({ state: 'ready' });
    await waitFor(() => expect(result.current.health?.model.state).toBe('ready'));
    expect(result.current.connection).toBe('connected');
    unmount();
    const calls = engine.calls.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(engine.calls.length).toBe(calls);
  });

  it('an engine with another API version is "mismatch", its answer unread; an updated engine is picked up', async () => {
    const newer = { status: 'ok', version: '2.0.0', apiVersion: API_VERSION + 1, models: [{ name: 'phi' }] };
    const engine = fakeEngine([], newer as unknown as HealthResponse);
    const { result, unmount } = renderHook(() => useEngineHealth({ fetch: engine.fetch, intervals: FAST }));
    await waitFor(() => expect(result.current.connection).toBe('mismatch'));
    expect(result.current.health).toBeUndefined();
    expect(result.current.error).toMatchObject({
      code: 'version_mismatch',
      engine: { version: '2.0.0', apiVersion: API_VERSION + 1 },
    });
    engine.health = health({ state: 'ready' });
    await waitFor(() => expect(result.current.connection).toBe('connected'));
    unmount();
  });

  it('backs off while down (bounded by downMax) and never overlaps checks', async () => {
    const engine = fakeEngine([], 'down');
    const { unmount } = renderHook(() =>
      useEngineHealth({ fetch: engine.fetch, intervals: { ...FAST, down: 20, downMax: 80 } }),
    );
    await new Promise((r) => setTimeout(r, 400));
    unmount();
    // 0, 20, 60, 140, 220, 300, 380 ms: about 7 checks, far fewer than one every 20 ms.
    expect(engine.calls.length).toBeGreaterThanOrEqual(4);
    expect(engine.calls.length).toBeLessThanOrEqual(10);
  });

  it('counts a check that hangs past the timeout as down', async () => {
    const fetch = (_url: string, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () =>
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
        ),
      );
    const { result, unmount } = renderHook(() =>
      useEngineHealth({ fetch, intervals: { ...FAST, timeout: 30 } }),
    );
    await waitFor(() => expect(result.current.connection).toBe('down'));
    unmount();
  });
});
