import type { SummaryStyle } from '../../localhost-engine/api/schemas';

/** A run of a block's text; `link` names the bookmark a citation jumps to. */
export interface BlockPiece {
  text: string;
  link?: string;
}

/** One paragraph of the inserted summary: a bullet (list item) or a plain paragraph. */
export interface SummaryBlock {
  kind: 'bullet' | 'paragraph';
  text: string;
  /** The text in runs, when some are links; absent means one run of `text`. */
  pieces?: BlockPiece[];
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

/** A point of the summary and the paragraphs it cites (indices of the paragraphs sent). */
export interface BlockPoint {
  text: string;
  sources: readonly number[];
}

/**
 * The blocks with " (¶3, ¶5)" after each point found in them (points are looked for in order, each in the first
 * block from the current one that has it; one found nowhere is left out). Each number, `number(source)`, is a run
 * linked to the bookmark `link` names for it, or plain text where it names none. Guarantees: a block's text is its
 * pieces' texts joined; blocks without citations are returned as they were.
 */
export function withCitations(
  blocks: readonly SummaryBlock[],
  points: readonly BlockPoint[],
  link: (source: number) => string | undefined,
  number: (source: number) => number = (source) => source + 1,
): SummaryBlock[] {
  let next = 0;
  return blocks.map((block, b) => {
    const pieces: BlockPiece[] = [];
    let at = 0;
    let cited = false;
    while (next < points.length) {
      const point = points[next];
      const found = point.text ? block.text.indexOf(point.text, at) : -1;
      if (found < 0) {
        // A point that a later block holds waits for it; one that no block holds is dropped.
        if (blocks.slice(b + 1).some((later) => later.text.includes(point.text))) break;
        next += 1;
        continue;
      }
      const end = found + point.text.length;
      pieces.push({ text: block.text.slice(at, end) }, ...citationPieces(point.sources, link, number));
      cited ||= point.sources.length > 0;
      at = end;
      next += 1;
    }
    if (!cited) return block;
    pieces.push({ text: block.text.slice(at) });
    const merged = merge(pieces);
    return { ...block, text: merged.map((p) => p.text).join(''), pieces: merged };
  });
}

function citationPieces(
  sources: readonly number[],
  link: (source: number) => string | undefined,
  number: (source: number) => number,
): BlockPiece[] {
  if (sources.length === 0) return [];
  const pieces: BlockPiece[] = [{ text: ' (' }];
  sources.forEach((source, i) => {
    if (i > 0) pieces.push({ text: ', ' });
    const name = link(source);
    const text = `¶${number(source)}`;
    pieces.push(name ? { text, link: name } : { text });
  });
  pieces.push({ text: ')' });
  return pieces;
}

/** Neighbouring plain runs as one, empty ones dropped: fewer Word operations. */
function merge(pieces: BlockPiece[]): BlockPiece[] {
  const out: BlockPiece[] = [];
  for (const piece of pieces) {
    if (!piece.text) continue;
    const last = out[out.length - 1];
    if (last && !last.link && !piece.link) last.text += piece.text;
    else out.push({ ...piece });
  }
  return out;
}
