/**
 * Puts a finished summary into the document the way the user chose.
 */
import type { SummaryStyle } from '../localhost-engine/api/schemas';
import type { RunResult } from './hooks/useSummaryRun';
import { isCommentOutput, type OutputChoice } from './settings';
import { SECTION_TITLES } from './summary-labels';
import type { InsertReport, PlacedText, SectionComment, SummaryCitations, WordPort } from './word-port';

/** What happened, in a sentence for the pane's status line. */
export type InsertOutcome = { inserted: true; notice: string } | { inserted: false; notice: string };

/**
 * Inserts `result` as `output` through `port`. Comment outputs are skipped (not attempted) where comments are
 * unsupported, since the pane already offers the section output in that case.
 *
 * @throws whatever the Word layer throws (errors with a `code` and a user-facing `message`).
 */
export async function insertResult(
  port: WordPort,
  output: OutputChoice,
  result: RunResult,
  style: SummaryStyle,
): Promise<InsertOutcome> {
  if (output === 'none') return { inserted: false, notice: 'Not inserted ("Do not insert" is chosen).' };
  if (isCommentOutput(output) && !port.supportsComments()) {
    return { inserted: false, notice: 'Not inserted: comments need WordApi 1.4.' };
  }
  switch (output) {
    case 'section-top':
    case 'section-end': {
      const report = await port.insertSummarySection({
        position: output === 'section-top' ? 'start' : 'end',
        title: SECTION_TITLES[style],
        summary: result.summary,
        style,
        citations: summaryCitations(result),
      });
      const where =
        output === 'section-top'
          ? 'Inserted at the top of the document'
          : 'Inserted at the end of the document';
      return { inserted: true, notice: withReport(where, report, 'the previous summary') };
    }
    case 'section-comments': {
      const { sections, selection } = sectionComments(result);
      const report = await (selection
        ? port.insertSectionComments(sections, selection)
        : port.insertSectionComments(sections));
      const count = report?.inserted ?? sections.length;
      return {
        inserted: true,
        notice: withReport(
          `Inserted ${count} ${count === 1 ? 'comment' : 'comments'}`,
          report,
          'the earlier ones',
        ),
      };
    }
    case 'selection-comment': {
      const report = await port.insertSelectionComment(result.summary);
      return {
        inserted: true,
        notice: withReport('Inserted as a comment on the selection', report, 'the earlier one'),
      };
    }
  }
}

/** The per-section comments to insert, and the paragraphs of the selection they count within, if any. */
export interface SectionCommentsToInsert {
  sections: SectionComment[];
  /** For a run over a selection: the paragraphs it sent, by their place in the selection. */
  selection?: PlacedText[];
}

/**
 * The per-section comments (one for a document summarized in one part), their ranges mapped from the paragraphs sent
 * to the document's (`locations`) or, for a selection, the selection's (`numbers`), with the texts Word finds it by.
 */
export function sectionComments(result: RunResult): SectionCommentsToInsert {
  const ranges: Array<Pick<SectionComment, 'paragraphs' | 'title' | 'summary'>> =
    result.sections.length > 0
      ? result.sections
      : [
          {
            paragraphs: [0, Math.max(0, result.paragraphCount - 1)],
            title: 'Summary',
            summary: result.summary,
          },
        ];
  const count = result.paragraphs.length;
  const known = count > 0 && result.locations.every((at) => at !== null);
  // Plain text was sent (no paragraphs kept), the engine's count is all there is; else each index is mapped.
  const map =
    count === 0
      ? (i: number) => i
      : known
        ? (i: number) => result.locations[Math.min(i, count - 1)] ?? i
        : (i: number) => (result.numbers[Math.min(i, count - 1)] ?? i + 1) - 1;
  const sections = ranges.map(({ paragraphs: [first, last], title, summary }) => ({
    paragraphs: [map(first), map(Math.max(first, last))] as [number, number],
    title,
    summary,
  }));
  if (count === 0 || known) return { sections };
  return {
    sections,
    selection: result.paragraphs.map((p, i) => ({ place: (result.numbers[i] ?? i + 1) - 1, text: p.text })),
  };
}

/**
 * The citations to insert with the summary: its points and, for each paragraph they cite, where it is in the
 * document, its text (to find it again) and its ¶ number as the pane shows it. Undefined when there are no points.
 */
export function summaryCitations(result: RunResult): SummaryCitations | undefined {
  if (!result.points || result.points.length === 0) return undefined;
  const cited = [...new Set(result.points.flatMap((p) => p.sources))].filter(
    (i) => result.paragraphs[i] !== undefined,
  );
  return {
    points: result.points.map((p) => ({ text: p.text, sources: p.sources })),
    sources: Object.fromEntries(
      cited.map((i) => [i, { index: result.locations[i] ?? null, text: result.paragraphs[i].text }]),
    ),
    numbers: Object.fromEntries(cited.map((i) => [i, result.numbers[i] ?? i + 1])),
  };
}

/** "Inserted …, replacing the previous summary." plus the list fallback, when the Word layer reports them. */
function withReport(sentence: string, report: InsertReport | void, replacedWhat: string): string {
  let text = sentence;
  if (report && (report.replaced ?? 0) > 0) text += `, replacing ${replacedWhat}`;
  text += '.';
  if (report?.listFallback) text += ' Word would not make a bulleted list, so the key points start with "•".';
  if (report?.citations === 'links') text += ' Each ¶ number links to the paragraph it cites.';
  if (report?.citations === 'text') {
    text +=
      ' Its citations are plain (¶n) text: this version of Word cannot link them (that needs Word API 1.4).';
  }
  return text;
}
