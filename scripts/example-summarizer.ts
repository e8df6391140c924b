/**
 * A summarizer for `npm run screenshot`: it streams a fixed key-points summary of the example document, a few words
 * at a time, in place of a model (no model can be downloaded where the screenshot is made).
 */
import type { SummaryEvent } from '../localhost-engine/api/schemas';
import type { ModelHealth, Summarizer, SummaryRequest } from '../localhost-engine/summarize/summarizer';

const SUMMARY = [
  '- Revenue grew 8% over the quarter, driven by the new subscription tier and lower churn.',
  '- Operating costs rose more slowly than revenue after the data-centre consolidation.',
  '- Risks: supplier contracts renew in March, two senior engineers leave in April, and the EU business is exposed to currency swings.',
  '- The board is asked to approve the hiring plan and the supplier negotiation mandate.',
].join('\n');

export class ExampleSummarizer implements Summarizer {
  health(): ModelHealth {
    return { id: 'phi-3-mini-4k-instruct-cpu-int4', state: 'ready', device: 'cpu', error: null };
  }

  async *stream(request: SummaryRequest, signal: AbortSignal): AsyncIterable<SummaryEvent> {
    const paragraphs = 'document' in request.body ? request.body.document.paragraphs.length : 1;
    yield {
      type: 'start',
      requestId: request.requestId,
      model: this.health().id,
      device: 'cpu',
      plan: { parts: 1, paragraphs, inputTokens: 212 },
    };
    const words = SUMMARY.split(/(?<= )/);
    for (let i = 0; i < words.length; i += 3) {
      if (signal.aborted) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
      yield { type: 'delta', text: words.slice(i, i + 3).join('') };
    }
    yield {
      type: 'done',
      summary: SUMMARY,
      usage: {
        inputTokens: 212,
        outputTokens: 96,
        loadMs: 0,
        ttftMs: 900,
        prefillTokensPerSecond: 30,
        decodeTokensPerSecond: 8.6,
        totalMs: 12_000,
      },
    };
  }

  async close(): Promise<void> {}
}
