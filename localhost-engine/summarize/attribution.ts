/**
 * The attribution check, independent of the model: every point is scored against the paragraphs it cites and
 * against the whole document (./lexical-index.ts); weak or missing citations are replaced by the paragraphs that
 * support the point best, and a point that no paragraph supports well enough is marked unsupported.
 */
import type { Paragraph, SummaryPoint } from '../api/schemas';
import type { CitedPoint } from './citations';
import { LexicalIndex, terms } from './lexical-index';

/**
 * A point is supported when one paragraph contains at least this share of its IDF-weighted terms. Chosen on data:
 * the midpoint of the thresholds that best separate supported from unsupported sentences on the calibration
 * documents of test/localhost-engine/summarize/attribution.test.ts, which checks it there and on held-out ones.
 */
export const SUPPORT_THRESHOLD = 0.43;

/** Paragraphs ranked by BM25 that the search for the best support looks at. */
const CANDIDATES = 10;
/** A second paragraph is attached only when it adds at least this much coverage to the first. */
const MIN_GAIN = 0.2;
/** The model's citations stand unless a paragraph supports the point by this much more. */
const MARGIN = 0.1;
/** The most of the model's citations kept for one point. */
const MAX_CITED = 5;

export class Attributor {
  private readonly index: LexicalIndex;

  /** Indexes the document's paragraphs (their plain text, as the request gave it). */
  constructor(private readonly paragraphs: readonly Paragraph[]) {
    this.index = new LexicalIndex(paragraphs.map((p) => p.text));
  }

  /**
   * Checks one point. Guarantees: `sources` are valid, distinct paragraph indices, the best-supporting first; the
   * model's citations are kept unless a paragraph supports the point by {@link MARGIN} more than the best of them,
   * in which case the best paragraph (and a second one that adds much) replace them; `support` is the best coverage
   * of the point by one of its sources; `supported` says whether any paragraph reaches {@link SUPPORT_THRESHOLD}.
   * With `within`, replacements come from those paragraphs only (a combining step's inputs). Never throws.
   */
  attribute(point: CitedPoint, within?: readonly number[]): SummaryPoint {
    const query = terms(point.text);
    const ranked = within
      ? within.filter((i) => i >= 0 && i < this.paragraphs.length)
      : this.index.rank(query, CANDIDATES).map((r) => r.paragraph);
    const single = (i: number): number => this.index.coverage(query, [i]);
    const cited = [...new Set(point.sources)]
      .filter((i) => Number.isInteger(i) && i >= 0 && i < this.paragraphs.length)
      .slice(0, MAX_CITED)
      .map((i) => ({ i, support: single(i) }))
      .sort((a, b) => b.support - a.support);
    const best = ranked.map((i) => ({ i, support: single(i) })).sort((a, b) => b.support - a.support)[0];
    const citedSupport = cited[0]?.support ?? 0;
    const bestSupport = best?.support ?? 0;
    const keep = cited.length > 0 && citedSupport >= bestSupport - MARGIN;
    return {
      text: point.text,
      sources: keep ? cited.map((c) => c.i) : best ? this.withSecond(query, best.i, ranked) : [],
      support: round(keep ? citedSupport : bestSupport),
      supported: Math.max(citedSupport, bestSupport) >= SUPPORT_THRESHOLD,
    };
  }

  /** Checks every point of a list, in order. */
  attributeAll(points: readonly CitedPoint[], within?: readonly number[]): SummaryPoint[] {
    return points.map((p) => this.attribute(p, within));
  }

  /** `first`, and the candidate that adds most coverage to it when that is at least {@link MIN_GAIN}. */
  private withSecond(query: readonly string[], first: number, candidates: readonly number[]): number[] {
    const base = this.index.coverage(query, [first]);
    let second = -1;
    let gain = MIN_GAIN;
    for (const c of candidates) {
      if (c === first) continue;
      const added = this.index.coverage(query, [first, c]) - base;
      if (added >= gain) {
        second = c;
        gain = added;
      }
    }
    return second < 0 ? [first] : [first, second];
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
