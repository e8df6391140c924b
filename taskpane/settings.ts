/**
 * The user's choices (scope, style, length, output, backend): validated, persisted in `localStorage`, and
 * overridden for one session by the context menu's request or a `?scope=selection` URL (what older manifests
 * opened).
 */
import type { Backend, SummarizeOptions, SummaryLength, SummaryStyle } from '../localhost-engine/api/schemas';

export type Scope = 'document' | 'selection';
export type OutputChoice = 'section-top' | 'section-end' | 'section-comments' | 'selection-comment' | 'none';

/** Everything the options form edits. */
export interface Settings {
  scope: Scope;
  style: SummaryStyle;
  length: SummaryLength;
  output: OutputChoice;
  /** The engine's backend to summarize with (`local`, or an upstream's id from `/api/health`). */
  backend: string;
}

export const SCOPES: readonly Scope[] = ['document', 'selection'];
export const STYLES: readonly SummaryStyle[] = ['key-points', 'paragraph', 'sections', 'executive'];
export const LENGTHS: readonly SummaryLength[] = ['short', 'medium', 'long'];
export const OUTPUTS: readonly OutputChoice[] = [
  'section-top',
  'section-end',
  'section-comments',
  'selection-comment',
  'none',
];

export const DEFAULT_SETTINGS: Settings = {
  scope: 'document',
  style: 'key-points',
  length: 'medium',
  output: 'section-top',
  backend: 'local',
};

/** The shape of a backend id (the engine's `BackendId`); anything else falls back to the local model. */
const BACKEND_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Versioned so that a future shape change can ignore (not misread) old values. */
export const SETTINGS_KEY = 'localscribe.settings.v1';

/** Outputs that make sense for a scope: per-section comments need the whole document, a selection comment a selection. */
export function outputsFor(scope: Scope): OutputChoice[] {
  return OUTPUTS.filter((o) => (scope === 'document' ? o !== 'selection-comment' : o !== 'section-comments'));
}

/** True for outputs that are Word comments (WordApi 1.4). */
export function isCommentOutput(output: OutputChoice): boolean {
  return output === 'section-comments' || output === 'selection-comment';
}

/** Keeps the output consistent with the scope, preferring the natural choice for a selection (a comment on it). */
export function reconcileOutput(settings: Settings): Settings {
  if (outputsFor(settings.scope).includes(settings.output)) return settings;
  return { ...settings, output: settings.scope === 'selection' ? 'selection-comment' : 'section-top' };
}

/**
 * A request's options for these settings and the backend they resolve to (`chosenBackend`): an upstream is named
 * by its id; the local model, the engine's default, is not named at all.
 */
export function requestOptions(
  settings: Settings,
  backend: Pick<Backend, 'id' | 'kind'> | undefined,
): SummarizeOptions {
  const upstream = backend?.kind === 'upstream' ? backend.id : undefined;
  return { style: settings.style, length: settings.length, ...(upstream ? { backend: upstream } : {}) };
}

function pick<T extends string>(allowed: readonly T[], value: unknown, fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

/** Reads the persisted settings; anything missing, unknown or unreadable falls back to the defaults. */
export function loadStoredSettings(storage: Storage | undefined = safeLocalStorage()): Settings {
  let raw: Record<string, unknown> = {};
  try {
    const text = storage?.getItem(SETTINGS_KEY);
    if (text) {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) raw = parsed as Record<string, unknown>;
    }
  } catch {
    // Corrupt JSON or storage denied (some webviews): the defaults are a fine answer.
  }
  return reconcileOutput({
    scope: pick(SCOPES, raw.scope, DEFAULT_SETTINGS.scope),
    style: pick(STYLES, raw.style, DEFAULT_SETTINGS.style),
    length: pick(LENGTHS, raw.length, DEFAULT_SETTINGS.length),
    output: pick(OUTPUTS, raw.output, DEFAULT_SETTINGS.output),
    backend:
      typeof raw.backend === 'string' && BACKEND_ID.test(raw.backend)
        ? raw.backend
        : DEFAULT_SETTINGS.backend,
  });
}

/** Persists settings; silently does nothing where storage is unavailable (the choices then last for the session). */
export function saveSettings(settings: Settings, storage: Storage | undefined = safeLocalStorage()): void {
  try {
    storage?.setItem(SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // Quota or privacy mode: not worth an error in the pane.
  }
}

/** The scope the page's URL asks for (`?scope=selection` from the context menu), if any. */
export function scopeFromUrl(search: string): Scope | undefined {
  const scope = new URLSearchParams(search).get('scope');
  return scope === 'selection' || scope === 'document' ? scope : undefined;
}

/** The settings a session starts with: the persisted ones, with the URL's scope (not persisted) on top. */
export function initialSettings(search: string, storage?: Storage): Settings {
  const stored = loadStoredSettings(storage ?? safeLocalStorage());
  const scope = scopeFromUrl(search);
  return scope ? reconcileOutput({ ...stored, scope }) : stored;
}

function safeLocalStorage(): Storage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}
