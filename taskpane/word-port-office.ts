/**
 * The real {@link WordPort}: the functions of `./word/` (the only code that touches `Word`/`Office`), gathered
 * behind the interface the pane's components take.
 */
import {
  hasWordApi,
  insertSectionComments,
  insertSelectionComment,
  insertSummarySection,
  readDocument,
  readSelection,
  removeSummary,
  selectParagraph,
} from './word';
import type { WordPort } from './word-port';

/** The Word-backed port; comments are offered only where WordApi 1.4 is supported. */
export const officeWordPort: WordPort = {
  readDocument: () => readDocument(),
  readSelection: () => readSelection(),
  insertSummarySection: (args) => insertSummarySection(args),
  insertSectionComments: (sections, selection) => insertSectionComments(sections, selection),
  insertSelectionComment: (summary) => insertSelectionComment(summary),
  removeSummary: () => removeSummary(),
  selectParagraph: (ref) => selectParagraph(ref),
  supportsComments: () => hasWordApi('1.4'),
};
