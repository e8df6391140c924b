/**
 * Long documents end to end on the tiny model over HTTPS: a 50,000-word document is planned, mapped part by part
 * (streamed and reported per section), reduced as often as the sizes require, and a second run after a
 * one-paragraph edit recomputes exactly one part.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import type { Paragraph, SummaryEvent } from '../../localhost-engine/api/schemas';
import { loadTokenizer, promptTokenIds } from '../../localhost-engine/inference/tokenizer';
import {
  buildFinalMessages,
  MAX_NEW_TOKENS,
  renderPartSummaries,
} from '../../localhost-engine/summarize/prompt';
import { localSummarizer } from '../../localhost-engine/summarize/document-summarizer';
import { coverage, licenceDocument } from '../helpers/long-document';
import { collect, startTestEngine, summarizeStream, type TestEngine } from '../helpers/test-engine';

type Of<T extends SummaryEvent['type']> = Extract<SummaryEvent, { type: T }>;

describe('a 50,000-word document', () => {
  let engine: TestEngine;
  let doc: Paragraph[];
  let first: SummaryEvent[];

  beforeAll(async () => {
    const modelDir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const summarizer = localSummarizer({
      modelDir,
      device: 'cpu',
      cacheDir: mkdtempSync(path.join(os.tmpdir(), 'ls-cache-')),
    });
    engine = await startTestEngine(modelDir, { summarizer });
    doc = licenceDocument(50_000);
    first = (
      await collect(
        await summarizeStream(engine, { document: { paragraphs: doc }, options: { length: 'long' } }),
      )
    ).map((e) => e.event);
  });
  afterAll(async () => engine.close());

  it('announces the plan first, then covers every paragraph exactly once in section events', () => {
    // Only model-loading progress may come before the plan.
    const at = first.findIndex((e) => e.type === 'start');
    expect(first.slice(0, at).every((e) => e.type === 'progress' && e.stage === 'load')).toBe(true);
    const start = first[at] as Of<'start'>;
    expect(start.plan.paragraphs).toBe(doc.length);
    expect(start.plan.parts).toBeGreaterThan(10);
    expect(start.plan.cachedParts).toBe(0);
    const sections = first.filter((e): e is Of<'section'> => e.type === 'section');
    expect(sections.map((s) => s.part)).toEqual(Array.from({ length: start.plan.parts }, (_, i) => i + 1));
    expect(
      coverage(
        sections.map((s) => s.paragraphs),
        doc.length,
      ).every((h) => h === 1),
    ).toBe(true);
    expect(sections[0].title).toBe('Copy 1');
  });

  it('streams each part as it is summarized, the first part before anything else is done', () => {
    const firstDelta = first.findIndex((e) => e.type === 'delta');
    const firstSection = first.findIndex((e) => e.type === 'section');
    expect(firstDelta).toBeGreaterThan(0);
    expect(firstDelta).toBeLessThan(firstSection);
    expect((first[firstDelta] as Of<'delta'>).part).toBe(1);
  });

  it('reduces as often as the sizes require, and the final summary streams last and ends in done', async () => {
    const sections = first.filter((e): e is Of<'section'> => e.type === 'section');
    const tokenizer = await loadTokenizer(
      await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' }),
    );
    const finalPrompt = promptTokenIds(
      tokenizer,
      buildFinalMessages(renderPartSummaries(sections), { style: 'key-points', length: 'long' }),
    ).length;
    const needsCombining = finalPrompt + MAX_NEW_TOKENS.long > 4096;
    const reduceSteps = first.filter(
      (e): e is Of<'progress'> => e.type === 'progress' && e.stage === 'reduce',
    );
    const combineSteps = reduceSteps.filter((e) => e.of > 1);
    expect(combineSteps.length > 0).toBe(needsCombining);
    expect(needsCombining).toBe(true); // 19+ part summaries of up to 260 tokens cannot fit one 4k prompt
    expect(reduceSteps[reduceSteps.length - 1]).toMatchObject({ part: 1, of: 1 });

    const done = first[first.length - 1] as Of<'done'>;
    expect(done.type).toBe('done');
    const lastSection = first.map((e) => e.type).lastIndexOf('section');
    const finalDeltas = first.slice(lastSection).filter((e): e is Of<'delta'> => e.type === 'delta');
    expect(finalDeltas.every((d) => d.part === undefined)).toBe(true);
    expect(finalDeltas.map((d) => d.text).join('')).toBe(done.summary);
    expect(done.usage.parts).toBe(sections.length);
    expect(done.usage.inputTokens).toBeGreaterThan(
      (first.find((e) => e.type === 'start') as Of<'start'>).plan.inputTokens,
    );
  });

  it('after a one-paragraph edit, recomputes exactly the part that holds it and reuses the rest', async () => {
    const target = doc.findIndex(
      (p, i) => i > doc.length / 2 && p.style === 'Normal' && /\bthe\b/.test(p.text),
    );
    const edited = doc.map((p, i) => (i === target ? { ...p, text: p.text.replace(/\bthe\b/, 'that') } : p));
    const second = (
      await collect(
        await summarizeStream(engine, { document: { paragraphs: edited }, options: { length: 'long' } }),
      )
    ).map((e) => e.event);
    const start = second.find((e) => e.type === 'start') as Of<'start'>;
    expect(start.plan.cachedParts).toBe(start.plan.parts - 1);
    const sections = second.filter((e): e is Of<'section'> => e.type === 'section');
    const recomputed = new Set(
      second.flatMap((e) => (e.type === 'delta' && e.part !== undefined ? [e.part] : [])),
    );
    expect(recomputed.size).toBe(1);
    const [part] = [...recomputed];
    const range = sections[part - 1].paragraphs;
    expect(range[0] <= target && target <= range[1]).toBe(true);
    const done = second[second.length - 1] as Of<'done'>;
    expect(done).toMatchObject({ type: 'done', usage: { cachedParts: start.plan.parts - 1 } });
  });
});
