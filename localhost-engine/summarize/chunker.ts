/**
 * Splits a document into parts whose prompts fit the model's context, following the document's structure:
 * at headings first, then between paragraphs, then between sentences; a sentence is cut only when it alone
 * exceeds the budget. Counts are the model's real token counts. Parts cover contiguous paragraph ranges, in
 * reading order (tables and lists stay where they are), and every paragraph belongs to exactly one part unless
 * it is itself longer than a part, in which case each of its pieces names it.
 */
import type { Paragraph } from '../api/schemas';
import { headingLevel, renderParagraph } from './prompt';

/** The tokenizer operations the planner needs. */
export interface TokenCounter {
  count(text: string): number;
  /** Cuts `text` into pieces of at most `maxTokens` tokens each (token boundaries, text preserved). */
  cut(text: string, maxTokens: number): string[];
}

export interface Part {
  /** 1-based, in reading order. */
  index: number;
  /** Inclusive paragraph indices into the request's paragraphs. */
  first: number;
  last: number;
  /** The heading the part starts under (or "Part i" before any heading). */
  title: string;
  text: string;
  tokens: number;
}

interface Unit {
  first: number;
  last: number;
  title: string;
  text: string;
  tokens: number;
  /** Heading level that starts this unit (1 = Title/Heading 1), or null for body text. */
  level: number | null;
}

const SEGMENTER = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Characters segmented at a time: V8 copies the whole input into every segment it yields. */
const SEGMENT_WINDOW = 4096;

/**
 * The sentences of `text`, in order, found window by window: each window's last sentence, which the window may have
 * cut, is carried into the next (a run-on sentence longer than a window is given out in window-sized pieces).
 */
function* sentences(text: string): Generator<string> {
  let carry = '';
  for (let start = 0; start < text.length; start += SEGMENT_WINDOW) {
    const end = start + SEGMENT_WINDOW >= text.length;
    const found = Array.from(
      SEGMENTER.segment(carry + text.slice(start, start + SEGMENT_WINDOW)),
      (x) => x.segment,
    );
    carry = end ? '' : (found.pop() ?? '');
    if (carry.length > SEGMENT_WINDOW) {
      found.push(carry);
      carry = '';
    }
    for (const sentence of found) if (sentence.length > 0) yield sentence;
  }
  if (carry) yield carry;
}

/**
 * Packs consecutive pieces greedily into groups whose estimated size stays within `budget`. The estimate is the
 * pieces' own counts plus two tokens per joint: measured on the Phi-3 tokenizer, joining lines with "\n" costs
 * 1.00–1.03 tokens per joint (the newline, and now and then a word that loses its leading-space merge), so two
 * per joint is an upper bound with room to spare, and a long part never needs a second, slow, full encode.
 */
function pack<T extends { tokens: number }>(items: T[], budget: number): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let estimate = 0;
  for (const item of items) {
    if (current.length > 0 && estimate + item.tokens + JOINT > budget) {
      groups.push(current);
      current = [];
      estimate = 0;
    }
    current.push(item);
    estimate += item.tokens + JOINT;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Tokens counted per joint between two pieces (see `pack`). */
const JOINT = 2;

function estimate(units: Unit[]): number {
  return units.reduce((n, u) => n + u.tokens + JOINT, 0);
}

/**
 * The longest token of the Phi-3 vocabulary is 16 characters, so a text of more than 16 × n characters has more
 * than n tokens: over-long text is recognised without encoding it whole, which for BPE on one huge word costs
 * far more than encoding the same text in pieces.
 */
export const MAX_CHARS_PER_TOKEN = 16;

/** Cuts `text` into windows of about `size` characters, at whitespace where there is some near the cut. */
function windows(text: string, size: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (text.length - start > size) {
    let end = start + size;
    const space = text.lastIndexOf(' ', end);
    if (space > start + size / 2) end = space + 1;
    out.push(text.slice(start, end));
    start = end;
  }
  out.push(text.slice(start));
  return out;
}

/**
 * Consecutive sentences joined into runs of at most `size` characters (a longer sentence is a run of its own):
 * each encode call has a fixed cost, and a million-character paragraph has tens of thousands of sentences.
 */
function sentenceRuns(text: string, size: number): string[] {
  const out: string[] = [];
  let run = '';
  for (const sentence of sentences(text)) {
    if (run && run.length + sentence.length > size) {
      out.push(run);
      run = '';
    }
    run += sentence;
  }
  if (run) out.push(run);
  return out;
}

/** Splits one over-long paragraph into pieces that fit, at sentence boundaries where possible. */
function splitParagraph(unit: Unit, budget: number, counter: TokenCounter): Unit[] {
  const pieces: Array<{ text: string; tokens: number }> = [];
  // A run of `budget` characters fits unless its text has more tokens than characters (byte-fallback scripts).
  for (const sentence of sentenceRuns(unit.text, budget)) {
    // A sentence without end (a table dump, a run-on paragraph) is encoded window by window, never whole.
    for (const piece of windows(sentence, budget * 4)) {
      const tokens = counter.count(piece);
      if (tokens <= budget) pieces.push({ text: piece, tokens });
      // Re-encoding a cut piece can cost a token or two more (the tokenizer's leading-space prefix): cut short.
      else
        for (const cut of counter.cut(piece, budget - 8))
          pieces.push({ text: cut, tokens: counter.count(cut) });
    }
  }
  const out: Unit[] = [];
  const emit = (group: Array<{ text: string; tokens: number }>): void => {
    // The same bound as `pack`: the pieces' own counts plus two per joint (here joints are mid-line).
    out.push({
      ...unit,
      text: group.map((p) => p.text).join(''),
      tokens: group.reduce((n, p) => n + p.tokens + JOINT, 0),
    });
  };
  for (const group of pack(pieces, budget)) emit(group);
  return out;
}

function joinUnits(units: ReadonlyArray<{ text: string }>): string {
  return units.map((u) => u.text).join('\n');
}

/**
 * Groups units into parts: a unit starting with a heading at `level` or above starts a new section; sections
 * that fit are merged with their neighbours while the result fits; sections that don't are split at the next
 * heading level, then between paragraphs.
 */
function partition(units: Unit[], budget: number, counter: TokenCounter, level: number): Unit[][] {
  if (units.length === 0) return [];
  if (estimate(units) <= budget) return [units];

  const headingLevels = units.map((u) => u.level).filter((l): l is number => l !== null && l >= level);
  if (headingLevels.length === 0) {
    // No more structure: pack paragraphs, splitting any that alone exceed the budget.
    const pieces = units.flatMap((u) => (u.tokens > budget ? splitParagraph(u, budget, counter) : [u]));
    return pack(pieces, budget);
  }
  const top = Math.min(...headingLevels);
  const sections: Unit[][] = [];
  for (const unit of units) {
    if (sections.length === 0 || (unit.level !== null && unit.level <= top)) sections.push([]);
    sections[sections.length - 1].push(unit);
  }
  const out: Unit[][] = [];
  let current: Unit[] = [];
  for (const section of sections) {
    const parts = partition(section, budget, counter, top + 1);
    if (parts.length === 1) {
      const merged = [...current, ...parts[0]];
      if (current.length > 0 && estimate(merged) > budget) {
        out.push(current);
        current = parts[0];
      } else current = merged;
    } else {
      if (current.length > 0) out.push(current);
      current = [];
      out.push(...parts);
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/**
 * Plans the parts of `paragraphs` for prompts of at most `budget` document tokens each.
 *
 * Guarantees: parts are in reading order; their paragraph ranges are contiguous, ascending and together cover
 * every index from 0 to the last; each part's text counts at most `budget` tokens (by the bound of `pack`, which
 * the tests check against real counts); empty paragraphs are covered by the part around them but add no text.
 * @throws RangeError when `budget` is below 16 tokens (no useful prompt fits).
 */
export function planParts(paragraphs: readonly Paragraph[], counter: TokenCounter, budget: number): Part[] {
  if (budget < 16)
    throw new RangeError(`A part budget of ${budget} tokens is too small to summarize anything.`);
  const units: Unit[] = [];
  let title = '';
  paragraphs.forEach((p, i) => {
    const level = headingLevel(p);
    const text = renderParagraph(p);
    if (level !== null && p.text.trim()) title = p.text.trim();
    if (!text) return;
    const tokens =
      text.length > budget * MAX_CHARS_PER_TOKEN
        ? Math.ceil(text.length / MAX_CHARS_PER_TOKEN)
        : counter.count(text);
    units.push({ first: i, last: i, title, text, tokens, level });
  });
  const parts: Part[] = partition(units, budget, counter, 1).map((group, k) => ({
    index: k + 1,
    first: group[0].first,
    last: group[group.length - 1].last,
    title: group[0].title || `Part ${k + 1}`,
    text: joinUnits(group),
    // The bound of `pack`, not a fresh encode: an upper estimate of the part's real count.
    tokens: estimate(group),
  }));
  // Stretch the ranges over empty paragraphs between parts (and at both ends), so coverage has no holes.
  if (parts.length > 0) {
    parts[0].first = 0;
    for (let k = 1; k < parts.length; k++) {
      if (parts[k].first > parts[k - 1].last + 1) parts[k - 1].last = parts[k].first - 1;
    }
    parts[parts.length - 1].last = Math.max(parts[parts.length - 1].last, paragraphs.length - 1);
  }
  return parts;
}
