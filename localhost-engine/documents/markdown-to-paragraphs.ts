import type { Paragraph } from '../api/schemas';
import { stripControlCharacters } from './clean-text';
import {
  headingParagraph,
  listItemParagraph,
  normalParagraph,
  tableParagraph,
  type HeadingLevel,
} from './paragraph-builders';

/*
 * A deliberately small, line-based reading of Markdown (CommonMark + GFM tables), enough to recover the
 * structure a summary uses: headings, list items, table rows, code blocks and body paragraphs, in order.
 * Inline markup (`**bold**`, `[text](url)`, `code`) is left in the text: models read it fine, and stripping it
 * correctly needs a full inline parser.
 */

const FENCE_OPEN = /^( {0,3})(`{3,}|~{3,})/;
const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*))?$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+(.*)$/;
const TABLE_DELIMITER_ROW = /^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const BLOCKQUOTE_MARKERS = /^(?: {0,3}>[ \t]?)+/;

/**
 * Reads Markdown into paragraphs:
 * - `#` … `######` headings (and `===` / `---` underlined ones) → `Heading1` … `Heading6`, outline level = level;
 * - `- `, `* `, `+ `, `1. `, `1) ` items → one `ListParagraph` list item each, at any nesting depth;
 * - `|` tables → one `Normal` paragraph per row, `inTable`, cells joined by `" | "`; the `---|---` row is dropped;
 * - fenced code (``` or ~~~) → one `Normal` paragraph holding the code lines, fences removed;
 * - everything else → `Normal` paragraphs split at blank lines, lines kept separated by `\n` (as in plain text);
 *   block quote markers are removed, thematic breaks and YAML front matter are dropped.
 *
 * Guarantees: document order; no blank paragraphs; control characters other than tab and newline removed.
 * Expects `\n` line endings (see `decodeText`). Never throws.
 */
export function markdownToParagraphs(markdown: string): Paragraph[] {
  const lines = stripControlCharacters(markdown).split('\n');
  const paragraphs: Paragraph[] = [];
  // The paragraph or list item still collecting lines; held in an object so `flush` can close it.
  const open: { block: OpenBlock | null } = { block: null };

  const flush = (): void => {
    const block = open.block;
    open.block = null;
    if (block === null) return;
    const text = block.lines.join('\n').trim();
    if (text !== '') paragraphs.push(block.kind === 'list' ? listItemParagraph(text) : normalParagraph(text));
  };

  let i = skipFrontMatter(lines);
  while (i < lines.length) {
    const line = lines[i].replace(BLOCKQUOTE_MARKERS, '');
    const next = i + 1 < lines.length ? lines[i + 1].replace(BLOCKQUOTE_MARKERS, '') : undefined;

    const fence = FENCE_OPEN.exec(line);
    if (fence) {
      flush();
      const marker = fence[2];
      const closer = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
      const code: string[] = [];
      i += 1;
      while (i < lines.length && !closer.test(lines[i])) code.push(lines[i++]);
      i += 1; // past the closing fence; an unclosed fence runs to the end of the document, as in CommonMark
      const text = code
        .join('\n')
        .replace(/^(?:[ \t]*\n)+/, '')
        .trimEnd();
      if (text !== '') paragraphs.push(normalParagraph(text));
      continue;
    }

    if (line.trim() === '') {
      flush();
      i += 1;
      continue;
    }

    const atx = ATX_HEADING.exec(line);
    if (atx) {
      flush();
      // An optional closing sequence (`## Title ##`) is not part of the heading.
      const text = (atx[2] ?? '').replace(/(?:^|[ \t]+)#+[ \t]*$/, '').trim();
      if (text !== '') paragraphs.push(headingParagraph(text, atx[1].length as HeadingLevel));
      i += 1;
      continue;
    }

    // `Title` followed by `===` or `---`: the underline makes the paragraph above it a heading, which takes
    // precedence over reading `---` as a thematic break.
    const underline = SETEXT_UNDERLINE.exec(line);
    const current = open.block;
    if (underline && current?.kind === 'normal') {
      const text = current.lines.join(' ');
      open.block = null;
      paragraphs.push(headingParagraph(text, underline[1][0] === '=' ? 1 : 2));
      i += 1;
      continue;
    }

    if (THEMATIC_BREAK.test(line)) {
      flush();
      i += 1;
      continue;
    }

    if (
      line.trimStart().startsWith('|') ||
      (line.includes('|') && next !== undefined && isDelimiterRow(next))
    ) {
      flush();
      while (i < lines.length) {
        const row = lines[i].replace(BLOCKQUOTE_MARKERS, '');
        if (row.trim() === '' || !row.includes('|')) break;
        if (!isDelimiterRow(row)) {
          const cells = tableCells(row);
          if (cells.some((cell) => cell !== '')) paragraphs.push(tableParagraph(cells.join(' | ')));
        }
        i += 1;
      }
      continue;
    }

    const item = LIST_ITEM.exec(line);
    if (item) {
      flush();
      open.block = { kind: 'list', lines: [item[1].trim()] };
      i += 1;
      continue;
    }

    // A plain line continues the open paragraph or list item (CommonMark's "lazy continuation").
    open.block ??= { kind: 'normal', lines: [] };
    open.block.lines.push(line.trim());
    i += 1;
  }
  flush();
  return paragraphs;
}

interface OpenBlock {
  kind: 'normal' | 'list';
  /** Lines so far, each trimmed. */
  lines: string[];
}

function isDelimiterRow(line: string): boolean {
  return line.includes('|') && TABLE_DELIMITER_ROW.test(line);
}

/** Cells of a table row: outer pipes removed, split at pipes not escaped as `\|`, each cell trimmed. */
function tableCells(row: string): string[] {
  let body = row.trim();
  if (body.startsWith('|')) body = body.slice(1);
  if (body.endsWith('|') && !body.endsWith('\\|')) body = body.slice(0, -1);
  return body.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** Index of the first line after a YAML front matter block (`---` … `---` or `...` at the very top), else 0. */
function skipFrontMatter(lines: string[]): number {
  if (lines[0]?.trimEnd() !== '---') return 0;
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i].trimEnd();
    if (line === '---' || line === '...') return i + 1;
  }
  return 0;
}
