/**
 * Which parts of the document a summary rests on: every heading with whether a point cites a paragraph of its
 * section, or — in a document without headings — each tenth of it.
 */
import type { Coverage, CoverageHeading, Paragraph, SummaryPoint } from '../api/schemas';
import { headingLevel } from './prompt';

/** Words of a tenth's first paragraph shown in its title. */
const TITLE_WORDS = 6;

/**
 * The coverage of `paragraphs` by `points`. Guarantees: every heading with text is listed, in order, with its
 * section (up to the next heading of its level or above); without headings, the document is cut into
 * min(10, paragraphs) consecutive runs of near-equal length that together cover it. Never throws.
 */
export function documentCoverage(
  paragraphs: readonly Paragraph[],
  points: readonly SummaryPoint[],
): Coverage {
  const cited = new Set(points.flatMap((p) => p.sources));
  const covers = (first: number, last: number): boolean => {
    for (let i = first; i <= last; i++) if (cited.has(i)) return true;
    return false;
  };
  const headings = headingSections(paragraphs);
  if (headings.length > 0) {
    return {
      by: 'headings',
      headings: headings.map((h) => ({ ...h, covered: covers(h.paragraph, h.last) })),
    };
  }
  return {
    by: 'tenths',
    headings: tenths(paragraphs).map((t) => ({ ...t, covered: covers(t.paragraph, t.last) })),
  };
}

function headingSections(paragraphs: readonly Paragraph[]): Array<Omit<CoverageHeading, 'covered'>> {
  const found = paragraphs.flatMap((p, i) => {
    const level = headingLevel(p);
    return level !== null && p.text.trim() ? [{ paragraph: i, level, title: p.text.trim() }] : [];
  });
  return found.map((h, k) => {
    const next = found.slice(k + 1).find((later) => later.level <= h.level);
    return {
      paragraph: h.paragraph,
      last: next ? next.paragraph - 1 : paragraphs.length - 1,
      title: h.title,
    };
  });
}

/** The first `count` words of `text`, with "…" when there are more. */
export function openingWords(text: string, count: number): string {
  const words = text.trim().split(/\s+/).filter(Boolean);
  return words.slice(0, count).join(' ') + (words.length > count ? '…' : '');
}

function tenths(paragraphs: readonly Paragraph[]): Array<Omit<CoverageHeading, 'covered'>> {
  const n = paragraphs.length;
  const runs = Math.min(10, n);
  return Array.from({ length: runs }, (_, k) => {
    const first = Math.floor((k * n) / runs);
    const last = Math.floor(((k + 1) * n) / runs) - 1;
    const opening = openingWords(
      paragraphs.slice(first, last + 1).find((p) => p.text.trim())?.text ?? '',
      TITLE_WORDS,
    );
    const range = first === last ? `¶${first + 1}` : `¶${first + 1}–${last + 1}`;
    return { paragraph: first, last, title: opening ? `${range}: ${opening}` : range };
  });
}
