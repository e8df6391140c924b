/** How the pane names a cited paragraph: its section's heading and its number, and where a click goes. */
import type { Paragraph } from '../../localhost-engine/api/schemas';
import { chipDescription, chipLabel, coverageTitle, sectionHeadings } from '../../taskpane/citation-labels';

const para = (text: string, style: Paragraph['style'] = 'Normal'): Paragraph => ({ text, style });

describe('citation labels', () => {
  const doc = [
    para('Before any heading.'),
    para('Termination and renewal of the agreement', 'Heading1'),
    para('Either party may end the agreement by giving ninety days of written notice.'),
  ];

  it('finds the heading each paragraph sits under', () => {
    expect(sectionHeadings(doc)).toEqual([
      null,
      'Termination and renewal of the agreement',
      'Termination and renewal of the agreement',
    ]);
  });

  it('labels a chip with a shortened heading and the number, or the number alone', () => {
    expect(chipLabel(3, 'Termination and renewal of the agreement')).toBe('Termination and ren… ¶3');
    expect(chipLabel(1, null)).toBe('¶1');
  });

  it('describes where a chip goes', () => {
    expect(chipDescription(3, doc[2], 'Termination')).toBe(
      'Go to ¶3 under “Termination”: Either party may end the agreement by giving…',
    );
    expect(chipDescription(1, doc[0], null)).toBe('Go to ¶1: Before any heading.');
  });

  it('titles a tenth with the numbers shown for its paragraphs; headings keep their titles', () => {
    const tenth = { paragraph: 0, last: 2, title: '¶1–3: The tenant pays…', covered: false };
    expect(coverageTitle(tenth, 'tenths', [41, 42, 43])).toBe('¶41–43: The tenant pays…');
    expect(coverageTitle({ ...tenth, last: 0, title: '¶1' }, 'tenths', [41])).toBe('¶41');
    expect(coverageTitle({ ...tenth, title: 'Rent' }, 'headings', [41, 42, 43])).toBe('Rent');
  });
});
