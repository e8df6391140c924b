/**
 * The planner with the real Phi-3 tokenizer: coverage, budgets by real token counts, and the edge cases of
 * the long-document issue.
 */
import path from 'node:path';
import type { Paragraph } from '../../../localhost-engine/api/schemas';
import {
  loadTokenizer,
  promptTokenIds,
  type ChatTokenizer,
} from '../../../localhost-engine/inference/tokenizer';
import { planParts, type TokenCounter } from '../../../localhost-engine/summarize/chunker';
import { buildPartMessages, PART_MAX_NEW_TOKENS } from '../../../localhost-engine/summarize/prompt';
import { coverage, licenceDocument } from '../../helpers/long-document';

const CONTEXT = 4096;
let tokenizer: ChatTokenizer;
let counter: TokenCounter;
let budget: number;

beforeAll(async () => {
  tokenizer = await loadTokenizer(path.join(__dirname, '../../../models/tokenizer/phi3'));
  counter = {
    count: (t) => tokenizer.encode(t).length,
    cut: (t, max) => {
      const ids = tokenizer.encode(t);
      const out: string[] = [];
      for (let i = 0; i < ids.length; i += max) out.push(tokenizer.decode(ids.slice(i, i + max)));
      return out;
    },
  };
  // The engine's own arithmetic (document-summarizer.ts): context − prompt overhead − part answer − margin.
  const overhead = promptTokenIds(tokenizer, buildPartMessages('', 999, 999)).length;
  budget = CONTEXT - overhead - PART_MAX_NEW_TOKENS.medium - 8;
});

function promptFits(text: string, index: number, of: number): boolean {
  const prompt = promptTokenIds(tokenizer, buildPartMessages(text, index, of)).length;
  return prompt + PART_MAX_NEW_TOKENS.medium <= CONTEXT;
}

const para = (text: string, extra: Partial<Paragraph> = {}): Paragraph => ({
  text,
  style: 'Normal',
  ...extra,
});

describe('planParts', () => {
  it('covers every paragraph of a 50,000-word document exactly once, each prompt within the context', () => {
    const doc = licenceDocument(50_000);
    const parts = planParts(doc, counter, budget);
    expect(parts.length).toBeGreaterThan(10);
    expect(
      coverage(
        parts.map((p) => [p.first, p.last]),
        doc.length,
      ).every((h) => h === 1),
    ).toBe(true);
    for (const part of parts) expect(promptFits(part.text, part.index, parts.length)).toBe(true);
    // Parts follow the structure: every "Copy N" heading starts a part.
    const copyStarts = doc.flatMap((p, i) => (p.style === 'Heading1' ? [i] : []));
    for (const i of copyStarts)
      expect(parts.some((p) => p.first === i || (i === 0 && p.first === 0))).toBe(true);
  });

  it('splits a paragraph longer than the whole context into parts that each fit and name it', () => {
    const long = Array.from(
      { length: 900 },
      (_, i) => `Clause ${i} obliges the supplier to deliver item ${i} on time.`,
    ).join(' ');
    const doc = [para('Intro', { style: 'Heading1', outlineLevel: 1 }), para(long), para('The end.')];
    expect(counter.count(long)).toBeGreaterThan(CONTEXT);
    const parts = planParts(doc, counter, budget);
    const pieces = parts.filter((p) => p.first === 1 && p.last === 1);
    expect(pieces.length).toBeGreaterThan(1);
    for (const part of parts) expect(promptFits(part.text, part.index, parts.length)).toBe(true);
    // Nothing dropped: the pieces hold every clause, in order.
    const joined = parts.map((p) => p.text).join(' ');
    expect(joined).toContain('Clause 0 ');
    expect(joined).toContain('Clause 899 ');
  });

  it('splits a paragraph of many segmentation windows without losing, doubling or reordering a character', () => {
    // 60,000 characters of sentences of varied length: sentences straddle the segmenter's windows.
    const long = Array.from({ length: 1500 }, (_, i) => `Item ${i} ${'is due '.repeat(i % 7)}today.`).join(
      ' ',
    );
    expect(long.length).toBeGreaterThan(40_000);
    const parts = planParts([para(long)], counter, budget);
    expect(parts.length).toBeGreaterThan(3);
    expect(parts.map((p) => p.text).join('')).toBe(long);
    for (const part of parts) expect(counter.count(part.text)).toBeLessThanOrEqual(budget);
  });

  it('cuts a single sentence longer than the budget at token boundaries', () => {
    const sentence = Array.from({ length: 5000 }, (_, i) => `w${i}`).join(' ');
    const parts = planParts([para(sentence)], counter, budget);
    expect(parts.length).toBeGreaterThan(1);
    for (const part of parts) expect(counter.count(part.text)).toBeLessThanOrEqual(budget);
  });

  it('makes one part of a one-word document and of headings with no body', () => {
    expect(planParts([para('Hello')], counter, budget)).toMatchObject([
      { index: 1, first: 0, last: 0, text: 'Hello' },
    ]);
    const headings = [1, 2, 3].map((l) =>
      para(`Heading ${l}`, { style: `Heading${l}` as Paragraph['style'], outlineLevel: l }),
    );
    expect(planParts(headings, counter, budget)).toMatchObject([{ first: 0, last: 2, title: 'Heading 1' }]);
  });

  it('covers 10,000 one-line paragraphs in order', () => {
    const doc = Array.from({ length: 10_000 }, (_, i) => para(`Line ${i} of the register.`));
    const parts = planParts(doc, counter, budget);
    expect(parts.length).toBeGreaterThan(1);
    expect(
      coverage(
        parts.map((p) => [p.first, p.last]),
        doc.length,
      ).every((h) => h === 1),
    ).toBe(true);
    expect(parts[0].text.startsWith('Line 0 ')).toBe(true);
    for (const part of parts) expect(counter.count(part.text)).toBeLessThanOrEqual(budget);
  });

  it('keeps a table-only document in reading order', () => {
    const doc = Array.from({ length: 12 }, (_, i) =>
      para(`Row ${Math.floor(i / 3)} cell ${i % 3}`, { inTable: true }),
    );
    const [only] = planParts(doc, counter, budget);
    expect(only.text.split('\n')).toEqual(doc.map((p) => `| ${p.text}`));
  });

  it('stretches ranges over empty paragraphs so there are no holes', () => {
    const doc = [para(''), para('A'), para('  '), para('B'), para('')];
    expect(planParts(doc, counter, budget)).toMatchObject([{ first: 0, last: 4 }]);
  });

  it('changes only the part that holds an edited paragraph', () => {
    const doc = licenceDocument(20_000);
    const before = planParts(doc, counter, budget);
    const target = Math.floor(doc.length / 2);
    const edited = doc.map((p, i) => (i === target ? { ...p, text: p.text.replace(/\bthe\b/, 'that') } : p));
    expect(edited[target].text).not.toBe(doc[target].text);
    const after = planParts(edited, counter, budget);
    expect(after.length).toBe(before.length);
    const changed = after.filter((p, i) => p.text !== before[i].text);
    expect(changed).toHaveLength(1);
    expect(changed[0].first <= target && target <= changed[0].last).toBe(true);
  });

  it('refuses a budget too small to be useful', () => {
    expect(() => planParts([para('x')], counter, 8)).toThrow(RangeError);
  });
});
