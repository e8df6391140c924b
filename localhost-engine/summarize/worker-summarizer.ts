/**
 * The real summarizer. A document that fits the model's context is summarized in one prompt; a longer one is
 * split into parts along its structure (./chunker.ts), each part is summarized (the map step, streamed as
 * `delta`s tagged with the part, then a `section` event), and the part summaries are combined — recursively
 * while they do not fit — into the final summary, which streams last. No paragraph is ever dropped.
 */
import path from 'node:path';
import type { SummaryEvent } from '../api/schemas';
import { AsyncChannel } from '../inference/async-channel';
import {
  InferenceError,
  InferenceWorkerClient,
  type GenerationResult,
  type WorkerClientOptions,
} from '../inference/inference-worker-client';
import type { DecodeSettings } from '../inference/token-loop';
import { userDataDir } from '../paths';
import { MAX_CHARS_PER_TOKEN, type Part } from './chunker';
import {
  buildCombineMessages,
  buildFinalMessages,
  buildMessages,
  buildPartMessages,
  headingLevel,
  MAX_NEW_TOKENS,
  PART_MAX_NEW_TOKENS,
  PROMPT_VERSION,
  renderDocument,
  renderPartSummaries,
  resolveOptions,
  type ChatMessage,
  type ResolvedOptions,
} from './prompt';
import { cacheKey, SummaryCache } from './summary-cache';
import { requestParagraphs, type ModelHealth, type Summarizer, type SummaryRequest } from './summarizer';

export interface WorkerSummarizerOptions extends WorkerClientOptions {
  /** Overrides of the decoding defaults (tests pin them to compare with a reference implementation). */
  decode?: Partial<DecodeSettings>;
  /** An upper bound on the final summary's tokens whatever the length option asks. */
  maxNewTokens?: number;
  /** An upper bound on each part summary's tokens. */
  partMaxNewTokens?: number;
  /** The context to plan for, when smaller than the model's (tests force several parts on small documents). */
  contextTokens?: number;
  /** Where part summaries are cached on disk; null keeps them in memory only. Default: the user data folder. */
  cacheDir?: string | null;
}

/** Tokens kept free between a prompt and the context's end, for template differences at boundaries. */
const MARGIN = 8;

/** Fewer prompt tokens run through the model than this say little about its prefill rate. */
const MIN_TOKENS_FOR_PREFILL_RATE = 64;

interface Totals {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  prefillMs: number;
  decodeMs: number;
  firstDeltaAt: number;
}

export class WorkerSummarizer implements Summarizer {
  readonly worker: InferenceWorkerClient;
  private readonly cache: SummaryCache;
  /** Rates measured on this device so far, for the plan's time estimate. */
  private rates: { prefill: number; decode: number } | null = null;

  constructor(private readonly options: WorkerSummarizerOptions) {
    this.worker = new InferenceWorkerClient(options);
    const dir =
      options.cacheDir === undefined ? path.join(userDataDir(), 'cache', 'part-summaries') : options.cacheDir;
    this.cache = new SummaryCache(dir);
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

  private async ensureReady(out: AsyncChannel<SummaryEvent>): Promise<void> {
    const worker = this.worker;
    if (worker.state === 'ready') return;
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

  private async run(
    request: SummaryRequest,
    signal: AbortSignal,
    out: AsyncChannel<SummaryEvent>,
  ): Promise<void> {
    await this.ensureReady(out);
    if (signal.aborted) return;
    const started = performance.now();
    const worker = this.worker;
    const paragraphs = requestParagraphs(request.body);
    const options = resolveOptions(request.body.options);
    const context = Math.min(this.options.contextTokens ?? Infinity, worker.contextLength);
    const finalMax = Math.min(MAX_NEW_TOKENS[options.length], this.options.maxNewTokens ?? Infinity);
    const partMax = Math.min(PART_MAX_NEW_TOKENS[options.length], this.options.partMaxNewTokens ?? Infinity);
    const totals: Totals = {
      inputTokens: 0,
      cachedInputTokens: 0,
      outputTokens: 0,
      prefillMs: 0,
      decodeMs: 0,
      firstDeltaAt: 0,
    };

    const generate = async (
      messages: ChatMessage[],
      maxNewTokens: number,
      onDelta: ((text: string) => void) | null,
    ): Promise<GenerationResult> => {
      const result = await worker.generate(
        messages,
        maxNewTokens,
        {
          onStarted: () => undefined,
          onDelta: (text) => {
            if (!totals.firstDeltaAt) totals.firstDeltaAt = performance.now();
            onDelta?.(text);
          },
        },
        signal,
        this.options.decode,
      );
      totals.inputTokens += result.usage.inputTokens;
      totals.cachedInputTokens += result.usage.cachedInputTokens;
      totals.outputTokens += result.usage.outputTokens;
      totals.prefillMs += result.usage.prefillMs;
      totals.decodeMs += result.usage.decodeMs;
      this.learnRates(result);
      return result;
    };

    const [wholeOverhead, partOverhead] = await worker.countPrompts([
      buildMessages('', options),
      buildPartMessages('', 999, 999),
    ]);
    const budget = context - partOverhead - partMax - MARGIN;
    if (budget < 64) {
      throw new InferenceError(
        'context_too_small',
        `The model's context (${context} tokens) is too small to summarize in parts.`,
      );
    }
    const wholeBudget = context - wholeOverhead - finalMax - MARGIN;
    // More characters than 16 per token of room cannot fit one prompt: skip planning for that case.
    const chars = paragraphs.reduce((n, p) => n + p.text.length + 1, 0);
    const [asWhole, inParts] =
      chars > wholeBudget * MAX_CHARS_PER_TOKEN
        ? [[], (await worker.plan(paragraphs, [budget]))[0]]
        : await worker.plan(paragraphs, [wholeBudget, budget]);
    // One prompt when the document fits with room for the whole answer, or with room for at least a part-sized
    // answer when splitting would not split anything: the summary then streams as the final text at once.
    const room = inParts.length === 1 ? context - wholeOverhead - inParts[0].tokens - MARGIN : 0;
    const single = asWhole.length === 1 || room >= partMax;
    let parts: Part[];
    let summary: string;
    let cachedParts = 0;
    if (single) {
      const whole = buildMessages(renderDocument(paragraphs), options);
      const {
        tokens: [wholeTokens],
        cached: [fromCache],
      } = await worker.countPromptsAndCache([whole]);
      const cap = Math.min(finalMax, context - wholeTokens - MARGIN);
      // The estimate charges prefill only for the tokens the prompt cache will not supply.
      out.push(this.startEvent(request, paragraphs.length, 1, wholeTokens, 0, wholeTokens - fromCache, cap));
      out.push({ type: 'progress', stage: 'map', part: 1, of: 1 });
      const result = await generate(whole, cap, (text) => out.push({ type: 'delta', text }));
      if (result.stopReason === 'cancelled') return;
      summary = result.text;
      const first = paragraphs.find((p) => headingLevel(p) !== null && p.text.trim());
      out.push({
        type: 'section',
        part: 1,
        title: first ? first.text.trim() : 'Document',
        summary: summary.trim(),
        paragraphs: [0, Math.max(0, paragraphs.length - 1)],
      });
      parts = [];
    } else {
      parts = inParts;
      const keys = parts.map((p) =>
        cacheKey({
          modelId: worker.modelId,
          promptVersion: PROMPT_VERSION,
          maxNewTokens: partMax,
          text: p.text,
        }),
      );
      const cached = await Promise.all(keys.map((k) => this.cache.get(k)));
      cachedParts = cached.filter((c) => c !== undefined).length;
      const inputTokens = parts.reduce((n, p) => n + p.tokens, 0);
      const uncachedTokens = parts.reduce(
        (n, p, i) => n + (cached[i] === undefined ? p.tokens + partOverhead : 0),
        0,
      );
      out.push(
        this.startEvent(
          request,
          paragraphs.length,
          parts.length,
          inputTokens,
          cachedParts,
          uncachedTokens,
          partMax * (parts.length - cachedParts) + finalMax,
        ),
      );

      const sections: Array<{ title: string; summary: string }> = [];
      for (const [i, part] of parts.entries()) {
        if (signal.aborted) return;
        out.push({ type: 'progress', stage: 'map', part: part.index, of: parts.length });
        let text = cached[i];
        if (text === undefined) {
          const result = await generate(
            buildPartMessages(part.text, part.index, parts.length),
            partMax,
            (delta) => out.push({ type: 'delta', text: delta, part: part.index }),
          );
          if (result.stopReason === 'cancelled') return;
          text = result.text.trim();
          await this.cache.set(keys[i], text);
        }
        sections.push({ title: part.title, summary: text });
        out.push({
          type: 'section',
          part: part.index,
          title: part.title,
          summary: text,
          paragraphs: [part.first, part.last],
        });
      }
      const final = await this.reduce(sections, options, context, partMax, finalMax, out, generate, signal);
      if (final === null) return;
      summary = final;
    }

    const totalMs = performance.now() - started;
    out.push({
      type: 'done',
      summary,
      usage: {
        inputTokens: totals.inputTokens,
        outputTokens: totals.outputTokens,
        loadMs: worker.loadMs,
        ttftMs: totals.firstDeltaAt ? totals.firstDeltaAt - started : totalMs,
        cachedInputTokens: totals.cachedInputTokens,
        prefillTokensPerSecond:
          totals.prefillMs > 0
            ? ((totals.inputTokens - totals.cachedInputTokens) / totals.prefillMs) * 1000
            : 0,
        decodeTokensPerSecond:
          totals.decodeMs > 0 ? (Math.max(0, totals.outputTokens - 1) / totals.decodeMs) * 1000 : 0,
        totalMs,
        parts: Math.max(1, parts.length),
        cachedParts,
      },
    });
  }

  /**
   * Combines part summaries into the final summary; returns null when cancelled. The "section by section" style
   * is the section summaries themselves; the others are written from them, after intermediate combine steps when
   * they do not fit one prompt.
   */
  private async reduce(
    sections: Array<{ title: string; summary: string }>,
    options: ResolvedOptions,
    context: number,
    partMax: number,
    finalMax: number,
    out: AsyncChannel<SummaryEvent>,
    generate: (
      m: ChatMessage[],
      max: number,
      onDelta: ((t: string) => void) | null,
    ) => Promise<GenerationResult>,
    signal: AbortSignal,
  ): Promise<string | null> {
    if (options.style === 'sections') {
      let text = '';
      for (const [i, s] of sections.entries()) {
        const block = `${i > 0 ? '\n\n' : ''}${s.title}\n${s.summary.trim()}`;
        text += block;
        out.push({ type: 'delta', text: block });
      }
      return text;
    }
    let items = sections;
    for (let level = 1; ; level++) {
      if (signal.aborted) return null;
      const finalMessages = buildFinalMessages(renderPartSummaries(items), options);
      const [finalTokens] = await this.worker.countPrompts([finalMessages]);
      if (finalTokens + finalMax <= context) {
        out.push({ type: 'progress', stage: 'reduce', part: 1, of: 1 });
        let text = '';
        const result = await generate(finalMessages, finalMax, (delta) => {
          text += delta;
          out.push({ type: 'delta', text: delta });
        });
        return result.stopReason === 'cancelled' ? null : text;
      }
      // Too many summaries for one prompt: combine neighbours into groups that fit, then try again.
      const [overhead] = await this.worker.countPrompts([buildCombineMessages('')]);
      const [groups] = await this.worker.plan(
        items.map((s) => ({ text: `## ${s.title}\n${s.summary}`, style: 'Normal' as const })),
        [context - overhead - partMax - MARGIN],
      );
      if (groups.length >= items.length) {
        throw new InferenceError(
          'context_too_small',
          'The part summaries cannot be combined within the model context.',
        );
      }
      const next: Array<{ title: string; summary: string }> = [];
      for (const [g, group] of groups.entries()) {
        out.push({ type: 'progress', stage: 'reduce', part: g + 1, of: groups.length });
        const result = await generate(buildCombineMessages(group.text), partMax, null);
        if (result.stopReason === 'cancelled') return null;
        const first = items[group.first].title;
        const last = items[group.last].title;
        next.push({ title: first === last ? first : `${first} – ${last}`, summary: result.text.trim() });
      }
      items = next;
    }
  }

  private startEvent(
    request: SummaryRequest,
    paragraphs: number,
    parts: number,
    inputTokens: number,
    cachedParts: number,
    prefillTokens: number,
    decodeTokens: number,
  ): SummaryEvent {
    const estimate = this.rates
      ? prefillTokens / this.rates.prefill + decodeTokens / this.rates.decode
      : undefined;
    return {
      type: 'start',
      requestId: request.requestId,
      model: this.worker.modelId,
      device: this.worker.device ?? 'cpu',
      plan: {
        parts,
        paragraphs,
        inputTokens,
        cachedParts,
        ...(estimate !== undefined ? { estimatedSeconds: Math.round(estimate * 10) / 10 } : {}),
      },
    };
  }

  /** Keeps a moving average of this device's prefill and decode rates. */
  private learnRates(result: GenerationResult): void {
    const { prefillTokensPerSecond: measured, decodeTokensPerSecond: decode } = result.usage;
    // A prompt read mostly from the prompt cache runs a few tokens through the model: too few to tell the rate.
    const ran = result.usage.inputTokens - result.usage.cachedInputTokens;
    const prefill = ran >= MIN_TOKENS_FOR_PREFILL_RATE ? measured : (this.rates?.prefill ?? 0);
    if (!(prefill > 0) || !(decode > 0)) return;
    this.rates = this.rates
      ? { prefill: 0.7 * this.rates.prefill + 0.3 * prefill, decode: 0.7 * this.rates.decode + 0.3 * decode }
      : { prefill, decode };
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
