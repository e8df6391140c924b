/**
 * Polls the engine's `/api/health` so the pane always shows whether the engine runs, the model's state and the
 * device, and recovers by itself when the engine comes back.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { HealthResponse } from '../../localhost-engine/api/schemas';
import { getHealth as defaultGetHealth, isEngineError, type FetchLike } from '../engine-client';

/** `mismatch`: an engine answers, with another API version than this pane's (the error says which way). */
export type EngineConnection = 'checking' | 'connected' | 'down' | 'mismatch';

/** What the pane knows about the engine. */
export interface EngineHealth {
  connection: EngineConnection;
  /** The last health answer; kept while the engine is down so the pane can still name the model. */
  health?: HealthResponse;
  /** Why the last check failed, when it did. */
  error?: unknown;
  /** Checks now instead of waiting for the next poll (e.g. after an engine error). */
  refresh(): void;
}

/** Poll intervals in milliseconds. */
export interface HealthIntervals {
  /** While connected and the model is settled (ready, missing, error). */
  connected: number;
  /** While the model is loading or downloading, so the pane follows it closely. */
  busy: number;
  /** First retry after the engine went down; doubled on each failure up to `downMax`. */
  down: number;
  downMax: number;
  /** A check that takes longer than this counts as a failure (a hung engine is as good as a stopped one). */
  timeout: number;
}

export const DEFAULT_HEALTH_INTERVALS: HealthIntervals = {
  connected: 3000,
  busy: 1000,
  down: 1000,
  downMax: 5000,
  timeout: 2500,
};

/** Options of {@link useEngineHealth}; mostly for tests. */
export interface UseEngineHealthOptions {
  fetch?: FetchLike;
  getHealth?: typeof defaultGetHealth;
  intervals?: Partial<HealthIntervals>;
}

/**
 * Polls the engine's health: every few seconds while it is up, faster while the model is loading, and with a
 * short, growing backoff while it is down, so the pane notices the engine coming back within seconds without
 * hammering a port nothing listens on. Checks never overlap; unmounting stops them.
 */
export function useEngineHealth(options: UseEngineHealthOptions = {}): EngineHealth {
  const [state, setState] = useState<Omit<EngineHealth, 'refresh'>>({ connection: 'checking' });
  const optionsRef = useRef(options);
  optionsRef.current = options;
  const checkNow = useRef<() => void>(() => undefined);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let inFlight: AbortController | undefined;
    let failures = 0;

    const intervals = (): HealthIntervals => ({
      ...DEFAULT_HEALTH_INTERVALS,
      ...optionsRef.current.intervals,
    });

    const check = async (): Promise<void> => {
      clearTimeout(timer);
      if (inFlight) return; // the running check schedules the next one
      const controller = new AbortController();
      inFlight = controller;
      const { timeout } = intervals();
      const deadline = setTimeout(() => controller.abort(), timeout);
      let next: number;
      try {
        const get = optionsRef.current.getHealth ?? defaultGetHealth;
        const health = await get({ fetch: optionsRef.current.fetch, signal: controller.signal });
        failures = 0;
        if (stopped) return;
        setState({ connection: 'connected', health });
        const busy = health.model.state === 'loading' || health.model.state === 'downloading';
        next = busy ? intervals().busy : intervals().connected;
      } catch (error) {
        if (stopped) return;
        if (isEngineError(error) && error.code === 'version_mismatch') {
          // Up but speaking another version: nothing of its answer is read; checked again at the usual pace,
          // so that a restarted (updated) engine is picked up.
          failures = 0;
          setState({ connection: 'mismatch', error });
          next = intervals().connected;
        } else {
          failures += 1;
          setState((s) => ({ connection: 'down', health: s.health, error }));
          const { down, downMax } = intervals();
          next = Math.min(downMax, down * 2 ** (failures - 1));
        }
      } finally {
        clearTimeout(deadline);
        inFlight = undefined;
      }
      if (!stopped) timer = setTimeout(() => void check(), next);
    };

    checkNow.current = () => void check();
    void check();
    return () => {
      stopped = true;
      clearTimeout(timer);
      inFlight?.abort();
      checkNow.current = () => undefined;
    };
  }, []);

  const refresh = useCallback(() => checkNow.current(), []);
  return { ...state, refresh };
}
