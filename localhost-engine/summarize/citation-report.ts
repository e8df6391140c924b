/**
 * The CLI's `--citations` output: the summary with a `[¶n]` marker after each point (and a note on points the
 * document does not support), then which headings — or tenths — the summary covers and which it never cites.
 */
import type { DoneEvent } from '../api/schemas';
import { citationText, segmentByPoints } from './citations';

/** The report for a finished summary; without points or coverage (an older engine), the plain summary. */
export function citationReport(done: Pick<DoneEvent, 'summary' | 'points' | 'coverage'>): string {
  const body = segmentByPoints(done.summary, done.points ?? [])
    .map(({ text, point }) => {
      if (!point) return text;
      const marker = point.sources.length > 0 ? ` ${citationText(point.sources)}` : '';
      return `${text}${marker}${point.supported ? '' : ' (not supported by the document)'}`;
    })
    .join('');
  const coverage = done.coverage;
  if (!coverage || coverage.headings.length === 0) return body.trimEnd();
  const what = coverage.by === 'headings' ? 'headings' : 'tenths of the document';
  const covered = coverage.headings.filter((h) => h.covered).length;
  const missing = coverage.headings.filter((h) => !h.covered);
  const lines = [
    body.trimEnd(),
    '',
    `Coverage: the summary cites ${covered} of ${coverage.headings.length} ${what}.`,
    ...(missing.length > 0
      ? [
          `Not covered: ${missing.map((h) => (coverage.by === 'headings' ? `${h.title} (¶${h.paragraph + 1})` : h.title)).join('; ')}`,
        ]
      : []),
  ];
  return lines.join('\n');
}
