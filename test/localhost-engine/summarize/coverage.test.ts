/**
 * Coverage: every heading listed with its section and whether a point cites it; tenths for a document without
 * headings.
 */
import type { Paragraph, SummaryPoint } from '../../../localhost-engine/api/schemas';
import { documentCoverage } from '../../../localhost-engine/summarize/coverage';

const para = (text: string, style: Paragraph['style'] = 'Normal'): Paragraph => ({ text, style });
const citing = (...sources: number[]): SummaryPoint => ({ text: 'x', sources, support: 1, supported: true });

describe('documentCoverage', () => {
  const doc = [
    para('Lease', 'Title'), // 0
    para('Parties', 'Heading1'), // 1
    para('The landlord and the tenant.'), // 2
    para('Rent', 'Heading1'), // 3
    para('Monthly', 'Heading2'), // 4
    para('Rent is due monthly.'), // 5
    para('Deposit', 'Heading2'), // 6
    para('Two months.'), // 7
    para('Termination', 'Heading1'), // 8
    para('On notice.'), // 9
  ];

  it('lists every heading with its section, covered when a point cites a paragraph in it', () => {
    const coverage = documentCoverage(doc, [citing(5), citing(1)]);
    expect(coverage.by).toBe('headings');
    expect(coverage.headings).toEqual([
      { paragraph: 0, last: 0, title: 'Lease', covered: false },
      { paragraph: 1, last: 2, title: 'Parties', covered: true },
      { paragraph: 3, last: 7, title: 'Rent', covered: true },
      { paragraph: 4, last: 5, title: 'Monthly', covered: true },
      { paragraph: 6, last: 7, title: 'Deposit', covered: false },
      { paragraph: 8, last: 9, title: 'Termination', covered: false },
    ]);
  });

  it('says nothing is covered when no point cites anything', () => {
    expect(documentCoverage(doc, []).headings.every((h) => !h.covered)).toBe(true);
  });

  it('cuts a document without headings into tenths that cover it', () => {
    const plain = Array.from({ length: 23 }, (_, i) =>
      para(`Paragraph number ${i} says something long here.`),
    );
    const coverage = documentCoverage(plain, [citing(0), citing(22)]);
    expect(coverage.by).toBe('tenths');
    expect(coverage.headings).toHaveLength(10);
    expect(coverage.headings[0]).toMatchObject({
      paragraph: 0,
      title: '¶1–2: Paragraph number 0 says something long…',
      covered: true,
    });
    expect(coverage.headings.at(-1)).toMatchObject({ last: 22, covered: true });
    expect(coverage.headings.filter((h) => h.covered)).toHaveLength(2);
    for (let k = 1; k < 10; k++) {
      expect(coverage.headings[k].paragraph).toBe(coverage.headings[k - 1].last + 1);
    }
  });

  it('uses one run per paragraph when there are fewer than ten', () => {
    const coverage = documentCoverage([para('One.'), para('Two.')], [citing(1)]);
    expect(coverage.headings).toEqual([
      { paragraph: 0, last: 0, title: '¶1: One.', covered: false },
      { paragraph: 1, last: 1, title: '¶2: Two.', covered: true },
    ]);
  });
});
