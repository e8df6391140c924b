/**
 * The real summarizer: the prompt of ./prompt.ts run by the inference worker. One prompt over the whole input
 * for now; input beyond the model's context is refused with a message, never cut.
 */
import type { SummaryEvent } from '../api/schemas';
import { AsyncChannel } from '../inference/async-channel';
import {
  InferenceError,
  InferenceWorkerClient,
  type WorkerClientOptions,
} from '../inference/inference-worker-client';
import type { DecodeSettings } from '../inference/token-loop';
import { buildMessages, headingLevel, MAX_NEW_TOKENS, renderDocument, resolveOptions } from './prompt';
import { requestParagraphs, type ModelHealth, type Summarizer, type SummaryRequest } from './summarizer';

export interface WorkerSummarizerOptions extends WorkerClientOptions {
  /** Overrides of the decoding defaults (tests pin them to compare with a reference implementation). */
  decode?: Partial<DecodeSettings>;
  /** An upper bound on output tokens whatever the length option asks (the guide's "bound output tokens"). */
  maxNewTokens?: number;
}

export class WorkerSummarizer implements Summarizer {
  readonly worker: InferenceWorkerClient;

  constructor(private readonly options: WorkerSummarizerOptions) {
    this.worker = new InferenceWorkerClient(options);
  }

  /** Starts loading the model now instead of on the first request. */
  warmUp(): Promise<void> {
    return this.worker.ensureLoaded();
  }

  health(): ModelHealth {
    const w = this.worker;
    if (w.state === 'missing' && !w.error) void w.ensureLoaded(); // a model installed meanwhile is picked up
    return { id: w.modelId, state: w.state, device: w.device, error: w.error };
  }

  stream(request: SummaryRequest, signal: AbortSignal): AsyncIterable<SummaryEvent> {
    const out = new AsyncChannel<SummaryEvent>();
    this.run(request, signal, out).then(
      () => out.close(),
      (err: Error) => {
        const code = err instanceof InferenceError ? err.code : 'internal_error';
        out.push({ type: 'error', code, message: err.message });
        out.close();
      },
    );
    return out;
  }

  private async run(
    request: SummaryRequest,
    signal: AbortSignal,
    out: AsyncChannel<SummaryEvent>,
  ): Promise<void> {
    const worker = this.worker;
    if (worker.state !== 'ready') {
      out.push({ type: 'progress', stage: 'load', part: 0, of: 1 });
      await worker.ensureLoaded();
      const state = worker.state as ModelHealth['state'];
      if (state === 'missing') throw new InferenceError('model_missing', 'No model is installed.');
      if (state !== 'ready') {
        throw new InferenceError(
          'model_error',
          `The model could not be loaded: ${worker.error ?? 'unknown error'}`,
        );
      }
      out.push({ type: 'progress', stage: 'load', part: 1, of: 1 });
    }
    if (signal.aborted) return;
    const paragraphs = requestParagraphs(request.body);
    const options = resolveOptions(request.body.options);
    const messages = buildMessages(renderDocument(paragraphs), options);
    const maxNewTokens = Math.min(MAX_NEW_TOKENS[options.length], this.options.maxNewTokens ?? Infinity);
    const result = await worker.generate(
      messages,
      maxNewTokens,
      {
        onStarted: (inputTokens, device) => {
          out.push({
            type: 'start',
            requestId: request.requestId,
            model: worker.modelId,
            device,
            plan: { parts: 1, paragraphs: paragraphs.length, inputTokens },
          });
          out.push({ type: 'progress', stage: 'map', part: 1, of: 1 });
        },
        onDelta: (text) => out.push({ type: 'delta', text }),
      },
      signal,
      this.options.decode,
    );
    if (result.stopReason === 'cancelled') return;
    // `done.summary` is exactly the concatenated deltas, so a client can check it received everything.
    const summary = result.text;
    const first = paragraphs.find((p) => headingLevel(p) !== null);
    out.push({
      type: 'section',
      part: 1,
      title: first ? first.text.trim() : 'Document',
      summary: summary.trim(),
      paragraphs: [0, Math.max(0, paragraphs.length - 1)],
    });
    out.push({ type: 'done', summary, usage: { ...result.usage, loadMs: worker.loadMs } });
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
