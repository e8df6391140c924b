/**
 * The options form's state: starts from the persisted choices (and the URL's scope), persists each change.
 */
import { useCallback, useState } from 'react';
import {
  initialSettings,
  loadStoredSettings,
  reconcileOutput,
  saveSettings,
  type Settings,
} from '../settings';

/** The settings and a setter that persists what the user changed. */
export interface SettingsControls {
  settings: Settings;
  /** Changes some fields; only those are persisted, so a session-only scope from the URL stays session-only. */
  update(patch: Partial<Settings>): void;
  /** Changes what is shown for this session only, as the URL's scope does (the context menu's request). */
  override(patch: Partial<Settings>): void;
}

/** Reads settings once (from `search`, default `location.search`) and persists every change. */
export function useSettings(
  search: string = typeof location === 'undefined' ? '' : location.search,
): SettingsControls {
  const [settings, setSettings] = useState<Settings>(() => initialSettings(search));
  const update = useCallback((patch: Partial<Settings>) => {
    setSettings((s) => reconcileOutput({ ...s, ...patch }));
    // Persist on top of what is stored, not of what is shown: the URL's scope must not leak into storage unless
    // the user picked a scope themselves.
    saveSettings(reconcileOutput({ ...loadStoredSettings(), ...patch }));
  }, []);
  const override = useCallback((patch: Partial<Settings>) => {
    setSettings((s) => reconcileOutput({ ...s, ...patch }));
  }, []);
  return { settings, update, override };
}
