/**
 * The summarizer over several backends refuses an id it was not configured with, in the same words as the API's
 * 400 and the CLI, and without connecting to any upstream.
 */
import type { SummaryEvent } from '../../../localhost-engine/api/schemas';
import {
  BackendSummarizer,
  unknownBackend,
  upstreamSummarizer,
} from '../../../localhost-engine/summarize/backend-summarizer';
import type { UpstreamConfig } from '../../../localhost-engine/upstream/upstream-config';

const upstream = (id: string): UpstreamConfig => ({
  id,
  // Nothing listens here: the test fails with a connection error if anything is sent.
  baseUrl: 'http://127.0.0.1:9/v1',
  model: 'phi-3-mini',
  contextLength: 4096,
  apiKeyEnv: null,
  ca: null,
  allowHttp: false,
});

describe('BackendSummarizer', () => {
  it('answers a backend it does not have with one unknown_backend error, naming the ones it has', async () => {
    const summarizer = new BackendSummarizer([
      upstreamSummarizer(upstream('team')),
      upstreamSummarizer(upstream('lab')),
    ]);
    const events: SummaryEvent[] = [];
    for await (const event of summarizer.stream(
      { requestId: 'r', body: { text: 'Rent is due.', options: { backend: 'nope' } } },
      new AbortController().signal,
    )) {
      events.push(event);
    }
    expect(events).toEqual([
      {
        type: 'error',
        code: 'unknown_backend',
        message: 'No backend "nope" is configured; the engine has team, lab.',
      },
    ]);
    expect(unknownBackend('team', ['team', 'lab'])).toBeNull();
    await summarizer.close();
  });
});
