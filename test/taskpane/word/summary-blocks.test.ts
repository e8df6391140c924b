/**
 * The blocks of an inserted summary with each point's citations after it, linked where a bookmark is named.
 */
import { toSummaryBlocks, withCitations } from '../../../taskpane/word/summary-blocks';

describe('withCitations', () => {
  const link = (source: number): string | undefined =>
    source === 9 ? undefined : `_LocalScribe_${source + 1}`;

  it('puts linked numbers after each key point', () => {
    const blocks = toSummaryBlocks('- Rent is monthly.\n- Deposit is two months.', 'key-points');
    const cited = withCitations(
      blocks,
      [
        { text: 'Rent is monthly.', sources: [2, 9] },
        { text: 'Deposit is two months.', sources: [] },
      ],
      link,
    );
    expect(cited[0]).toEqual({
      kind: 'bullet',
      text: 'Rent is monthly. (¶3, ¶10)',
      pieces: [{ text: 'Rent is monthly. (' }, { text: '¶3', link: '_LocalScribe_3' }, { text: ', ¶10)' }],
    });
    expect(cited[1]).toBe(blocks[1]);
  });

  it('cites each sentence of prose inline, and skips a point no block holds', () => {
    const blocks = toSummaryBlocks('The lease runs a year. It renews. Thanks.', 'paragraph');
    const cited = withCitations(
      blocks,
      [
        { text: 'The lease runs a year.', sources: [1] },
        { text: 'Not in the summary.', sources: [4] },
        { text: 'It renews.', sources: [9] },
      ],
      () => undefined,
    );
    expect(cited).toEqual([
      {
        kind: 'paragraph',
        text: 'The lease runs a year. (¶2) It renews. (¶10) Thanks.',
        pieces: [{ text: 'The lease runs a year. (¶2) It renews. (¶10) Thanks.' }],
      },
    ]);
  });

  it('writes the number it is given for a source, not its place among those sent', () => {
    // A run over part of the document: source 0 was sent first but is the document's 12th paragraph.
    const blocks = toSummaryBlocks('- Notice ends it.', 'key-points');
    const cited = withCitations(
      blocks,
      [{ text: 'Notice ends it.', sources: [0, 1] }],
      (source) => (source === 0 ? '_LocalScribe_12' : undefined),
      (source) => [12, 13][source],
    );
    expect(cited[0].pieces).toEqual([
      { text: 'Notice ends it. (' },
      { text: '¶12', link: '_LocalScribe_12' },
      { text: ', ¶13)' },
    ]);
  });

  it('waits for a later block that holds the point', () => {
    const blocks = toSummaryBlocks('Rent\n\nRent is monthly.', 'sections');
    const cited = withCitations(blocks, [{ text: 'Rent is monthly.', sources: [0] }], () => undefined);
    expect(cited.map((b) => b.text)).toEqual(['Rent', 'Rent is monthly. (¶1)']);
  });
});
