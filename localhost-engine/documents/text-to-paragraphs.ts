import type { Paragraph } from '../api/schemas';
import { stripControlCharacters } from './clean-text';
import { normalParagraph } from './paragraph-builders';

/**
 * Splits plain text into paragraphs at blank lines (lines that are empty or only whitespace).
 *
 * Lines inside a paragraph stay separated by `\n` rather than joined with spaces: plain text uses line breaks
 * for addresses, verse and hand-made lists as often as for hard wrapping, and a language model reads a wrapped
 * line just as well as a joined one, so keeping them loses nothing. Trailing whitespace on each line and
 * whitespace around each paragraph are dropped, as are control characters other than tab and newline.
 *
 * Guarantees: every paragraph is `Normal`, not a list item, not in a table, with non-blank text; order is kept.
 * Expects `\n` line endings (see `decodeText`). Never throws.
 */
export function textToParagraphs(text: string): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  for (const block of stripControlCharacters(text).split(/\n[ \t]*\n/)) {
    const joined = block
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .trim();
    if (joined !== '') paragraphs.push(normalParagraph(joined));
  }
  return paragraphs;
}
