/// <reference types="office-js" />
import type { Paragraph } from '../../localhost-engine/api/schemas';
import { readBodyParagraphs, withinEngineLimits } from './paragraph-read';
import { hasWordApi } from './requirements';
import { runWord } from './run-word';
import { WordError } from './word-error';

/** Paragraphs read from Word, in document order, shaped as the engine's `document.paragraphs`. */
export interface ParagraphsRead {
  paragraphs: Paragraph[];
}

/**
 * Reads the whole document body as paragraphs (text, built-in style, outline level from heading styles, list and
 * table membership). Guarantees: one `Word.run`, at most two syncs whatever the length; tracked changes are read
 * as their current (reviewed) text where WordApi 1.4 is available; LocalScribe's own summary section and empty
 * paragraphs are skipped, so index `i` is stable for {@link insertSectionComments}. Throws a `WordError`:
 * `empty_document`, `document_too_large`, `word_unavailable` or `word_api_error`.
 */
export async function readDocument(): Promise<ParagraphsRead> {
  const reviewed = hasWordApi('1.4');
  return runWord(async (context) => {
    const { paragraphs } = await readBodyParagraphs(context, reviewed);
    if (paragraphs.length === 0) {
      throw new WordError(
        'empty_document',
        'The document has no text to summarize. Add some text and try again.',
      );
    }
    return { paragraphs: withinEngineLimits(paragraphs) };
  });
}
