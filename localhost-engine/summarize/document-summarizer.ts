/**
 * The summarizer over any generator (`text-generator.ts`). A document that fits the model's context is summarized
 * in one prompt; a longer one is split into parts along its structure (./chunker.ts), each part is summarized (the
 * map step, streamed as `delta`s tagged with the part, then a `section` event), and the part summaries are
 * combined — recursively while they do not fit — into the final summary, which streams last. No paragraph is ever
 * dropped.
 */
import path from 'node:path';
import type { Backend, Paragraph, SummaryEvent, SummaryPoint, Usage } from '../api/schemas';
import { AsyncChannel } from '../inference/async-channel';
import { InferenceError } from '../inference/inference-worker-client';
import { userDataDir } from '../paths';
import { Attributor } from './attribution';
import { MAX_CHARS_PER_TOKEN, type Part } from './chunker';
import {
  CitationFilter,
  labelParagraphs,
  lineLabel,
  paragraphLabel,
  parsePoints,
  renderPoints,
  stripCitations,
  stripLabel,
} from './citations';
import { documentCoverage } from './coverage';
import { LocalGenerator, type LocalGeneratorOptions } from './local-generator';
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
  renderParagraph,
  renderPartSummaries,
  resolveOptions,
  type ChatMessage,
  type ResolvedOptions,
} from './prompt';
import { decodePartRecord, encodePartRecord, relativeLabels, type PartRecord } from './part-record';
import { byCitations, MAX_SOURCE_SHARE, sourcesThatFit } from './source-context';
import { cacheKey, SummaryCache } from './summary-cache';
import { requestParagraphs, type ModelHealth, type Summarizer, type SummaryRequest } from './summarizer';
import type {
  Generation,
  GenerationStart,
  PromptTooLong,
  TextGenerator,
  UpstreamGenerationUsage,
} from './text-generator';

export interface SummarizerOptions {
  /** An upper bound on the final summary's tokens whatever the length option asks. */
  maxNewTokens?: number;
  /** An upper bound on each part summary's tokens. */
  partMaxNewTokens?: number;
  /** The context to plan for, when smaller than the model's (tests force several parts on small documents). */
  contextTokens?: number;
  /** Where part summaries are cached on disk; null keeps them in memory only. Default: the user data folder. */
  cacheDir?: string | null;
  /** Which configured backend this summarizer's generator is (`backend-summarizer.ts`), named in `start`. */
  backend?: Pick<Backend, 'id' | 'host' | 'remote'>;
}

/** Tokens kept free between a part's prompt and the context's end, for template differences at boundaries. */
const MARGIN = 8;

/** A part budget below this cannot hold a useful piece of text. */
const MIN_PART_BUDGET = 64;

/** Fewer prompt tokens run through the model than this say little about its prefill rate. */
const MIN_TOKENS_FOR_PREFILL_RATE = 64;

interface Totals {
  inputTokens: number;
  cachedInputTokens: number;
  outputTokens: number;
  prefillMs: number;
  decodeMs: number;
  firstDeltaAt: number;
  upstream: Usage['upstream'];
}

/** A summary of part of the document (or of several parts, once combined), with its checked points. */
interface SectionSummary {
  title: string;
  summary: string;
  points: SummaryPoint[];
}

/** What the map and reduce steps of one run share. */
interface ReduceRun {
  context: number;
  partMax: number;
  finalMax: number;
  out: AsyncChannel<SummaryEvent>;
  generate: Generate;
  signal: AbortSignal;
  check: Attributor;
  /** The request's paragraph count: citations beyond it are dropped. */
  count: number;
  /** A paragraph's labelled line, for "refine with source". */
  source: (paragraph: number) => string;
}

/** A part to summarize, or a piece of one that the generator refused as too long. */
interface Piece {
  /** The part's index and the number of parts, as its prompt names them. */
  index: number;
  of: number;
  /** The paragraph its text starts in. */
  first: number;
  /** Its rendered lines, with their `[¶n]` labels. */
  text: string;
}

/** A summary as a later prompt shows it: its points with their citations (its text where it has no points). */
function withCitations(s: SectionSummary): { title: string; summary: string } {
  return { title: s.title, summary: s.points.length > 0 ? renderPoints(s.points) : s.summary };
}

/** Streams shown text as a delta (of a part's summary when `part` is given); nothing for empty text. */
function pushDelta(out: AsyncChannel<SummaryEvent>, text: string, part?: number): void {
  if (text) out.push(part === undefined ? { type: 'delta', text } : { type: 'delta', text, part });
}

/** One generation as the summarizer runs it: its answer streamed to `onDelta`, its usage added to the totals. */
type Generate = (
  messages: ChatMessage[],
  limits: { maxNewTokens: number; minNewTokens: number },
  onDelta: ((text: string) => void) | null,
  onStart?: (start: GenerationStart) => void,
) => Promise<Generation | PromptTooLong>;

export class DocumentSummarizer<G extends TextGenerator = TextGenerator> implements Summarizer {
  private readonly cache: SummaryCache;
  /** Rates measured on this device so far, for the plan's time estimate. */
  private rates: { prefill: number; decode: number } | null = null;

  constructor(
    readonly generator: G,
    private readonly options: SummarizerOptions = {},
  ) {
    const dir =
      options.cacheDir === undefined ? path.join(userDataDir(), 'cache', 'part-summaries') : options.cacheDir;
    this.cache = new SummaryCache(dir);
  }

  health(): ModelHealth {
    return this.generator.health();
  }

  /** The backend this summarizer runs on, when it was given one. */
  backend(): Backend | undefined {
    const b = this.options.backend;
    const info = this.generator.info();
    return b && { id: b.id, kind: info.backend, model: info.model, host: b.host, remote: b.remote };
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

  private async ensureReady(out: AsyncChannel<SummaryEvent>, signal: AbortSignal): Promise<void> {
    // Called even when ready: an upstream learns its context size here, on its first use, and Stop ends that.
    const loading = this.generator.health().state !== 'ready';
    if (loading) out.push({ type: 'progress', stage: 'load', part: 0, of: 1 });
    await this.generator.ensureReady(signal);
    if (loading) out.push({ type: 'progress', stage: 'load', part: 1, of: 1 });
  }

  private async run(
    request: SummaryRequest,
    signal: AbortSignal,
    out: AsyncChannel<SummaryEvent>,
  ): Promise<void> {
    await this.ensureReady(out, signal);
    if (signal.aborted) return;
    const started = performance.now();
    const generator = this.generator;
    const paragraphs = requestParagraphs(request.body);
    // The model sees each paragraph's label and cites them; the check reads the plain text.
    const labelled = labelParagraphs(paragraphs);
    const check = new Attributor(paragraphs);
    const options = resolveOptions(request.body.options);
    const context = Math.min(this.options.contextTokens ?? Infinity, generator.info().contextLength);
    const finalMax = Math.min(MAX_NEW_TOKENS[options.length], this.options.maxNewTokens ?? Infinity);
    const partMax = Math.min(PART_MAX_NEW_TOKENS[options.length], this.options.partMaxNewTokens ?? Infinity);
    const totals: Totals = {
      inputTokens: 0,
      cachedInputTokens: 0,
      outputTokens: 0,
      prefillMs: 0,
      decodeMs: 0,
      firstDeltaAt: 0,
      upstream: undefined,
    };

    const generate: Generate = async (messages, limits, onDelta, onStart) => {
      // A context smaller than the model's (tests) bounds the answer's room too.
      const result = await generator.generate(
        { messages, ...limits },
        {
          onStart,
          onDelta: (text) => {
            if (!totals.firstDeltaAt) totals.firstDeltaAt = performance.now();
            onDelta?.(text);
          },
        },
        signal,
      );
      if (result.stopReason === 'too_long') return result;
      totals.inputTokens += result.usage.inputTokens;
      totals.cachedInputTokens += result.usage.cachedInputTokens;
      totals.outputTokens += result.usage.outputTokens;
      totals.prefillMs += result.usage.prefillMs;
      totals.decodeMs += result.usage.decodeMs;
      if (result.upstream) totals.upstream = addUpstream(totals.upstream, result.upstream);
      this.learnRates(result);
      return result;
    };

    // One prompt when the document fits with room for at least a part-sized answer: the generator refuses it
    // before any work otherwise. More characters than MAX_CHARS_PER_TOKEN per token of context cannot fit.
    const chars = paragraphs.reduce((n, p) => n + p.text.length + 1, 0);
    let whole: Generation | PromptTooLong | null = null;
    const wholeText = new CitationFilter();
    if (chars <= context * MAX_CHARS_PER_TOKEN) {
      whole = await generate(
        buildMessages(renderDocument(labelled), options),
        { maxNewTokens: finalMax, minNewTokens: Math.min(partMax, finalMax) },
        (text) => pushDelta(out, wholeText.push(text)),
        (start) => {
          // The estimate charges prefill only for the tokens the prompt cache will not supply.
          out.push(
            this.startEvent(request, {
              paragraphs: paragraphs.length,
              parts: 1,
              inputTokens: start.inputTokens,
              cachedParts: 0,
              prefillTokens: start.inputTokens - start.cachedInputTokens,
              decodeTokens: start.maxNewTokens,
            }),
          );
          out.push({ type: 'progress', stage: 'map', part: 1, of: 1 });
        },
      );
    }
    let parts: Part[] = [];
    let summary: string;
    let points: SummaryPoint[];
    let cachedParts = 0;
    if (whole && whole.stopReason !== 'too_long') {
      if (whole.stopReason === 'cancelled') return;
      pushDelta(out, wholeText.end());
      summary = stripCitations(whole.text);
      points = check.attributeAll(parsePoints(whole.text, paragraphs.length));
      const first = paragraphs.find((p) => headingLevel(p) !== null && p.text.trim());
      out.push({
        type: 'section',
        part: 1,
        title: first ? first.text.trim() : 'Document',
        summary: summary.trim(),
        paragraphs: [0, Math.max(0, paragraphs.length - 1)],
        points,
      });
    } else {
      if (signal.aborted) return;
      const [partOverhead] = await generator.countTokens([buildPartMessages('', 999, 999)]);
      const budget = context - partOverhead - partMax - MARGIN;
      if (budget < MIN_PART_BUDGET) {
        throw new InferenceError(
          'context_too_small',
          `The model's context (${context} tokens) is too small to summarize in parts.`,
        );
      }
      [parts] = await generator.plan(labelled, [budget]);
      parts = parts.map((p) => ({ ...p, title: stripLabel(p.title) }));
      const final = await this.summarizeParts(request, paragraphs, parts, options, {
        context,
        partMax,
        finalMax,
        partOverhead,
        budget,
        out,
        generate,
        signal,
        check,
        count: paragraphs.length,
        source: (i) => renderParagraph(labelled[i]),
      });
      if (final === null) return;
      ({ summary, points, cachedParts } = final);
    }

    const totalMs = performance.now() - started;
    out.push({
      type: 'done',
      summary,
      usage: {
        inputTokens: totals.inputTokens,
        outputTokens: totals.outputTokens,
        loadMs: this.loadMs(),
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
        ...(totals.upstream ? { upstream: totals.upstream } : {}),
      },
      points,
      coverage: documentCoverage(paragraphs, points),
    });
  }

  /** The map step over `parts` (from the part cache where it can), then the reduce step; null when cancelled. */
  private async summarizeParts(
    request: SummaryRequest,
    paragraphs: Paragraph[],
    parts: Part[],
    options: ResolvedOptions,
    run: ReduceRun & { partOverhead: number; budget: number },
  ): Promise<{ summary: string; points: SummaryPoint[]; cachedParts: number } | null> {
    const { partMax, out, signal } = run;
    const model = this.generator.info().model;
    const keys = parts.map((p) =>
      cacheKey({
        modelId: model,
        promptVersion: PROMPT_VERSION,
        maxNewTokens: partMax,
        text: relativeLabels(p.text, p.first),
      }),
    );
    const cached = await Promise.all(
      keys.map(async (k, i) => {
        const value = await this.cache.get(k);
        return value === undefined ? undefined : decodePartRecord(value, parts[i].first, paragraphs.length);
      }),
    );
    const cachedParts = cached.filter((c) => c !== undefined).length;
    out.push(
      this.startEvent(request, {
        paragraphs: paragraphs.length,
        parts: parts.length,
        inputTokens: parts.reduce((n, p) => n + p.tokens, 0),
        cachedParts,
        prefillTokens: parts.reduce(
          (n, p, i) => n + (cached[i] === undefined ? p.tokens + run.partOverhead : 0),
          0,
        ),
        decodeTokens: partMax * (parts.length - cachedParts) + run.finalMax,
      }),
    );

    const sections: SectionSummary[] = [];
    for (const [i, part] of parts.entries()) {
      if (signal.aborted) return null;
      out.push({ type: 'progress', stage: 'map', part: part.index, of: parts.length });
      let record = cached[i];
      if (record === undefined) {
        const made = await this.summarizePart({ ...part, of: parts.length }, run.budget, run);
        if (made === null) return null;
        record = made;
        await this.cache.set(keys[i], encodePartRecord(record, part.first));
      }
      const points = run.check.attributeAll(record.points);
      sections.push({ title: part.title, summary: record.summary, points });
      out.push({
        type: 'section',
        part: part.index,
        title: part.title,
        summary: record.summary,
        paragraphs: [part.first, part.last],
        points,
      });
    }
    const final = await this.reduce(sections, options, run);
    return final === null ? null : { ...final, cachedParts };
  }

  /**
   * One part's summary as the part cache keeps it (the text without markers, the model's points with their
   * citations), its text streamed as `delta`s of the part; null when cancelled. A part the generator refuses as too
   * long (an upstream server counts tokens its own way) is summarized in pieces of half `budget` instead.
   */
  private async summarizePart(
    part: Piece,
    budget: number,
    run: Pick<ReduceRun, 'partMax' | 'out' | 'generate' | 'count'>,
  ): Promise<PartRecord | null> {
    const shown = new CitationFilter();
    const result = await run.generate(
      buildPartMessages(part.text, part.index, part.of),
      { maxNewTokens: run.partMax, minNewTokens: run.partMax },
      (delta) => pushDelta(run.out, shown.push(delta), part.index),
    );
    if (result.stopReason === 'cancelled') return null;
    if (result.stopReason === 'too_long') return this.summarizeInPieces(part, budget / 2, run);
    pushDelta(run.out, shown.end(), part.index);
    return { summary: stripCitations(result.text).trim(), points: parsePoints(result.text, run.count) };
  }

  /**
   * The summary of a part the generator refused as too long: the part planned again in pieces of `budget` tokens,
   * each summarized (halving again while refused), their texts joined by newlines and their points in order; null
   * when cancelled. Every piece keeps the `[¶n]` labels of its lines, so its citations are document indices.
   * @throws InferenceError `context_too_small` when pieces would fall under `MIN_PART_BUDGET` tokens.
   */
  private async summarizeInPieces(
    part: Piece,
    budget: number,
    run: Pick<ReduceRun, 'partMax' | 'out' | 'generate' | 'count'>,
  ): Promise<PartRecord | null> {
    if (budget < MIN_PART_BUDGET) {
      throw new InferenceError(
        'context_too_small',
        `Part ${part.index} does not fit the model's context, even cut in pieces of ${Math.round(budget * 2)} tokens.`,
      );
    }
    const lines = part.text.split('\n');
    // Each line's paragraph: the one its label names, else (the rest of a cut paragraph) the one before it.
    const owners: number[] = [];
    for (const line of lines) owners.push(lineLabel(line) ?? owners.at(-1) ?? part.first);
    const [planned] = await this.generator.plan(
      lines.map((text) => ({ text, style: 'Normal' as const })),
      [Math.floor(budget)],
    );
    const records: PartRecord[] = [];
    for (const piece of planned) {
      if (records.length > 0) run.out.push({ type: 'delta', text: '\n', part: part.index });
      const first = owners[piece.first];
      // A piece that starts inside a paragraph gets that paragraph's label, so that its points can cite it.
      const text = lineLabel(piece.text) === null ? `${paragraphLabel(first)} ${piece.text}` : piece.text;
      const record = await this.summarizePart({ index: part.index, of: part.of, first, text }, budget, run);
      if (record === null) return null;
      records.push(record);
    }
    return { summary: records.map((r) => r.summary).join('\n'), points: records.flatMap((r) => r.points) };
  }

  /**
   * Combines part summaries into the final summary and its points; returns null when cancelled. The "section by
   * section" style is the section summaries themselves; the others are written from them, after intermediate
   * combine steps when they do not fit one prompt. Every step sees the points' citations and, where the context
   * has room, the cited paragraphs themselves.
   */
  private async reduce(
    sections: SectionSummary[],
    options: ResolvedOptions,
    run: ReduceRun,
  ): Promise<{ summary: string; points: SummaryPoint[] } | null> {
    const { out, signal, partMax, finalMax } = run;
    if (options.style === 'sections') {
      let text = '';
      for (const [i, s] of sections.entries()) {
        const block = `${i > 0 ? '\n\n' : ''}${s.title}\n${s.summary.trim()}`;
        text += block;
        out.push({ type: 'delta', text: block });
      }
      return { summary: text, points: sections.flatMap((s) => s.points) };
    }
    let items = sections;
    for (;;) {
      if (signal.aborted) return null;
      const shown = new CitationFilter();
      const summariesText = renderPartSummaries(items.map(withCitations));
      const result = await this.combineStep(
        (sources) => buildFinalMessages(summariesText, options, sources),
        items.flatMap((s) => s.points),
        finalMax,
        run,
        (delta) => pushDelta(out, shown.push(delta)),
        () => out.push({ type: 'progress', stage: 'reduce', part: 1, of: 1 }),
      );
      if (result.stopReason === 'cancelled') return null;
      if (result.stopReason !== 'too_long') {
        pushDelta(out, shown.end());
        return {
          summary: stripCitations(result.text),
          points: run.check.attributeAll(parsePoints(result.text, run.count)),
        };
      }
      // Too many summaries for one prompt: combine neighbours into groups that fit, then try again.
      const [overhead] = await this.generator.countTokens([buildCombineMessages('')]);
      const [groups] = await this.generator.plan(
        items.map((s) => ({ text: `## ${s.title}\n${withCitations(s).summary}`, style: 'Normal' as const })),
        [run.context - overhead - partMax - MARGIN],
      );
      if (groups.length >= items.length) {
        throw new InferenceError(
          'context_too_small',
          'The part summaries cannot be combined within the model context.',
        );
      }
      const next: SectionSummary[] = [];
      for (const [g, group] of groups.entries()) {
        out.push({ type: 'progress', stage: 'reduce', part: g + 1, of: groups.length });
        const cited = items.slice(group.first, group.last + 1).flatMap((s) => s.points);
        const combined = await this.combineStep(
          (sources) => buildCombineMessages(group.text, sources),
          cited,
          partMax,
          run,
          null,
        );
        if (combined.stopReason === 'cancelled') return null;
        if (combined.stopReason === 'too_long') {
          throw new InferenceError(
            'context_too_small',
            'The part summaries cannot be combined within the model context.',
          );
        }
        const first = items[group.first].title;
        const last = items[group.last].title;
        // Points whose citations the model dropped get the best of what the combined summaries cited.
        const union = [...new Set(cited.flatMap((p) => p.sources))];
        next.push({
          title: first === last ? first : `${first} – ${last}`,
          summary: stripCitations(combined.text).trim(),
          points: run.check.attributeAll(parsePoints(combined.text, run.count), union),
        });
      }
      items = next;
    }
  }

  /**
   * One combining generation, given back the text of the paragraphs its points cite as far as the context has
   * room ("refine with source"); asked again without them if the generator still refuses the prompt.
   */
  private async combineStep(
    messages: (sourcesText: string) => ChatMessage[],
    cited: readonly SummaryPoint[],
    maxNewTokens: number,
    run: ReduceRun,
    onDelta: ((text: string) => void) | null,
    onStart?: () => void,
  ): Promise<Generation | PromptTooLong> {
    const base = messages('');
    const limits = { maxNewTokens, minNewTokens: maxNewTokens };
    const sources = await sourcesThatFit(
      this.generator,
      base,
      byCitations(cited),
      run.source,
      run.context - maxNewTokens - MARGIN,
      Math.floor(run.context * MAX_SOURCE_SHARE),
    );
    const result = await run.generate(sources ? messages(sources) : base, limits, onDelta, onStart);
    if (result.stopReason !== 'too_long' || !sources) return result;
    return run.generate(base, limits, onDelta, onStart);
  }

  private startEvent(
    request: SummaryRequest,
    plan: {
      paragraphs: number;
      parts: number;
      inputTokens: number;
      cachedParts: number;
      prefillTokens: number;
      decodeTokens: number;
    },
  ): SummaryEvent {
    const estimate = this.rates
      ? plan.prefillTokens / this.rates.prefill + plan.decodeTokens / this.rates.decode
      : undefined;
    const info = this.generator.info();
    return {
      type: 'start',
      requestId: request.requestId,
      model: info.model,
      device: info.device,
      ...(this.options.backend ? { backend: this.backend() } : {}),
      plan: {
        parts: plan.parts,
        paragraphs: plan.paragraphs,
        inputTokens: plan.inputTokens,
        cachedParts: plan.cachedParts,
        ...(estimate !== undefined ? { estimatedSeconds: Math.round(estimate * 10) / 10 } : {}),
      },
    };
  }

  /** How long the model took to load, where the generator loads one here. */
  private loadMs(): number {
    const g: TextGenerator = this.generator;
    return g instanceof LocalGenerator ? g.worker.loadMs : 0;
  }

  /** Keeps a moving average of this device's prefill and decode rates. */
  private learnRates(result: Generation): void {
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
    return this.generator.close();
  }
}

/** Adds one generation's upstream usage to the run's. */
function addUpstream(sum: Usage['upstream'], one: UpstreamGenerationUsage): NonNullable<Usage['upstream']> {
  const r = one.reported;
  const s = sum ?? {
    requests: 0,
    reportedRequests: 0,
    promptTokens: 0,
    completionTokens: 0,
    cachedPromptTokens: 0,
    estimatedPromptTokens: 0,
    deltas: 0,
  };
  return {
    requests: s.requests + 1,
    reportedRequests: s.reportedRequests + (r ? 1 : 0),
    promptTokens: s.promptTokens + (r?.promptTokens ?? 0),
    completionTokens: s.completionTokens + (r?.completionTokens ?? 0),
    cachedPromptTokens: s.cachedPromptTokens + (r?.cachedTokens ?? 0),
    estimatedPromptTokens: s.estimatedPromptTokens + one.estimatedPromptTokens,
    deltas: s.deltas + one.deltas,
  };
}

/** The summarizer over the model on this machine (the engine's default). */
export function localSummarizer(
  options: LocalGeneratorOptions & SummarizerOptions,
): DocumentSummarizer<LocalGenerator> {
  return new DocumentSummarizer(new LocalGenerator(options), options);
}
