/** "Summarize just those": the paragraphs of the headings a summary never cites, with where they are. */
import type { Paragraph } from '../../localhost-engine/api/schemas';
import type { RunResult } from '../../taskpane/hooks/useSummaryRun';
import { uncoveredRun } from '../../taskpane/uncovered-run';

const para = (text: string): Paragraph => ({ text, style: 'Normal' });

function result(
  covered: boolean[],
  locations: Array<number | null>,
  numbers = [11, 12, 13, 14, 15, 16],
): RunResult {
  return {
    summary: 's',
    sections: [],
    usage: {} as RunResult['usage'],
    paragraphCount: 6,
    paragraphs: ['A', 'a', 'B', 'b1', 'b2', 'C'].map(para),
    locations,
    numbers,
    coverage: {
      by: 'headings',
      headings: [
        { paragraph: 0, last: 1, title: 'A', covered: covered[0] },
        { paragraph: 2, last: 4, title: 'B', covered: covered[1] },
        { paragraph: 5, last: 5, title: 'C', covered: covered[2] },
      ],
    },
  };
}

describe('uncoveredRun', () => {
  it('takes the sections not covered, in order, with their places in the document', () => {
    const run = uncoveredRun(result([true, false, false], [10, 11, 12, 13, 14, 15]));
    expect(run).toEqual({
      paragraphs: ['B', 'b1', 'b2', 'C'].map(para),
      locations: [12, 13, 14, 15],
      numbers: [13, 14, 15, 16],
      titles: ['B', 'C'],
    });
  });

  it('keeps the numbers the summary showed, also where the places are unknown (a selection)', () => {
    const run = uncoveredRun(
      result([false, true, true], [null, null, null, null, null, null], [1, 2, 3, 4, 5, 6]),
    );
    expect(run).toMatchObject({ locations: [null, null], numbers: [1, 2] });
  });

  it('names uncovered tenths by the numbers the summary showed', () => {
    const tenths = result([true, false, true], [10, 11, 12, 13, 14, 15]);
    tenths.coverage = {
      by: 'tenths',
      headings: [
        { paragraph: 0, last: 1, title: '¶1–2: A', covered: true },
        { paragraph: 2, last: 4, title: '¶3–5: B', covered: false },
        { paragraph: 5, last: 5, title: '¶6: C', covered: false },
      ],
    };
    expect(uncoveredRun(tenths)?.titles).toEqual(['¶13–15: B', '¶16: C']);
  });

  it('is null when everything is covered or there is no coverage', () => {
    expect(uncoveredRun(result([true, true, true], []))).toBeNull();
    expect(uncoveredRun({ ...result([false, false, false], []), coverage: undefined })).toBeNull();
  });
});
