/**
 * Inserting a result as a comment on each section, through the real Word layer against the strict simulation: the
 * engine counts a section's paragraphs from the first one sent, and each comment must land on its section's first
 * paragraph in the document — for "Summarize these" (only some paragraphs sent) and for a selection (counted within
 * it) alike — with nothing else in the document changed.
 */
import type { Coverage, Paragraph, SectionEvent } from '../../localhost-engine/api/schemas';
import type { RunRequest, RunResult } from '../../taskpane/hooks/useSummaryRun';
import { insertResult } from '../../taskpane/insert-result';
import { uncoveredRun } from '../../taskpane/uncovered-run';
import { readDocument, readSelection } from '../../taskpane/word';
import { officeWordPort } from '../../taskpane/word-port-office';
import type { WordSimulation, WordSimulationOptions } from '../word-simulation/word-simulation';
import { useWordSimulation } from './word/use-simulation';

const { setUp } = useWordSimulation();

/** Body indices on the right; a blank paragraph and a table of contents repeat nothing but the headings' names. */
const LEASE: WordSimulationOptions = {
  paragraphs: [
    { text: 'Lease', style: 'Title' }, // 0
    'Contents', // 1
    'Rent', // 2
    'Deposit', // 3
    'Repairs', // 4
    '', // 5, not read: read indices from here on are one less
    { text: 'Rent', style: 'Heading1' }, // 6
    'The tenant pays rent monthly.', // 7
    { text: 'Deposit', style: 'Heading1' }, // 8
    'The deposit is two months of rent.', // 9
    'It is returned within 30 days.', // 10
    { text: 'Repairs', style: 'Heading1' }, // 11
    'The landlord repairs the roof.', // 12
  ],
  comments: [{ content: 'Check the amount', paragraph: 9 }],
};

type Section = [first: number, last: number, title: string];

/** A finished run over `paragraphs`, its locations and numbers made as `useSummaryRun` makes them from `request`. */
function runResult(
  paragraphs: Paragraph[],
  request: Pick<RunRequest, 'locations' | 'numbers'>,
  sections: Section[],
  coverage?: Coverage,
): RunResult {
  const locations = paragraphs.map((_, i) =>
    request.locations === 'same' ? i : (request.locations?.[i] ?? null),
  );
  return {
    summary: 'The whole summary.',
    sections: sections.map(([first, last, title], i): SectionEvent => ({
      type: 'section',
      part: i + 1,
      title,
      summary: `About ${title.toLowerCase()}.`,
      paragraphs: [first, last],
    })),
    usage: {} as RunResult['usage'],
    paragraphCount: paragraphs.length,
    coverage,
    paragraphs,
    locations,
    numbers: locations.map((at, i) => request.numbers?.[i] ?? (at ?? i) + 1),
  };
}

/** "Summarize these" over what `first` does not cover, as `useCitationActions` starts it. */
function summarizeThese(first: RunResult, sections: Section[]): RunResult {
  const subset = uncoveredRun(first);
  if (!subset) throw new Error('expected uncovered sections');
  return runResult(subset.paragraphs, { locations: subset.locations, numbers: subset.numbers }, sections);
}

async function insertComments(result: RunResult): Promise<string> {
  const outcome = await insertResult(officeWordPort, 'section-comments', result, 'sections');
  expect(outcome.inserted).toBe(true);
  return outcome.notice;
}

/** The LocalScribe comments, as the paragraph each is anchored on and its text. */
function ownComments(sim: WordSimulation): Array<[number, string, string]> {
  return sim.state
    .comments()
    .filter((c) => c.content.startsWith('LocalScribe'))
    .map((c) => [c.paragraphIndex, c.anchorText, c.content]);
}

/** The document as it was but for LocalScribe's comments: text, styles, controls, bookmarks, the user's comments. */
function withoutOwnComments(sim: WordSimulation) {
  const snapshot = sim.state.snapshot();
  return {
    ...snapshot,
    comments: sim.state.comments().filter((c) => !c.content.startsWith('LocalScribe')),
  };
}

describe('insertResult with a comment on each section', () => {
  it('"Summarize these" after a whole-document summary: comments on the sections it summarized', async () => {
    const sim = setUp(LEASE);
    const before = withoutOwnComments(sim);
    const { paragraphs } = await readDocument();
    expect(paragraphs.map((p) => p.text).slice(7)).toEqual([
      'Deposit',
      'The deposit is two months of rent.',
      'It is returned within 30 days.',
      'Repairs',
      'The landlord repairs the roof.',
    ]);
    const whole = runResult(paragraphs, { locations: 'same' }, [], {
      by: 'headings',
      headings: [
        { paragraph: 5, last: 6, title: 'Rent', covered: true },
        { paragraph: 7, last: 9, title: 'Deposit', covered: false },
        { paragraph: 10, last: 11, title: 'Repairs', covered: false },
      ],
    });
    // The engine was sent five paragraphs and counts from the first of them.
    const these = summarizeThese(whole, [
      [0, 2, 'Deposit'],
      [3, 4, 'Repairs'],
    ]);

    expect(await insertComments(these)).toBe('Inserted 2 comments.');
    expect(ownComments(sim)).toEqual([
      [8, 'Deposit', 'LocalScribe: Deposit — About deposit.'],
      [11, 'Repairs', 'LocalScribe: Repairs — About repairs.'],
    ]);
    expect(withoutOwnComments(sim)).toEqual(before);
  });

  it('a selection: comments on the selected sections, not on the paragraphs with their places in the document', async () => {
    const sim = setUp({ ...LEASE, selection: [8, 12] });
    const before = withoutOwnComments(sim);
    const { paragraphs } = await readSelection();
    expect(paragraphs).toHaveLength(5);
    // As App starts a selection's run: no locations, so its paragraphs count within the selection.
    const result = runResult(paragraphs, {}, [
      [0, 2, 'Deposit'],
      [3, 4, 'Repairs'],
    ]);
    // "Deposit" and "Repairs" are also in the table of contents: the selection is where both follow each other.
    expect(await insertComments(result)).toBe('Inserted 2 comments.');
    expect(ownComments(sim)).toEqual([
      [8, 'Deposit', 'LocalScribe: Deposit — About deposit.'],
      [11, 'Repairs', 'LocalScribe: Repairs — About repairs.'],
    ]);
    expect(withoutOwnComments(sim)).toEqual(before);
  });

  it('a selection begun inside a paragraph and summarized in one part: one comment on that paragraph', async () => {
    const sim = setUp({ ...LEASE, selection: { start: [7, 16], end: [12, 12] } });
    const before = withoutOwnComments(sim);
    const { paragraphs } = await readSelection();
    expect(paragraphs[0].text).toBe('rent monthly.');
    expect(paragraphs.at(-1)?.text).toBe('The landlord');

    expect(await insertComments(runResult(paragraphs, {}, []))).toBe('Inserted 1 comment.');
    expect(ownComments(sim)).toEqual([
      [7, 'The tenant pays rent monthly.', 'LocalScribe: Summary — The whole summary.'],
    ]);
    expect(withoutOwnComments(sim)).toEqual(before);
  });

  it('"Summarize these" after a selection\'s summary: comments on its uncovered section in the selection', async () => {
    const sim = setUp({ ...LEASE, selection: { start: [7, 4], end: [12, 30] } });
    const before = withoutOwnComments(sim);
    const { paragraphs } = await readSelection();
    expect(paragraphs.map((p) => p.text)).toEqual([
      'tenant pays rent monthly.',
      'Deposit',
      'The deposit is two months of rent.',
      'It is returned within 30 days.',
      'Repairs',
      'The landlord repairs the roof.',
    ]);
    const selected = runResult(paragraphs, {}, [], {
      by: 'headings',
      headings: [
        { paragraph: 1, last: 3, title: 'Deposit', covered: true },
        { paragraph: 4, last: 5, title: 'Repairs', covered: false },
      ],
    });
    const these = summarizeThese(selected, [[0, 1, 'Repairs']]);
    expect(these.numbers).toEqual([5, 6]);

    expect(await insertComments(these)).toBe('Inserted 1 comment.');
    // Not the table of contents' "Repairs" (body 4), which the text alone would name first.
    expect(ownComments(sim)).toEqual([[11, 'Repairs', 'LocalScribe: Repairs — About repairs.']]);
    expect(withoutOwnComments(sim)).toEqual(before);
  });

  it('a selection edited since it was read: each section found by its text nearest to its place', async () => {
    setUp({ ...LEASE, selection: [8, 12] });
    const { paragraphs } = await readSelection();
    const result = runResult(paragraphs, {}, [
      [0, 2, 'Deposit'],
      [3, 4, 'Repairs'],
    ]);
    // A paragraph added inside the selection: its paragraphs are no longer together as they were read.
    const edited = [...LEASE.paragraphs];
    edited.splice(10, 0, 'Interest is paid on it.');
    const sim = setUp({ ...LEASE, paragraphs: edited });

    await insertComments(result);
    expect(ownComments(sim).map(([at, text]) => [at, text])).toEqual([
      [8, 'Deposit'],
      [12, 'Repairs'],
    ]);
  });

  it("says the document changed when a selection's section is gone, and changes nothing", async () => {
    setUp({ ...LEASE, selection: [8, 12] });
    const { paragraphs } = await readSelection();
    const result = runResult(paragraphs, {}, [[3, 4, 'Repairs']]);
    const gone = LEASE.paragraphs.filter((p) => (typeof p === 'string' ? p : p.text) !== 'Repairs');
    const sim = setUp({ ...LEASE, paragraphs: gone });
    const before = sim.state.snapshot();

    const error = await insertComments(result).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'document_changed' });
    expect((error as Error).message).toContain('“Repairs”');
    expect(sim.state.snapshot()).toEqual(before);
  });
});
