import type { SummaryStyle } from '../../localhost-engine/api/schemas';

/** One paragraph of the inserted summary: a bullet (list item) or a plain paragraph. */
export interface SummaryBlock {
  kind: 'bullet' | 'paragraph';
  text: string;
}

const BULLET_MARK = /^\s*(?:[-*•‣◦▪]|\d{1,3}[.)])\s+/;

/**
 * Splits the engine's summary into the paragraphs to insert. Key points become one bullet per line (the model's own
 * "-", "*", "•" or "1." marks removed, since Word draws the bullet); other styles become one paragraph per line.
 * Blank lines are dropped. Never throws; an all-blank summary gives `[]`.
 */
export function toSummaryBlocks(summary: string, style: SummaryStyle): SummaryBlock[] {
  const lines = summary
    .split(/\r\n|\r|\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (style === 'key-points') {
    return lines
      .map((line) => ({ kind: 'bullet' as const, text: line.replace(BULLET_MARK, '').trim() }))
      .filter((block) => block.text !== '');
  }
  return lines.map((text) => ({ kind: 'paragraph' as const, text }));
}
