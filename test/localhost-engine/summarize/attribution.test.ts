/**
 * The attribution check on real prose (./attribution-corpus.ts: Debian's license texts and a generated contract,
 * with summaries written for the test whose right sources are known). The threshold is chosen on the calibration
 * documents — the midpoint of the thresholds that separate their supported from their unsupported sentences best —
 * and the rates the issue asks for are measured on documents it was not chosen on.
 */
import type { Paragraph } from '../../../localhost-engine/api/schemas';
import { Attributor, SUPPORT_THRESHOLD } from '../../../localhost-engine/summarize/attribution';
import {
  calibrationDocuments,
  heldOutDocuments,
  rightSources,
  type CorpusDocument,
} from './attribution-corpus';

interface Scored {
  supported: number[];
  unsupported: number[];
}

/** The support the check gives each sentence of `docs`, with no citation from a model. */
function scores(docs: CorpusDocument[]): Scored {
  const out: Scored = { supported: [], unsupported: [] };
  for (const doc of docs) {
    const check = new Attributor(doc.paragraphs);
    for (const p of doc.points) out.supported.push(check.attribute({ text: p.text, sources: [] }).support);
    for (const u of doc.unsupported) out.unsupported.push(check.attribute({ text: u, sources: [] }).support);
  }
  return out;
}

/** The interval of thresholds with the best balanced accuracy on `s` (flag below the threshold). */
function bestThresholds(s: Scored): [number, number] {
  const cuts = [...new Set([...s.supported, ...s.unsupported])].sort((a, b) => a - b);
  const accuracy = (t: number): number =>
    (s.supported.filter((x) => x >= t).length / s.supported.length +
      s.unsupported.filter((x) => x < t).length / s.unsupported.length) /
    2;
  let best = -1;
  let interval: [number, number] = [0, 0];
  for (let k = 0; k < cuts.length; k++) {
    // Any threshold in (cuts[k-1], cuts[k]] flags the same sentences.
    const a = accuracy(cuts[k]);
    if (a > best) {
      best = a;
      interval = [k > 0 ? cuts[k - 1] : 0, cuts[k]];
    }
  }
  return interval;
}

const rate = (xs: number[], flagged: (x: number) => boolean): number => xs.filter(flagged).length / xs.length;

describe('attribution on real prose', () => {
  const calibration = calibrationDocuments();
  const heldOut = heldOutDocuments();

  it('has summaries whose right sources are each one paragraph of their document', () => {
    for (const doc of [...calibration, ...heldOut]) {
      expect(doc.paragraphs.length).toBeGreaterThan(20);
      for (const p of doc.points) expect(rightSources(doc, p.from).length).toBeGreaterThan(0);
    }
  });

  it('uses the threshold chosen on the calibration documents', () => {
    const [low, high] = bestThresholds(scores(calibration));
    // The midpoint of the best interval, rounded to two places.
    expect(SUPPORT_THRESHOLD).toBeCloseTo((low + high) / 2, 2);
    expect(SUPPORT_THRESHOLD).toBeGreaterThan(low);
    expect(SUPPORT_THRESHOLD).toBeLessThanOrEqual(high);
  });

  it.each([
    ['calibration', calibrationDocuments()],
    ['held-out', heldOutDocuments()],
  ])(
    'on the %s documents flags ≥ 90 %% of unsupported sentences and ≤ 10 %% of supported ones',
    (_, docs) => {
      const s = scores(docs);
      const flagged = (x: number): boolean => x < SUPPORT_THRESHOLD;
      expect(rate(s.unsupported, flagged)).toBeGreaterThanOrEqual(0.9);
      expect(rate(s.supported, flagged)).toBeLessThanOrEqual(0.1);
    },
  );

  it.each([
    ['no citations', (_right: number[], _doc: CorpusDocument) => [] as number[]],
    ['wrong citations', (right: number[], doc: CorpusDocument) => [wrongParagraph(right, doc.paragraphs)]],
  ])('attributes ≥ 90 %% of points to a right paragraph within the top two, given %s', (_, cite) => {
    let right = 0;
    let total = 0;
    for (const doc of [...calibration, ...heldOut]) {
      const check = new Attributor(doc.paragraphs);
      for (const p of doc.points) {
        const sources = rightSources(doc, p.from);
        const result = check.attribute({ text: p.text, sources: cite(sources, doc) });
        total += 1;
        if (result.sources.slice(0, 2).some((s) => sources.includes(s))) right += 1;
      }
    }
    expect(right / total).toBeGreaterThanOrEqual(0.9);
  });

  it("keeps the model's right citations, in order of support", () => {
    for (const doc of heldOut) {
      const check = new Attributor(doc.paragraphs);
      for (const p of doc.points) {
        const sources = rightSources(doc, p.from);
        const result = check.attribute({ text: p.text, sources });
        expect([...result.sources].sort()).toEqual([...sources].sort());
      }
    }
  });

  it('marks a sentence with no content words unsupported, and ignores invalid citations', () => {
    const check = new Attributor(heldOut[0].paragraphs);
    expect(check.attribute({ text: 'It is so.', sources: [3] })).toMatchObject({
      support: 0,
      supported: false,
    });
    const point = heldOut[0].points[0];
    const result = check.attribute({ text: point.text, sources: [-1, 1.5, 99_999] });
    expect(result.sources).toContain(rightSources(heldOut[0], point.from)[0]);
  });
});

/** A paragraph far from the right ones, with text: what a confused model might cite. */
function wrongParagraph(right: number[], paragraphs: Paragraph[]): number {
  const far = (right[0] + Math.floor(paragraphs.length / 2)) % paragraphs.length;
  for (let k = 0; k < paragraphs.length; k++) {
    const i = (far + k) % paragraphs.length;
    if (!right.includes(i) && paragraphs[i].text.length > 80) return i;
  }
  return far;
}
