/**
 * Citations between the model and the document: paragraphs are labelled `[¶n]` in prompts (n is the 1-based number a
 * reader sees, ¶n is paragraph index n − 1), the model ends each point with the labels it rests on, and this module
 * reads them back. Reading is forgiving — `[¶3]`, `[3]`, `[¶3, ¶5]`, `[¶3–5]`, `(¶3)` and a bare `¶3` are all
 * citations; malformed, unterminated or out-of-range ones are dropped — and the text a user sees never holds one.
 */
import type { Paragraph } from '../api/schemas';

/** A point of a summary as the model wrote it: its text without markers, and the paragraph indices it cited. */
export interface CitedPoint {
  text: string;
  sources: number[];
}

/** The label of paragraph `index` in prompts and in the CLI's `--citations` output. */
export function paragraphLabel(index: number): string {
  return `[¶${index + 1}]`;
}

/** A list of labels for several paragraphs: `[¶3, ¶5]`; empty for none. */
export function citationText(indices: readonly number[]): string {
  return indices.length === 0 ? '' : `[${indices.map((i) => `¶${i + 1}`).join(', ')}]`;
}

/** Copies of `paragraphs` with their label in front of the text; paragraphs without text stay as they are. */
export function labelParagraphs(paragraphs: readonly Paragraph[]): Paragraph[] {
  return paragraphs.map((p, i) => (p.text.trim() ? { ...p, text: `${paragraphLabel(i)} ${p.text}` } : p));
}

/** A heading's text without the label that {@link labelParagraphs} put in front of it. */
export function stripLabel(text: string): string {
  return text.replace(/^\[¶\d+\]\s*/, '');
}

/**
 * The paragraph a rendered line of a prompt starts with (`# [¶3] …`, `- [¶3] …`, `| [¶3] …` or `[¶3] …`), as its
 * index; null for a line without a label in front (the rest of a paragraph cut between parts, or an empty one).
 */
export function lineLabel(line: string): number | null {
  const m = /^(?:#{1,6} |- |\| )?\[¶(\d+)\]/.exec(line);
  return m ? Number(m[1]) - 1 : null;
}

// One cited number or range: "¶3", "3", "¶3–5", "¶3-¶5".
const ITEM = String.raw`¶?\s*\d{1,6}(?:\s*[-–—]\s*¶?\s*\d{1,6})?`;
const SEP = String.raw`\s*(?:[,;&]|\band\b)\s*`;
const LIST = `${ITEM}(?:${SEP}${ITEM})*`;
// "[…]" with numbers; "(…)" only when a ¶ says it is a citation, since "(3)" is often the document's own text.
const BRACKETED = String.raw`\[\s*${LIST}\s*\]`;
const PARENTHESIZED = String.raw`\(\s*¶${LIST}\s*\)`;
// One bare item: a list of them ("¶3, ¶4") is a run, so that a text splits into markers one way only (no regex here
// can then backtrack exponentially on a long list the model wrote).
const BARE = String.raw`¶\s?\d{1,6}(?:\s*[-–—]\s*¶?\d{1,6})?`;
const MARKER = `(?:${BRACKETED}|${PARENTHESIZED}|${BARE})`;
/** Markers next to each other ("[¶3][¶4]", "[¶3], [¶4]") are one run. */
const RUN = `${MARKER}(?:[ \\t]*[,;]?[ \\t]*${MARKER})*`;
/** An unterminated marker at the end of a line ("… rent [¶3, ¶"), which the model was cut off in. */
const DANGLING = String.raw`[ \t]*[[(]\s*¶[\d\s,;&¶–—-]*$`;
/** An opened marker that other text follows instead of its end ("… [¶ and …"): dropped up to that text. */
const BROKEN = String.raw`[ \t]*[[(]\s*¶[\d\s,;&¶–—-]*?(?=\s*(?:[^\d\s,;&¶–—\])-]))`;

const RUN_RE = new RegExp(RUN, 'giu');
const HAS_RUN_RE = new RegExp(RUN, 'u');
const ANY_RE = new RegExp(`[ \\t]*${RUN}|${DANGLING}|${BROKEN}`, 'gimu');
const LEADING_RUN_RE = new RegExp(`^[ \\t]*${RUN}[ \\t]*`, 'u');
const TRAILING_RUN_RE = new RegExp(`(?:${RUN})$`, 'u');

/** The most paragraphs one range may name ("¶3–9000" names none: it is not a citation anyone meant). */
const MAX_RANGE = 50;

/** The paragraph indices a text cites, in order of appearance, without repeats; only those below `count`. */
export function citedIndices(text: string, count: number): number[] {
  const out: number[] = [];
  const seen = new Set<number>();
  for (const match of text.matchAll(RUN_RE)) {
    for (const [, a, b] of match[0].matchAll(/(\d{1,6})(?:\s*[-–—]\s*¶?\s*(\d{1,6}))?/g)) {
      const from = Number(a);
      const to = b === undefined ? from : Number(b);
      if (to < from || to - from >= MAX_RANGE) continue;
      for (let n = from; n <= to; n++) {
        const index = n - 1;
        if (index >= 0 && index < count && !seen.has(index)) {
          seen.add(index);
          out.push(index);
        }
      }
    }
  }
  return out;
}

/**
 * The text without citation markers. A marker followed by punctuation or the line's end goes with the spaces before
 * it ("rent [¶3]." → "rent."); one followed by words goes with the spaces after it ("- [¶3] The" → "- The").
 * Guarantees: idempotent; the result for a prefix cut at {@link stableLength} is a prefix of the whole text's.
 */
export function stripCitations(text: string): string {
  let out = '';
  let at = 0;
  for (const match of text.matchAll(ANY_RE)) {
    const start = match.index;
    if (start < at) continue;
    const end = start + match[0].length;
    const spacesAfter = /^[ \t]*/.exec(text.slice(end))![0].length;
    const wordAfter = /^[\p{L}\p{N}"“‘(]/u.test(text.slice(end + spacesAfter));
    // Followed by words: keep the spaces before the marker, drop those after it, so words stay apart.
    out += text.slice(at, start) + (wordAfter ? /^[ \t]*/.exec(match[0])![0] : '');
    at = wordAfter ? end + spacesAfter : end;
  }
  return out + text.slice(at);
}

/**
 * How much of a text being streamed can be shown: everything before a marker that may still be growing, a marker
 * run whose spaces are not yet decided, or spaces a marker may yet follow. What is cut there stays stable.
 */
export function stableLength(text: string): number {
  let end = text.length;
  for (;;) {
    const before = end;
    const head = text.slice(0, end);
    end = head.replace(/[\s,;]+$/u, '').length;
    const run = TRAILING_RUN_RE.exec(text.slice(0, end));
    if (run) end = run.index;
    const partial = /[[(¶][^[(¶\n]{0,40}$/u.exec(text.slice(0, end));
    if (partial && isPartialMarker(partial[0])) end = partial.index;
    if (end === before) return end;
  }
}

/** Whether `tail` (starting at "[", "(" or "¶") could still become a citation marker as more text arrives. */
function isPartialMarker(tail: string): boolean {
  if (tail.startsWith('(')) return /^\(\s*(?:¶[\d\s,;&¶–—-]*(?:a|an|and?)?)?$/u.test(tail);
  if (tail.startsWith('[')) return /^\[\s*[\d\s,;&¶–—-]*(?:a|an|and?)?$/u.test(tail);
  return /^¶\s?[\d\s,¶–—-]*$/u.test(tail);
}

/**
 * Removes citation markers from text that arrives in pieces, so each piece can be shown at once: `push` returns
 * what may be shown now, `end` the rest. Guarantees: the pieces together equal `stripCitations` of the whole text.
 */
export class CitationFilter {
  private raw = '';
  private shown = '';

  push(delta: string): string {
    this.raw += delta;
    return this.advance(stripCitations(this.raw.slice(0, stableLength(this.raw))));
  }

  end(): string {
    return this.advance(stripCitations(this.raw));
  }

  /** The whole text as written, markers included. */
  get text(): string {
    return this.raw;
  }

  private advance(clean: string): string {
    if (!clean.startsWith(this.shown) || clean.length === this.shown.length) return '';
    const next = clean.slice(this.shown.length);
    this.shown = clean;
    return next;
  }
}

const BULLET = /^\s*(?:[-*•‣◦▪]|\d{1,3}[.)])\s+/;
const SENTENCES = new Intl.Segmenter('en', { granularity: 'sentence' });

/** Whether a text holds citation markers and nothing else (but spaces and separators). */
function onlyMarkers(text: string): boolean {
  return HAS_RUN_RE.test(text) && !/[\p{L}\p{N}]/u.test(stripCitations(text));
}

/** A line that reads as a title rather than a claim: short, without a sentence's end, citing nothing. */
function isTitleLine(line: string): boolean {
  const words = line.trim().split(/\s+/).length;
  return words <= 12 && !/[.!?;:)"”']\s*$/.test(line.trim()) && citedIndices(line, Infinity).length === 0;
}

/**
 * The points of a summary as the model wrote it: a bullet line is one point, other lines are split into sentences,
 * and title lines (as in "section by section") are not points. Markers at the start of a sentence belong to the
 * sentence before it ("… rent. [¶3] The …"), and a line of markers alone to the point above it. Never throws.
 */
export function parsePoints(raw: string, paragraphCount: number): CitedPoint[] {
  const points: Array<{ raw: string; cites: string }> = [];
  for (const line of raw.split(/\r?\n/)) {
    if (!line.trim()) continue;
    if (onlyMarkers(line)) {
      if (points.length > 0) points[points.length - 1].cites += line;
      continue;
    }
    if (BULLET.test(line)) {
      points.push({ raw: line.replace(BULLET, ''), cites: '' });
      continue;
    }
    if (isTitleLine(stripCitations(line))) continue;
    let first = true;
    for (const { segment } of SENTENCES.segment(line)) {
      const lead = LEADING_RUN_RE.exec(segment);
      let sentence = segment;
      if (lead && !first && points.length > 0) {
        points[points.length - 1].cites += lead[0];
        sentence = segment.slice(lead[0].length);
      }
      first = false;
      if (onlyMarkers(sentence)) {
        if (points.length > 0) points[points.length - 1].cites += sentence;
        continue;
      }
      points.push({ raw: sentence, cites: '' });
    }
  }
  return points
    .map((p) => ({
      text: stripCitations(p.raw).trim(),
      sources: citedIndices(`${p.raw} ${p.cites}`, paragraphCount),
    }))
    .filter((p) => /[\p{L}\p{N}]/u.test(p.text));
}

/** Points rendered for a later prompt (combine or final step): one "- " line each, its citations at its end. */
export function renderPoints(points: readonly CitedPoint[]): string {
  return points.map((p) => `- ${p.text}${p.sources.length ? ` ${citationText(p.sources)}` : ''}`).join('\n');
}

/**
 * The summary cut after each of its points, each piece with its point, for showing citations inline (the CLI's
 * markers, the links of an inserted summary). Guarantees: the pieces' texts joined give `summary` back; a point not
 * found in the summary (in order) gets an empty piece at the end; text after the last point has no point.
 */
export function segmentByPoints<P extends { text: string }>(
  summary: string,
  points: readonly P[],
): Array<{ text: string; point: P | null }> {
  const pieces: Array<{ text: string; point: P | null }> = [];
  const unplaced: P[] = [];
  let at = 0;
  for (const point of points) {
    const found = point.text ? summary.indexOf(point.text, at) : -1;
    if (found < 0) {
      unplaced.push(point);
      continue;
    }
    const end = found + point.text.length;
    pieces.push({ text: summary.slice(at, end), point });
    at = end;
  }
  if (at < summary.length) pieces.push({ text: summary.slice(at), point: null });
  return [...pieces, ...unplaced.map((point) => ({ text: '', point }))];
}
