/**
 * The pane's view of Word: everything components may ask of the document, as plain async functions. The real
 * implementation lives in `./word/` (the only code that touches `Word`/`Office`); tests pass a fake.
 */
import type { Paragraph, SummaryStyle } from '../localhost-engine/api/schemas';
import type { PlacedText, SectionComment, SourceRef, SummaryCitations } from './word';

export type { PlacedText, SectionComment, SourceRef, SummaryCitations } from './word';

/** A run of paragraphs read from Word, in document order. */
export interface ParagraphsRead {
  paragraphs: Paragraph[];
}

/** Arguments of {@link WordPort.insertSummarySection}. */
export interface SummarySectionArgs {
  position: 'start' | 'end';
  title: string;
  summary: string;
  style: SummaryStyle;
  /** Each point's citations, linked to their paragraphs where Word allows (WordApi 1.4), as "(¶12)" otherwise. */
  citations?: SummaryCitations;
}

/**
 * What an insertion reports, where the implementation says (the real one does): how many earlier LocalScribe
 * items it replaced, and whether key points went in as plain "• " paragraphs because Word refused a list.
 */
export interface InsertReport {
  inserted?: number;
  replaced?: number;
  listFallback?: boolean;
  /** How the citations went in: as links to their paragraphs, as text, or not at all. */
  citations?: 'links' | 'text' | 'none';
}

/**
 * What the pane needs from Word. Every method may reject with a {@link WordPortError}-shaped error (a `code`
 * such as `empty_document`, `empty_selection`, `comments_unsupported`, and a user-facing `message`).
 */
export interface WordPort {
  readDocument(): Promise<ParagraphsRead>;
  readSelection(): Promise<ParagraphsRead>;
  /** Inserts (or replaces the previous) tagged summary section. */
  insertSummarySection(args: SummarySectionArgs): Promise<InsertReport | void>;
  /**
   * Replaces the per-section comments of an earlier run. Paragraph indices are those of {@link readDocument}, or,
   * with `selection` (the paragraphs a run over a selection sent, by place), within that selection.
   */
  insertSectionComments(sections: SectionComment[], selection?: PlacedText[]): Promise<InsertReport | void>;
  insertSelectionComment(summary: string): Promise<InsertReport | void>;
  /** Deletes everything LocalScribe inserted; resolves with how many items went. */
  removeSummary(): Promise<{ removed: number }>;
  /** Selects a paragraph a summary cites and scrolls Word to it (`document_changed` when it is gone). */
  selectParagraph(ref: SourceRef): Promise<void>;
  /** Whether comments can be inserted (WordApi 1.4). */
  supportsComments(): boolean;
}

/** The shape of errors the Word layer throws. */
export interface WordPortError extends Error {
  code: string;
}

/** Codes of the Word layer the pane explains in its own words. */
export const WORD_ERROR_CODES = ['empty_document', 'empty_selection', 'comments_unsupported'] as const;

/** True for an error with a string `code` that did not come from the engine client. */
export function isWordPortError(value: unknown): value is WordPortError {
  return (
    value instanceof Error &&
    value.name !== 'EngineError' &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}
