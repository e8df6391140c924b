import type { Paragraph } from '../../localhost-engine/api/schemas';

/**
 * Where a paragraph that a summary cites is: its index among the paragraphs `readDocument` reads (null when the run
 * read something else, a selection), and its text as it was sent.
 */
export interface SourceRef {
  index: number | null;
  text: string;
}

const normalize = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** A sent text this long that a paragraph contains names it (a selection sends only part of its end paragraphs). */
const MIN_PARTIAL = 12;

/**
 * The index in `paragraphs` (as `readBodyParagraphs` reads them) of the paragraph `ref` names, or -1. Guarantees:
 * the paragraph at `ref.index` when its text is still the same; else the paragraph with that text nearest to it
 * (or the first, without an index); else the nearest one containing the text, for a partly selected paragraph.
 */
export function findSource(paragraphs: readonly Paragraph[], ref: SourceRef): number {
  const want = normalize(ref.text);
  if (!want) return -1;
  if (ref.index !== null && paragraphs[ref.index] && normalize(paragraphs[ref.index].text) === want) {
    return ref.index;
  }
  const nearest = (matches: (text: string) => boolean): number => {
    let best = -1;
    paragraphs.forEach((p, i) => {
      if (!matches(normalize(p.text))) return;
      const distance = Math.abs(i - (ref.index ?? 0));
      if (best < 0 || distance < Math.abs(best - (ref.index ?? 0))) best = i;
    });
    return best;
  };
  const exact = nearest((text) => text === want);
  if (exact >= 0 || want.length < MIN_PARTIAL) return exact;
  return nearest((text) => text.includes(want));
}

/** A paragraph of a selection as `readSelection` read it: its place among the selection's paragraphs, and its text. */
export interface PlacedText {
  place: number;
  text: string;
}

/**
 * The indices in `paragraphs` of the selection's paragraphs at `places` (-1: gone): the selection starts where most
 * of `selection`'s texts line up; a paragraph whose text moved (one added or deleted since) is found nearest its place.
 */
export function findInSelection(
  paragraphs: readonly Paragraph[],
  selection: readonly PlacedText[],
  places: readonly number[],
): number[] {
  const texts = paragraphs.map((p) => normalize(p.text));
  const where = new Map<string, number[]>();
  texts.forEach((text, i) => {
    const found = where.get(text);
    if (found) found.push(i);
    else where.set(text, [i]);
  });
  const votes = new Map<number, number>();
  for (const { place, text } of selection) {
    for (const i of where.get(normalize(text)) ?? []) {
      if (i >= place) votes.set(i - place, (votes.get(i - place) ?? 0) + 1);
    }
  }
  let start = -1;
  for (const [k, n] of votes) {
    const best = votes.get(start) ?? 0;
    if (n > best || (n === best && k < start)) start = k;
  }
  const sent = new Map(selection.map(({ place, text }) => [place, normalize(text)]));
  return places.map((place) => {
    const want = sent.get(place) ?? '';
    const at = start >= 0 ? start + place : -1;
    const here = texts[at];
    if (want && here !== undefined && (here === want || (place === 0 && here.includes(want)))) return at;
    return findSource(paragraphs, { index: at >= 0 ? at : null, text: want });
  });
}
