/**
 * `withDownloadState`: while a download runs, the local model's health says `downloading` instead of `missing`,
 * and everything else the summarizer tells (its backends, each backend's health) comes through unchanged.
 */
import type { Backend } from '../../../localhost-engine/api/schemas';
import { withDownloadState } from '../../../localhost-engine/model-store/model-store';
import type { ModelHealth, Summarizer } from '../../../localhost-engine/summarize/summarizer';

const BACKENDS: Backend[] = [
  { id: 'local', kind: 'local', model: 'phi3-mini', host: null, remote: false },
  { id: 'team', kind: 'upstream', model: 'phi-3-mini', host: '10.0.0.2:8000', remote: true },
];

/** A summarizer with no local model and one upstream, which is ready. */
function summarizer(withBackends: boolean): Summarizer {
  const health = (backend?: string): ModelHealth =>
    backend === 'team'
      ? { id: 'phi-3-mini', state: 'ready', device: null, error: null }
      : { id: 'phi3-mini', state: 'missing', device: null, error: null };
  return {
    health,
    ...(withBackends ? { backends: () => BACKENDS } : {}),
    stream: () => (async function* () {})(),
    close: () => Promise.resolve(),
  };
}

describe('withDownloadState', () => {
  it('keeps the backends and the health of each, and says downloading for the missing local model', () => {
    const downloading = withDownloadState(summarizer(true), { isDownloading: () => true });
    expect(downloading.backends?.()).toEqual(BACKENDS);
    expect(downloading.health().state).toBe('downloading');
    expect(downloading.health('local').state).toBe('downloading');
    expect(downloading.health('team').state).toBe('ready');

    const idle = withDownloadState(summarizer(true), { isDownloading: () => false });
    expect(idle.backends?.()).toEqual(BACKENDS);
    expect(idle.health().state).toBe('missing');
  });

  it('adds no backends to a summarizer that has none (only the local model)', () => {
    const wrapped = withDownloadState(summarizer(false), { isDownloading: () => true });
    expect(wrapped.backends).toBeUndefined();
  });
});
