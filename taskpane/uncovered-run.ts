/**
 * The parts of the document a summary never cites, as a request of their own: "summarize just those".
 */
import type { Paragraph } from '../localhost-engine/api/schemas';
import { coverageTitle } from './citation-labels';
import type { RunResult } from './hooks/useSummaryRun';

/** What to send for the uncovered sections, and where each paragraph is in the document. */
export interface UncoveredRun {
  paragraphs: Paragraph[];
  locations: Array<number | null>;
  /** Their ¶ numbers in the summary they come from, kept so that this run cites them the same way. */
  numbers: number[];
  titles: string[];
}

/**
 * The paragraphs of every heading (or tenth) the summary does not cover, in document order, each once; null when
 * the result has no coverage or everything is covered.
 */
export function uncoveredRun(result: RunResult): UncoveredRun | null {
  const coverage = result.coverage;
  const missing = (coverage?.headings ?? []).filter((h) => !h.covered);
  if (!coverage || missing.length === 0) return null;
  const indices = new Set<number>();
  for (const h of missing) {
    for (let i = h.paragraph; i <= Math.min(h.last, result.paragraphs.length - 1); i++) indices.add(i);
  }
  const ordered = [...indices].sort((a, b) => a - b);
  return {
    paragraphs: ordered.map((i) => result.paragraphs[i]),
    locations: ordered.map((i) => result.locations[i] ?? null),
    numbers: ordered.map((i) => result.numbers[i] ?? i + 1),
    titles: missing.map((h) => coverageTitle(h, coverage.by, result.numbers)),
  };
}
