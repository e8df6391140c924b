/**
 * The CLI's `--citations` report: markers after each point, a note on unsupported ones, and the coverage.
 */
import { citationReport } from '../../../localhost-engine/summarize/citation-report';

describe('citationReport', () => {
  it('puts the sources after each point and lists what the summary never cites', () => {
    const report = citationReport({
      summary: '- Rent is monthly.\n- Pets are welcome.',
      points: [
        { text: 'Rent is monthly.', sources: [11, 12], support: 0.9, supported: true },
        { text: 'Pets are welcome.', sources: [3], support: 0.1, supported: false },
      ],
      coverage: {
        by: 'headings',
        headings: [
          { paragraph: 10, last: 12, title: 'Rent', covered: true },
          { paragraph: 20, last: 25, title: 'Termination', covered: false },
        ],
      },
    });
    expect(report).toBe(
      [
        '- Rent is monthly. [¶12, ¶13]',
        '- Pets are welcome. [¶4] (not supported by the document)',
        '',
        'Coverage: the summary cites 1 of 2 headings.',
        'Not covered: Termination (¶21)',
      ].join('\n'),
    );
  });

  it('names tenths by their range, and prints a summary without points as it is', () => {
    expect(
      citationReport({
        summary: 'Short.',
        points: [],
        coverage: {
          by: 'tenths',
          headings: [{ paragraph: 0, last: 1, title: '¶1–2: Short.', covered: false }],
        },
      }),
    ).toBe('Short.\n\nCoverage: the summary cites 0 of 1 tenths of the document.\nNot covered: ¶1–2: Short.');
    expect(citationReport({ summary: 'Plain.' })).toBe('Plain.');
  });
});
