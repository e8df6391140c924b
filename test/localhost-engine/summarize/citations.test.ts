/**
 * Citations as the model writes them: read forgivingly (every marker form, malformed and out-of-range ones
 * dropped), never shown to the user (whole texts and streamed pieces alike), and split into points.
 */
import type { Paragraph } from '../../../localhost-engine/api/schemas';
import {
  CitationFilter,
  citedIndices,
  labelParagraphs,
  lineLabel,
  parsePoints,
  renderPoints,
  segmentByPoints,
  stripCitations,
  stripLabel,
} from '../../../localhost-engine/summarize/citations';

const para = (text: string): Paragraph => ({ text, style: 'Normal' });

describe('labels', () => {
  it('puts the 1-based number in front of every paragraph with text, and only there', () => {
    const labelled = labelParagraphs([para('Lease'), para('  '), para('Rent is due monthly.')]);
    expect(labelled.map((p) => p.text)).toEqual(['[¶1] Lease', '  ', '[¶3] Rent is due monthly.']);
    expect(stripLabel(labelled[2].text)).toBe('Rent is due monthly.');
    expect(stripLabel('[1] A reference')).toBe('[1] A reference');
  });

  it('reads the paragraph a rendered prompt line starts with, and none from the rest of a cut one', () => {
    expect(['[¶3] Rent', '# [¶1] Lease', '- [¶12] item', '| [¶7] cell'].map(lineLabel)).toEqual([
      2, 0, 11, 6,
    ]);
    expect(['rent is due [¶3].', '[3] A reference', ''].map(lineLabel)).toEqual([null, null, null]);
  });
});

describe('citedIndices', () => {
  it.each([
    ['rent is due [¶3].', [2]],
    ['rent is due [3].', [2]],
    ['rent is due [¶3, ¶5].', [2, 4]],
    ['rent is due [¶3; 5 and ¶7].', [2, 4, 6]],
    ['rent is due [¶3–5].', [2, 3, 4]],
    ['rent is due [¶3-¶4][¶9].', [2, 3, 8]],
    ['rent is due (¶3).', [2]],
    ['rent is due ¶3, ¶4.', [2, 3]],
    ['rent is due [¶3] and the deposit [¶3, ¶2].', [2, 1]],
  ])('%s cites %j', (text, expected) => {
    expect(citedIndices(text, 10)).toEqual(expected);
  });

  it('drops what is malformed or out of range, never throwing', () => {
    expect(citedIndices('rent [¶0] [¶11] [¶99999999] [¶5–3] [¶1–900]', 10)).toEqual([]);
    expect(citedIndices('clause (3) of the lease, [yyyy], [¶x], [¶', 10)).toEqual([]);
    expect(citedIndices('', 10)).toEqual([]);
  });
});

describe('stripCitations', () => {
  it.each([
    ['The tenant pays rent [¶3].', 'The tenant pays rent.'],
    ['The tenant pays rent. [¶3]', 'The tenant pays rent.'],
    ['- [¶3] The tenant pays rent.', '- The tenant pays rent.'],
    ['Rent [¶3] and deposit [¶4, ¶5] are due.', 'Rent and deposit are due.'],
    ['Rent is due [¶3], [¶4]; the deposit too [¶5-7].', 'Rent is due; the deposit too.'],
    ['Rent is due (¶3).\nDeposit ¶4.', 'Rent is due.\nDeposit.'],
    ['Rent is due monthly [¶3, ¶', 'Rent is due monthly'],
    ['A broken citation [¶ and more text.', 'A broken citation and more text.'],
    ['Half a citation (¶3 then words.', 'Half a citation then words.'],
    ['See clause (3) and the [yyyy] field.', 'See clause (3) and the [yyyy] field.'],
  ])('%j → %j', (raw, clean) => {
    expect(stripCitations(raw)).toBe(clean);
    expect(stripCitations(clean)).toBe(clean);
  });
});

describe('CitationFilter', () => {
  const samples = [
    '- The tenant pays rent monthly [¶3].\n- The deposit is two months [¶4, ¶5].\n- [¶7] Pets need consent.',
    'The lease runs a year [¶2]. It renews unless ended [¶9–10], [¶12]; notice is written (¶13). Done ¶14.',
    'A point with an unfinished citation [¶3, ¶',
    'A broken one [¶ and then (¶2 more words [¶4].',
    'Clause (3) says [yyyy] stays [¶2]  and more (see notes).',
  ];

  /** Every way of cutting `text` into pieces of `size` characters, and every single cut. */
  function splits(text: string): string[][] {
    const out: string[][] = [];
    for (let size = 1; size <= 7; size++) {
      const pieces: string[] = [];
      for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
      out.push(pieces);
    }
    for (let cut = 1; cut < text.length; cut++) out.push([text.slice(0, cut), text.slice(cut)]);
    return out;
  }

  it.each(samples)('streams exactly the clean text however %j arrives', (text) => {
    for (const pieces of splits(text)) {
      const filter = new CitationFilter();
      const shown = pieces.map((p) => filter.push(p)).join('') + filter.end();
      expect(shown).toBe(stripCitations(text));
      expect(filter.text).toBe(text);
    }
  });

  it('reads a long list of markers followed by text in one pass (no exponential backtracking)', () => {
    const list = Array.from({ length: 60 }, (_, i) => `¶${i + 1}`).join(', ');
    const text = `Rent is due ${list} and more text follows.`;
    const filter = new CitationFilter();
    const shown = [...text].map((ch) => filter.push(ch)).join('') + filter.end();
    expect(shown).toBe('Rent is due and more text follows.');
    expect(citedIndices(text, 100)).toHaveLength(60);
    expect(parsePoints(`${list}\n${list} x.`, 100)).toEqual([{ text: 'x.', sources: expect.any(Array) }]);
  });

  it('never shows a marker, even half of one, while it streams', () => {
    const filter = new CitationFilter();
    let shown = '';
    for (const ch of samples[0]) {
      shown += filter.push(ch);
      expect(shown).not.toMatch(/[[¶]/);
    }
  });
});

describe('parsePoints', () => {
  it('reads one point per bullet, with the citations at its end', () => {
    const points = parsePoints(
      '- Rent is monthly [¶3].\n- Deposit [¶4, ¶99] of two months.\n- No source.',
      10,
    );
    expect(points).toEqual([
      { text: 'Rent is monthly.', sources: [2] },
      { text: 'Deposit of two months.', sources: [3] },
      { text: 'No source.', sources: [] },
    ]);
  });

  it('splits prose into sentences, giving a marker after a full stop to the sentence before it', () => {
    const points = parsePoints('The lease runs a year. [¶2] It renews [¶9]. Notice is written.\n[¶13]', 20);
    expect(points).toEqual([
      { text: 'The lease runs a year.', sources: [1] },
      { text: 'It renews.', sources: [8] },
      { text: 'Notice is written.', sources: [12] },
    ]);
  });

  it('skips title lines of a section-by-section summary', () => {
    const points = parsePoints('Termination\nEither party may end it [¶5].\n\nRent\nMonthly [¶3].', 10);
    expect(points.map((p) => p.text)).toEqual(['Either party may end it.', 'Monthly.']);
  });

  it('renders points back with their citations for the next prompt', () => {
    expect(
      renderPoints([
        { text: 'Rent is monthly.', sources: [2, 3] },
        { text: 'No source.', sources: [] },
      ]),
    ).toBe('- Rent is monthly. [¶3, ¶4]\n- No source.');
  });
});

describe('segmentByPoints', () => {
  it('cuts the summary after each point and gives the rest back unchanged', () => {
    const summary = '- Rent is monthly.\n- Deposit of two months.\nThanks.';
    const points = [
      { text: 'Rent is monthly.', sources: [2] },
      { text: 'Deposit of two months.', sources: [3] },
      { text: 'Not in the summary.', sources: [7] },
    ];
    const pieces = segmentByPoints(summary, points);
    expect(pieces.map((p) => p.text).join('')).toBe(summary);
    expect(pieces.map((p) => [p.text, p.point?.sources ?? null])).toEqual([
      ['- Rent is monthly.', [2]],
      ['\n- Deposit of two months.', [3]],
      ['\nThanks.', null],
      ['', [7]],
    ]);
  });
});
