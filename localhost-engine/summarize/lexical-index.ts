/**
 * A lexical index over a document's paragraphs: words stemmed (Porter2, English) without stop words, BM25 to rank
 * paragraphs for a sentence, and IDF-weighted coverage to say how much of a sentence some paragraphs contain. No
 * model: it judges the model from outside.
 */
import stem from 'wink-porter2-stemmer';

/** Words too common to say what a sentence is about. */
const STOP_WORDS = new Set(
  `a about above after again against all also am an and any are as at be because been before being below between both
  but by can could did do does doing down during each either few for from further had has have having he her here hers
  him his how i if in into is it its itself just may me might more most must my neither no nor not of off on once only
  or other our ours out over own same shall she should so some such than that the their them then there these they this
  those through to too under until up upon very was we were what when where which while who whom why will with within
  without would you your yours`.split(/\s+/),
);

const WORD = /[\p{L}\p{N}]+(?:['’]\p{L}+)?/gu;

/** BM25's term-frequency saturation and length normalisation, at their usual values. */
const K1 = 1.2;
const B = 0.75;

/**
 * The index terms of a text, in order, repeats kept: lower case, possessives and stop words dropped, words stemmed,
 * numbers as they are. Never throws.
 */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const [word] of text.toLowerCase().matchAll(WORD)) {
    const bare = word.replace(/['’]s$/, '').replace(/['’]/g, '');
    if (STOP_WORDS.has(bare)) continue;
    if (/^\p{N}+$/u.test(bare)) out.push(bare);
    else if (bare.length > 1) out.push(stem(bare));
  }
  return out;
}

export class LexicalIndex {
  private readonly postings = new Map<string, Array<{ paragraph: number; count: number }>>();
  private readonly lengths: number[];
  private readonly averageLength: number;
  private readonly documents: number;
  private readonly termSets: Array<Set<string>>;

  /** Indexes `texts` (one per paragraph; empty ones are indexed as empty). */
  constructor(texts: readonly string[]) {
    const all = texts.map(terms);
    this.lengths = all.map((t) => t.length);
    this.termSets = all.map((t) => new Set(t));
    this.documents = Math.max(1, all.filter((t) => t.length > 0).length);
    this.averageLength = Math.max(1, this.lengths.reduce((n, l) => n + l, 0) / this.documents);
    all.forEach((list, paragraph) => {
      const counts = new Map<string, number>();
      for (const term of list) counts.set(term, (counts.get(term) ?? 0) + 1);
      for (const [term, count] of counts) {
        const posting = this.postings.get(term) ?? [];
        posting.push({ paragraph, count });
        this.postings.set(term, posting);
      }
    });
  }

  /** How telling a term is: high for rare terms, highest for terms no paragraph has; always positive. */
  idf(term: string): number {
    const df = this.postings.get(term)?.length ?? 0;
    return Math.log(1 + (this.documents - df + 0.5) / (df + 0.5));
  }

  /** The paragraphs that share a term with `query`, best BM25 score first (ties: document order), at most `limit`. */
  rank(query: readonly string[], limit: number): Array<{ paragraph: number; score: number }> {
    const scores = new Map<number, number>();
    for (const term of new Set(query)) {
      const idf = this.idf(term);
      for (const { paragraph, count } of this.postings.get(term) ?? []) {
        const norm = K1 * (1 - B + (B * this.lengths[paragraph]) / this.averageLength);
        scores.set(paragraph, (scores.get(paragraph) ?? 0) + (idf * count * (K1 + 1)) / (count + norm));
      }
    }
    return [...scores]
      .map(([paragraph, score]) => ({ paragraph, score }))
      .sort((a, b) => b.score - a.score || a.paragraph - b.paragraph)
      .slice(0, limit);
  }

  /**
   * The share of `query`'s weight (each distinct term weighted by its IDF) that the paragraphs together contain:
   * 1 when every term is there, 0 when none is, or when the query has no terms.
   */
  coverage(query: readonly string[], paragraphs: readonly number[]): number {
    const wanted = [...new Set(query)];
    let total = 0;
    let found = 0;
    for (const term of wanted) {
      const weight = this.idf(term);
      total += weight;
      if (paragraphs.some((p) => this.termSets[p]?.has(term))) found += weight;
    }
    return total > 0 ? found / total : 0;
  }
}
