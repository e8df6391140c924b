import type { Paragraph } from '../api/schemas';
import { stripControlCharacters } from './clean-text';
import { DocxPackageError, readDocxParts } from './docx-package';
import { readStyleSheet, toOutlineLevel, type StyleSheet } from './docx-styles';
import { childElements, isW, isWOneOf, parseXml, wAttr, wChild } from './ooxml';

/*
 * Why word/document.xml is read directly instead of through mammoth's HTML: mammoth maps only the styles in its
 * style map (Heading 1–6; Title and Heading 7–9 need extra rules, other styles become plain <p> with a warning),
 * folds list paragraphs into nested <ul>/<ol> whose items may hold several paragraphs, and its HTML would then
 * need a parser of its own. The XML is a flat, ordered sequence of w:p and w:tbl, so walking it keeps headings,
 * list items and table cells in document order by construction, and every paragraph's own properties (style id,
 * numbering, outline level) are read where Word keeps them.
 */

/** Block-level elements whose children are more blocks (content controls, custom XML, table structure). */
const BLOCK_CONTAINERS = new Set(['tbl', 'tr', 'tc', 'sdt', 'sdtContent', 'customXml']);
/** Run-level wrappers whose runs are part of the visible text (links, insertions, fields, content controls). */
const INLINE_CONTAINERS = new Set([
  'hyperlink',
  'ins',
  'moveTo',
  'smartTag',
  'customXml',
  'sdt',
  'sdtContent',
  'fldSimple',
  'dir',
  'bdo',
]);

/**
 * Reads the paragraphs of a .docx, in document order:
 * - style: `Title`, `Heading1`…`Heading9`, `ListParagraph`, `Normal` from the style's built-in name (so
 *   localized style ids map too), `Other` for custom styles;
 * - outlineLevel: the paragraph's own `w:outlineLvl`, else its style's (inherited through `w:basedOn`; built-in
 *   headings give their level), else null;
 * - isListItem: the paragraph, or its style, has numbering (bullets and numbered lists alike);
 * - inTable: the paragraph is inside a table; each cell paragraph is its own paragraph, row by row, cell by
 *   cell, nested tables in place.
 * Text is the visible text: tabs as `\t`, line breaks as `\n`, field results without field codes, tracked
 * insertions in and deletions out. Paragraphs whose text is blank are dropped; text is otherwise not trimmed.
 * Not read: headers, footers, footnotes, comments, text boxes and shapes, equations.
 *
 * @param maxPartBytes - the most bytes one XML part may unpack to.
 * @throws {DocxPackageError} `corrupt` when the file is not a .docx or its XML is damaged; `too_large` when a
 *   part unpacks past `maxPartBytes`.
 */
export async function docxToParagraphs(bytes: Uint8Array, maxPartBytes: number): Promise<Paragraph[]> {
  const { documentXml, stylesXml } = await readDocxParts(bytes, maxPartBytes);
  let root: Element;
  try {
    root = parseXml(documentXml).documentElement;
  } catch (cause) {
    throw new DocxPackageError('corrupt', `its document.xml is not well-formed XML (${String(cause)})`, {
      cause,
    });
  }
  const body = isW(root, 'document') ? wChild(root, 'body') : null;
  if (body === null) throw new DocxPackageError('corrupt', 'its document.xml holds no Word document body');

  const paragraphs: Paragraph[] = [];
  collectBlocks(body, false, readStyleSheet(stylesXml), paragraphs);
  return paragraphs;
}

function collectBlocks(container: Element, inTable: boolean, styles: StyleSheet, out: Paragraph[]): void {
  for (const element of childElements(container)) {
    if (isW(element, 'p')) {
      const paragraph = readParagraph(element, inTable, styles);
      if (paragraph !== null) out.push(paragraph);
    } else if (isWOneOf(element, BLOCK_CONTAINERS)) {
      collectBlocks(element, inTable || isW(element, 'tbl'), styles, out);
    }
  }
}

function readParagraph(p: Element, inTable: boolean, styles: StyleSheet): Paragraph | null {
  const text = stripControlCharacters(inlineText(p));
  if (text.trim() === '') return null;
  const pPr = wChild(p, 'pPr');
  const resolved = styles.resolve(wAttr(wChild(pPr, 'pStyle'), 'val'));
  const ownOutline = wAttr(wChild(pPr, 'outlineLvl'), 'val');
  const numPr = wChild(pPr, 'numPr');
  const numId = wAttr(wChild(numPr, 'numId'), 'val');
  return {
    text,
    style: resolved.style,
    outlineLevel:
      ownOutline === null ? resolved.outlineLevel : toOutlineLevel(Number.parseInt(ownOutline, 10)),
    // A w:numPr with a w:numId decides (numId 0 switches numbering off); without one the style decides.
    isListItem: numId !== null ? numId !== '0' : resolved.numbered,
    inTable,
  };
}

/** The visible text of a paragraph or an inline wrapper inside one. */
function inlineText(container: Element): string {
  let text = '';
  for (const element of childElements(container)) {
    if (isW(element, 'r')) text += runText(element);
    else if (isWOneOf(element, INLINE_CONTAINERS)) text += inlineText(element);
    // Everything else is left out on purpose: w:pPr, deletions (w:del, w:moveFrom), bookmarks, proofing
    // marks, comment anchors and equations (m:oMath) carry no body text.
  }
  return text;
}

function runText(run: Element): string {
  let text = '';
  for (const element of childElements(run)) {
    if (isW(element, 't')) text += element.textContent ?? '';
    else if (isW(element, 'tab') || isW(element, 'ptab')) text += '\t';
    else if (isW(element, 'br') || isW(element, 'cr')) text += '\n';
    else if (isW(element, 'noBreakHyphen')) text += '\u2011';
    // w:instrText (field codes), w:delText, w:softHyphen, drawings and text boxes are not visible body text.
  }
  return text;
}
