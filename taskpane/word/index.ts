/**
 * The Word layer: the only code in the pane that touches `Word` or `Office`. Every function owns one `Word.run`,
 * returns plain data and throws only `WordError`.
 */
export { insertSectionComments, type CommentsResult, type SectionComment } from './insert-section-comments';
export { insertSelectionComment } from './insert-selection-comment';
export {
  insertSummarySection,
  type SummarySectionArgs,
  type SummarySectionResult,
} from './insert-summary-section';
export { readDocument, type ParagraphsRead } from './read-document';
export { readSelection } from './read-selection';
export { removeSummary, type RemoveResult } from './remove-summary';
export { hasWordApi } from './requirements';
export { selectParagraph } from './select-paragraph';
export type { SummaryCitations } from './source-bookmarks';
export type { PlacedText, SourceRef } from './source-paragraphs';
export { WordError, type WordErrorCode } from './word-error';
export * from './localscribe-marks';
