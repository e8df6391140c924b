import type { Paragraph } from '../api/schemas';

/**
 * Paragraph constructors shared by the readers. Each fills in every optional field of the contract's
 * `Paragraph`, so that what one reader produces compares exactly with what another (or a test) expects.
 */

/** Heading levels Word knows: Heading 1 … Heading 9, the same range as `outlineLevel`. */
export type HeadingLevel = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;

/** A body-text paragraph. */
export function normalParagraph(text: string): Paragraph {
  return { text, style: 'Normal', outlineLevel: null, isListItem: false, inTable: false };
}

/** A `HeadingN` paragraph whose outline level is its heading level, as Word sets it for built-in headings. */
export function headingParagraph(text: string, level: HeadingLevel): Paragraph {
  return { text, style: `Heading${level}`, outlineLevel: level, isListItem: false, inTable: false };
}

/** A list item in the `ListParagraph` style, which is what Word gives bulleted and numbered paragraphs. */
export function listItemParagraph(text: string): Paragraph {
  return { text, style: 'ListParagraph', outlineLevel: null, isListItem: true, inTable: false };
}

/** A table row (Markdown) or cell paragraph (Word) in body text style. */
export function tableParagraph(text: string): Paragraph {
  return { text, style: 'Normal', outlineLevel: null, isListItem: false, inTable: true };
}
