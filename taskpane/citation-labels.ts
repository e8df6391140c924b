/**
 * How the pane names a cited paragraph: its number (¶12: its place in the document as `readDocument` reads it, as the
 * CLI shows it; within the selection for a selection's summary) after the heading of its section, and a sentence
 * saying where a click goes.
 */
import type { Coverage, CoverageHeading, Paragraph } from '../localhost-engine/api/schemas';
import { openingWords } from '../localhost-engine/summarize/coverage';
import { headingLevel } from '../localhost-engine/summarize/prompt';

/** Characters of a heading shown on a chip; the tooltip has it whole. */
const CHIP_HEADING_CHARS = 20;
/** Words of the paragraph the tooltip quotes. */
const QUOTED_WORDS = 8;

/** For each paragraph, the heading it sits under (the nearest one above it, itself for a heading), or null. */
export function sectionHeadings(paragraphs: readonly Paragraph[]): Array<string | null> {
  let current: string | null = null;
  return paragraphs.map((p) => {
    if (headingLevel(p) !== null && p.text.trim()) current = p.text.trim();
    return current;
  });
}

function shorten(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars - 1).trimEnd()}…`;
}

/** A chip's text for paragraph number `number` (1-based): "Termination ¶12", or "¶12" outside any section. */
export function chipLabel(number: number, heading: string | null): string {
  return heading ? `${shorten(heading, CHIP_HEADING_CHARS)} ¶${number}` : `¶${number}`;
}

/** What a chip does, for its tooltip and screen readers: 'Go to ¶12 under "Termination": Either party may…'. */
export function chipDescription(
  number: number,
  paragraph: Paragraph | undefined,
  heading: string | null,
): string {
  const quote = openingWords(paragraph?.text ?? '', QUOTED_WORDS);
  return `Go to ¶${number}${heading ? ` under “${heading}”` : ''}${quote ? `: ${quote}` : ''}`;
}

/**
 * A coverage entry's title with its paragraph numbers as the pane shows them: the engine titles a tenth by the
 * indices it was sent ("¶1–3: The tenant…"), which for a run over part of the document are not the user's.
 */
export function coverageTitle(
  heading: CoverageHeading,
  by: Coverage['by'],
  numbers: readonly number[],
): string {
  if (by !== 'tenths') return heading.title;
  const first = numbers[heading.paragraph] ?? heading.paragraph + 1;
  const last = numbers[heading.last] ?? heading.last + 1;
  return heading.title.replace(/^¶\d+(?:–\d+)?/, first === last ? `¶${first}` : `¶${first}–${last}`);
}
