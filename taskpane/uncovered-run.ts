/**
 * The parts of the document a summary never cites, as a request of their own: "summarize just those".
 */
import type { Paragraph } from '../localhost-engine/api/schemas';
import type { RunResult } from './hooks/useSummaryRun';

/** What to send for the uncovered sections, and where each paragraph is in the document. */
export interface UncoveredRun {
  paragraphs: Paragraph[];
  locations: Array<number | null>;
  titles: string[];
}

/**
 * The paragraphs of every heading (or tenth) the summary does not cover, in document order, each once; null when
 * the result has no coverage or everything is covered.
 */
export function uncoveredRun(result: RunResult): UncoveredRun | null {
  const missing = (result.coverage?.headings ?? []).filter((h) => !h.covered);
  if (missing.length === 0) return null;
  const indices = new Set<number>();
  for (const h of missing) {
    for (let i = h.paragraph; i <= Math.min(h.last, result.paragraphs.length - 1); i++) indices.add(i);
  }
  const ordered = [...indices].sort((a, b) => a - b);
  return {
    paragraphs: ordered.map((i) => result.paragraphs[i]),
    locations: ordered.map((i) => result.locations[i] ?? null),
    titles: missing.map((h) => h.title),
  };
}
