/// <reference types="office-js" />
import { LIMITS, type Paragraph, type ParagraphStyle } from '../../localhost-engine/api/schemas';
import { PENDING_SUMMARY_TAG, SUMMARY_TAG } from './localscribe-marks';
import { WordError } from './word-error';

/**
 * Everything read from each paragraph, in one load. `outlineLevel` is not loaded: it comes from the heading style,
 * because `Paragraph.outlineLevel` is not implemented on every Word platform and one failing property fails the
 * whole batch. The parent content control is loaded so LocalScribe's own summary is never read back.
 */
export const PARAGRAPH_LOAD =
  'items/text,items/styleBuiltIn,items/isListItem,items/tableNestingLevel,items/parentContentControlOrNullObject/tag';

const KNOWN_STYLES: ReadonlySet<string> = new Set<ParagraphStyle>([
  'Title',
  'Heading1',
  'Heading2',
  'Heading3',
  'Heading4',
  'Heading5',
  'Heading6',
  'Heading7',
  'Heading8',
  'Heading9',
  'Normal',
  'ListParagraph',
]);

/** The engine's style for a Word `styleBuiltIn` value; anything else is `Other`. */
export function toParagraphStyle(styleBuiltIn: string): ParagraphStyle {
  return KNOWN_STYLES.has(styleBuiltIn) ? (styleBuiltIn as ParagraphStyle) : 'Other';
}

/** Outline level 1–9 of a heading style, `null` for every other style. */
export function outlineLevelOf(style: ParagraphStyle): number | null {
  const match = /^Heading([1-9])$/.exec(style);
  return match ? Number(match[1]) : null;
}

/** Word's manual line break (vertical tab) becomes `\n`; other control characters, which carry no text, go. */
export function normalizeText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u000b/g, '\n').replace(/[\u0000-\u0008\u000c\u000e-\u001f\u007f]/g, '');
}

/** Whether a paragraph was inserted by LocalScribe (its summary, or one being inserted). Needs PARAGRAPH_LOAD. */
export function isOwnSummary(paragraph: Word.Paragraph): boolean {
  const control = paragraph.parentContentControlOrNullObject;
  return !control.isNullObject && (control.tag === SUMMARY_TAG || control.tag === PENDING_SUMMARY_TAG);
}

/** The plain paragraph sent to the engine. Needs PARAGRAPH_LOAD on `source`. */
export function toParagraph(source: Word.Paragraph, text: string): Paragraph {
  const style = toParagraphStyle(source.styleBuiltIn);
  return {
    text,
    style,
    outlineLevel: outlineLevelOf(style),
    isListItem: source.isListItem,
    inTable: source.tableNestingLevel > 0,
  };
}

/** Paragraphs as read, with the Word paragraph each came from (for anchoring comments). */
export interface ParagraphsWithSources {
  paragraphs: Paragraph[];
  sources: Word.Paragraph[];
}

/**
 * The readable paragraphs of a loaded collection, in order: LocalScribe's own summary and paragraphs without text
 * are skipped, so index `i` of the result is the same paragraph every time the same document is read.
 * `texts[i]` overrides the text of `candidates[i]` (reviewed text).
 */
export function collectParagraphs(candidates: Word.Paragraph[], texts: string[]): ParagraphsWithSources {
  const paragraphs: Paragraph[] = [];
  const sources: Word.Paragraph[] = [];
  candidates.forEach((source, i) => {
    const text = normalizeText(texts[i]);
    if (text.trim() === '') return;
    paragraphs.push(toParagraph(source, text));
    sources.push(source);
  });
  return { paragraphs, sources };
}

/**
 * `paragraphs`, to be sent to the engine. Only what is sent has the engine's limits: finding a cited paragraph in a
 * longer body is fine. Throws `document_too_large` past them.
 */
export function withinEngineLimits(paragraphs: Paragraph[]): Paragraph[] {
  const chars = paragraphs.reduce((n, p) => n + p.text.length, 0);
  if (paragraphs.length > LIMITS.paragraphs || chars > LIMITS.textChars) {
    throw new WordError(
      'document_too_large',
      `This text is too long to summarize at once (${paragraphs.length} paragraphs, ${chars} characters; the limit is ${LIMITS.paragraphs} paragraphs and ${LIMITS.textChars} characters). Select a part of it and summarize the selection.`,
    );
  }
  return paragraphs;
}

/**
 * Reads the body's paragraphs in at most two syncs (the second only with `reviewed`, for tracked-change-aware
 * text), whatever their number. Guarantees the index stability described in {@link collectParagraphs}.
 */
export async function readBodyParagraphs(
  context: Word.RequestContext,
  reviewed: boolean,
): Promise<ParagraphsWithSources> {
  const collection = context.document.body.paragraphs;
  collection.load(PARAGRAPH_LOAD);
  await context.sync();
  const candidates = collection.items.filter((p) => !isOwnSummary(p));
  if (!reviewed)
    return collectParagraphs(
      candidates,
      candidates.map((p) => p.text),
    );
  // `text` includes deleted tracked text; the reviewed "Current" text is what the reader sees.
  const results = candidates.map((p) => p.getReviewedText('Current'));
  await context.sync();
  return collectParagraphs(
    candidates,
    results.map((r) => r.value),
  );
}
