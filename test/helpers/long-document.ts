/**
 * Long test documents built from the GPL text Debian ships (public licence text, always present on Debian as part
 * of base-files), repeated under numbered headings until the document has the requested number of words.
 */
import { readFileSync } from 'node:fs';
import type { Paragraph } from '../../localhost-engine/api/schemas';

const GPL = '/usr/share/common-licenses/GPL-3';

/** The GPL as paragraphs: its numbered section titles ("0. Definitions.") become Heading 2. */
function gplParagraphs(): Paragraph[] {
  const text = readFileSync(GPL, 'utf8');
  return text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter((p) => p.length > 0)
    .map((p) =>
      /^\d+\. [A-Z][^.]{2,60}\.$/.test(p)
        ? { text: p, style: 'Heading2' as const, outlineLevel: 2 }
        : { text: p, style: 'Normal' as const, outlineLevel: null },
    );
}

/** At least `words` words: "Copy 1", "Copy 2", … (Heading 1) each followed by the GPL's paragraphs. */
export function licenceDocument(words: number): Paragraph[] {
  const body = gplParagraphs();
  const out: Paragraph[] = [];
  let count = 0;
  for (let copy = 1; count < words; copy++) {
    out.push({ text: `Copy ${copy}`, style: 'Heading1', outlineLevel: 1 });
    for (const p of body) {
      out.push(p);
      count += p.text.split(/\s+/).length;
      if (count >= words) break;
    }
  }
  return out;
}

/** Asserts parts cover 0..n-1 contiguously with no overlap; returns how many parts each index fell in. */
export function coverage(ranges: Array<[number, number]>, n: number): number[] {
  const hits = new Array<number>(n).fill(0);
  for (const [first, last] of ranges) for (let i = first; i <= last; i++) hits[i] += 1;
  return hits;
}
