/** @jest-environment jsdom */
import {
  DEFAULT_SETTINGS,
  SETTINGS_KEY,
  initialSettings,
  loadStoredSettings,
  outputsFor,
  requestOptions,
  saveSettings,
  scopeFromUrl,
} from '../../taskpane/settings';

beforeEach(() => localStorage.clear());

describe('settings', () => {
  it('defaults when nothing (or garbage) is stored', () => {
    expect(loadStoredSettings()).toEqual(DEFAULT_SETTINGS);
    localStorage.setItem(SETTINGS_KEY, '{not json');
    expect(loadStoredSettings()).toEqual(DEFAULT_SETTINGS);
    localStorage.setItem(SETTINGS_KEY, JSON.stringify({ style: 'poem', length: 'long' }));
    expect(loadStoredSettings()).toEqual({ ...DEFAULT_SETTINGS, length: 'long' });
  });

  it('round-trips through localStorage', () => {
    const s = {
      scope: 'selection',
      style: 'executive',
      length: 'short',
      output: 'selection-comment',
      backend: 'team-vllm',
    } as const;
    saveSettings(s);
    expect(loadStoredSettings()).toEqual(s);
  });

  it('keeps a backend id only in its shape (a stored URL or path falls back to the local model)', () => {
    for (const backend of ['https://evil.example/v1', '../x', 'UPPER', '', 42]) {
      localStorage.setItem(SETTINGS_KEY, JSON.stringify({ backend }));
      expect(loadStoredSettings().backend).toBe('local');
    }
  });

  it('names an upstream in a request by id, and never the local model', () => {
    const chosen = { ...DEFAULT_SETTINGS, style: 'executive' as const, length: 'long' as const };
    expect(requestOptions(chosen, { id: 'team', kind: 'upstream' })).toEqual({
      style: 'executive',
      length: 'long',
      backend: 'team',
    });
    expect(requestOptions(chosen, { id: 'local', kind: 'local' })).toEqual({
      style: 'executive',
      length: 'long',
    });
    expect(requestOptions(chosen, undefined)).toEqual({ style: 'executive', length: 'long' });
  });

  it('keeps the output consistent with the scope', () => {
    expect(outputsFor('document')).not.toContain('selection-comment');
    expect(outputsFor('selection')).not.toContain('section-comments');
    saveSettings({ ...DEFAULT_SETTINGS, scope: 'selection', output: 'section-comments' });
    expect(loadStoredSettings().output).toBe('selection-comment');
  });

  it('takes the scope from ?scope=selection without persisting it', () => {
    expect(scopeFromUrl('?scope=selection')).toBe('selection');
    expect(scopeFromUrl('?scope=everything')).toBeUndefined();
    expect(initialSettings('?scope=selection').scope).toBe('selection');
    expect(localStorage.getItem(SETTINGS_KEY)).toBeNull();
  });
});
