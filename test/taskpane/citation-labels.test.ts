/** How the pane names a cited paragraph: its section's heading and its number, and where a click goes. */
import type { Paragraph } from '../../localhost-engine/api/schemas';
import { chipDescription, chipLabel, sectionHeadings } from '../../taskpane/citation-labels';

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
    expect(chipLabel(2, 'Termination and renewal of the agreement')).toBe('Termination and ren… ¶3');
    expect(chipLabel(0, null)).toBe('¶1');
  });

  it('describes where a chip goes', () => {
    expect(chipDescription(2, doc[2], 'Termination')).toBe(
      'Go to ¶3 under “Termination”: Either party may end the agreement by giving…',
    );
    expect(chipDescription(0, doc[0], null)).toBe('Go to ¶1: Before any heading.');
  });
});
