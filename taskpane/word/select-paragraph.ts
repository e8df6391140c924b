/// <reference types="office-js" />
import { readBodyParagraphs } from './paragraph-read';
import { hasWordApi } from './requirements';
import { runWord } from './run-word';
import { findSource, type SourceRef } from './source-paragraphs';
import { WordError } from './word-error';

/**
 * Selects a paragraph a summary cites and scrolls Word to it (`Range.select`, WordApi 1.1). The paragraph is found
 * by reading the body as {@link readDocument} does (see `findSource`). Guarantees: one `Word.run`, at most three
 * syncs; only the selection changes. Throws a `WordError`: `document_changed` (the paragraph is gone),
 * `word_unavailable` or `word_api_error`.
 */
export async function selectParagraph(ref: SourceRef): Promise<void> {
  const reviewed = hasWordApi('1.4');
  return runWord(async (context) => {
    const { paragraphs, sources } = await readBodyParagraphs(context, reviewed);
    const at = findSource(paragraphs, ref);
    if (at < 0) {
      throw new WordError(
        'document_changed',
        'That paragraph is no longer in the document as it was when it was summarized. Summarize again to refresh the sources.',
      );
    }
    sources[at].getRange('Content').select('Select');
    await context.sync();
  });
}
