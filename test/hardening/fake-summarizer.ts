/**
 * A summarizer without a model, for probes that are about HTTP and not inference: it streams a fixed summary,
 * optionally after `silentMs` of silence and one delta per `stepMs` (a long generation whose stream outlives the
 * server's request timeouts).
 */
import type { SummaryEvent } from '../../localhost-engine/api/schemas';
import type { ModelHealth, Summarizer, SummaryRequest } from '../../localhost-engine/summarize/summarizer';

export class FakeSummarizer implements Summarizer {
  constructor(private readonly opts: { deltas?: number; stepMs?: number; silentMs?: number } = {}) {}

  health(): ModelHealth {
    return { id: 'fake', state: 'ready', device: 'cpu', error: null };
  }

  async *stream(request: SummaryRequest, signal: AbortSignal): AsyncIterable<SummaryEvent> {
    const deltas = this.opts.deltas ?? 3;
    // A long prefill: nothing to send for a while.
    if (this.opts.silentMs) await new Promise((r) => setTimeout(r, this.opts.silentMs));
    yield {
      type: 'start',
      requestId: request.requestId,
      model: 'fake',
      device: 'cpu',
      plan: { parts: 1, paragraphs: 1, inputTokens: 1 },
    };
    let summary = '';
    for (let i = 0; i < deltas; i++) {
      if (this.opts.stepMs) await new Promise((r) => setTimeout(r, this.opts.stepMs));
      if (signal.aborted) return;
      const text = `word${i} `;
      summary += text;
      yield { type: 'delta', text };
    }
    yield {
      type: 'done',
      summary,
      usage: {
        inputTokens: 1,
        outputTokens: deltas,
        loadMs: 0,
        ttftMs: 0,
        prefillTokensPerSecond: 0,
        decodeTokensPerSecond: 0,
        totalMs: 0,
      },
    };
  }

  async close(): Promise<void> {}
}
