/**
 * Citations in Word, against the strict simulation: a click selects the cited paragraph (found again when the
 * document moved), an inserted summary links each citation to a hidden bookmark on its paragraph (WordApi 1.4) or
 * shows "(¶n)" text (1.3), a second insertion retires the bookmarks it no longer uses, and Remove deletes them.
 */
import {
  insertSummarySection,
  readDocument,
  removeSummary,
  selectParagraph,
  SUMMARY_TAG,
  WordError,
} from '../../../taskpane/word';
import type { WordSimulationOptions } from '../../word-simulation/word-simulation';
import { LIMITS } from '../../../localhost-engine/api/schemas';
import { useWordSimulation } from './use-simulation';

const { setUp } = useWordSimulation();

const LEASE: WordSimulationOptions = {
  paragraphs: [
    { text: 'Lease', style: 'Title' },
    { text: 'Rent', style: 'Heading1' },
    'The tenant pays rent monthly.',
    '',
    { text: 'Deposit', style: 'Heading1' },
    'The deposit is two months of rent.',
  ],
};

/** The citations the pane passes for a document-scope run over `paragraphs` (read with readDocument). */
async function citations(points: Array<{ text: string; sources: number[] }>) {
  const { paragraphs } = await readDocument();
  const cited = new Set(points.flatMap((p) => p.sources));
  return {
    points,
    sources: Object.fromEntries([...cited].map((i) => [i, { index: i, text: paragraphs[i].text }])),
  };
}

describe('selectParagraph', () => {
  it('selects the cited paragraph, read as readDocument reads (empty paragraphs skipped)', async () => {
    const sim = setUp(LEASE);
    sim.state.resetCounters();
    await selectParagraph({ index: 3, text: 'The deposit is two months of rent.' });
    expect(sim.state.selection()).toEqual({
      text: 'The deposit is two months of rent.',
      paragraphIndices: [5],
    });
    expect(sim.state.syncCount).toBeLessThanOrEqual(3);
    expect(sim.state.runCount).toBe(1);
  });

  it('finds a paragraph that moved, and one cited from a selection by its text', async () => {
    const sim = setUp({ ...LEASE, paragraphs: ['A new first line.', ...LEASE.paragraphs] });
    await selectParagraph({ index: 2, text: 'The tenant pays rent monthly.' });
    expect(sim.state.selection()!.paragraphIndices).toEqual([3]);
    await selectParagraph({ index: null, text: 'two months of rent.' });
    expect(sim.state.selection()!.paragraphIndices).toEqual([6]);
  });

  it('says the document changed when the paragraph is gone, and changes nothing', async () => {
    const sim = setUp(LEASE);
    const before = sim.state.snapshot();
    const selection = sim.state.selection();
    const error = await selectParagraph({ index: 2, text: 'Pets are welcome.' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WordError);
    expect(error).toMatchObject({ code: 'document_changed' });
    expect(sim.state.snapshot()).toEqual(before);
    expect(sim.state.selection()).toEqual(selection);
  });
});

describe('insertSummarySection with citations', () => {
  it('links each citation to a hidden bookmark on its paragraph (WordApi 1.4)', async () => {
    const sim = setUp(LEASE);
    const report = await insertSummarySection({
      position: 'start',
      title: 'Summary: key points',
      summary: '- Rent is paid monthly.\n- The deposit is two months.',
      style: 'key-points',
      citations: await citations([
        { text: 'Rent is paid monthly.', sources: [2] },
        { text: 'The deposit is two months.', sources: [4, 2] },
      ]),
    });
    expect(report).toMatchObject({ citations: 'links', paragraphs: 3, replaced: 0 });
    const control = sim.state.contentControls()[0];
    expect(control.tag).toBe(SUMMARY_TAG);
    expect(control.texts.slice(1)).toEqual([
      'Rent is paid monthly. (¶3)',
      'The deposit is two months. (¶5, ¶3)',
    ]);
    expect(sim.state.hyperlinks()).toEqual([
      { address: '#_LocalScribe_3', text: '¶3', paragraphIndex: 1 },
      { address: '#_LocalScribe_5', text: '¶5', paragraphIndex: 2 },
      { address: '#_LocalScribe_3', text: '¶3', paragraphIndex: 2 },
    ]);
    // The bookmarks sit on the cited paragraphs themselves (the summary moved them down by three).
    expect(sim.state.bookmarks().sort((a, b) => a.paragraphIndex - b.paragraphIndex)).toEqual([
      { name: '_LocalScribe_3', text: 'The tenant pays rent monthly.', paragraphIndex: 5 },
      { name: '_LocalScribe_5', text: 'The deposit is two months of rent.', paragraphIndex: 8 },
    ]);
  });

  it('writes the numbers it is given (a run over part of the document), linked to the right paragraphs', async () => {
    const sim = setUp(LEASE);
    // "Summarize these" sent only the Deposit section: its source 1 is the document's ¶5 (index 4, as read).
    const report = await insertSummarySection({
      position: 'start',
      title: 'Summary',
      summary: '- The deposit is two months.',
      style: 'key-points',
      citations: {
        points: [{ text: 'The deposit is two months.', sources: [1] }],
        sources: { 1: { index: 4, text: 'The deposit is two months of rent.' } },
        numbers: { 1: 5 },
      },
    });
    expect(report.citations).toBe('links');
    expect(sim.state.contentControls()[0].texts[1]).toBe('The deposit is two months. (¶5)');
    expect(sim.state.hyperlinks()).toEqual([{ address: '#_LocalScribe_5', text: '¶5', paragraphIndex: 1 }]);
    expect(sim.state.bookmarks()).toEqual([
      { name: '_LocalScribe_5', text: 'The deposit is two months of rent.', paragraphIndex: 7 },
    ]);
  });

  it('replaces the earlier summary and retires the bookmarks it no longer uses; Remove deletes the rest', async () => {
    const sim = setUp({ ...LEASE, bookmarks: [{ name: 'UserMark', paragraph: 2 }] });
    const args = { position: 'end' as const, title: 'Summary', style: 'key-points' as const };
    await insertSummarySection({
      ...args,
      summary: '- Rent and deposit.',
      citations: await citations([{ text: 'Rent and deposit.', sources: [2, 4] }]),
    });
    await insertSummarySection({
      ...args,
      summary: '- The deposit.',
      citations: await citations([{ text: 'The deposit.', sources: [4] }]),
    });
    expect(sim.state.contentControls()).toHaveLength(1);
    expect(
      sim.state
        .bookmarks()
        .map((b) => b.name)
        .sort(),
    ).toEqual(['UserMark', '_LocalScribe_5']);
    expect(await removeSummary()).toMatchObject({ removed: 1 });
    expect(sim.state.bookmarks().map((b) => b.name)).toEqual(['UserMark']);
    expect(sim.state.hyperlinks()).toEqual([]);
    expect(sim.state.texts()).toEqual(LEASE.paragraphs.map((p) => (typeof p === 'string' ? p : p.text)));
  });

  it('leaves a citation whose paragraph is gone as text', async () => {
    const sim = setUp(LEASE);
    const cited = await citations([{ text: 'Rent.', sources: [2, 4] }]);
    cited.sources[4] = { index: 4, text: 'A paragraph deleted since.' };
    await insertSummarySection({
      position: 'start',
      title: 'S',
      summary: '- Rent.',
      style: 'key-points',
      citations: cited,
    });
    expect(sim.state.contentControls()[0].texts[1]).toBe('Rent. (¶3, ¶5)');
    expect(sim.state.hyperlinks().map((h) => h.text)).toEqual(['¶3']);
  });

  it('links citations in a body too long to summarize whole (a selection summarized)', async () => {
    const filler = Array.from({ length: LIMITS.paragraphs }, (_, i) => `Clause ${i + 1} of the schedule.`);
    const sim = setUp({ ...LEASE, paragraphs: [...(LEASE.paragraphs ?? []), ...filler] });
    const report = await insertSummarySection({
      position: 'end',
      title: 'S',
      summary: '- Rent.',
      style: 'key-points',
      citations: {
        points: [{ text: 'Rent.', sources: [2] }],
        sources: { 2: { index: 2, text: 'The tenant pays rent monthly.' } },
      },
    });
    expect(report.citations).toBe('links');
    expect(sim.state.contentControls()[0].texts[1]).toBe('Rent. (¶3)');
    const [link] = sim.state.hyperlinks();
    const mark = sim.state.bookmarks().find((b) => `#${b.name}` === link.address)!;
    expect(sim.state.texts()[mark.paragraphIndex]).toBe('The tenant pays rent monthly.');
  });

  it('writes "(¶n)" text and touches no bookmark on a Word without WordApi 1.4', async () => {
    const sim = setUp({ ...LEASE, apiVersion: '1.3' });
    sim.state.resetCounters();
    const report = await insertSummarySection({
      position: 'start',
      title: 'Summary',
      summary: 'The tenant pays monthly. The deposit is two months.',
      style: 'paragraph',
      citations: {
        points: [
          { text: 'The tenant pays monthly.', sources: [2] },
          { text: 'The deposit is two months.', sources: [4] },
        ],
        sources: { 2: { index: 2, text: 'The tenant pays rent monthly.' }, 4: { index: 3, text: 'x' } },
      },
    });
    expect(report.citations).toBe('text');
    expect(sim.state.contentControls()[0].texts[1]).toBe(
      'The tenant pays monthly. (¶3) The deposit is two months. (¶5)',
    );
    expect(sim.state.hyperlinks()).toEqual([]);
    expect(sim.state.bookmarks()).toEqual([]);
    // The same two syncs as without citations: nothing is read to find paragraphs.
    expect(sim.state.syncCount).toBe(2);
  });

  it('on a half-way failure removes the section it inserted, leaving the document as it was', async () => {
    const sim = setUp(LEASE);
    const cited = await citations([{ text: 'Rent.', sources: [2] }]);
    sim.failOn({ op: 'set:hyperlink' });
    const error = await insertSummarySection({
      position: 'start',
      title: 'S',
      summary: 'Rent.',
      style: 'paragraph',
      citations: cited,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'insert_failed' });
    expect(sim.state.contentControls()).toEqual([]);
    expect(sim.state.hyperlinks()).toEqual([]);
    expect(sim.state.texts()).toEqual(LEASE.paragraphs.map((p) => (typeof p === 'string' ? p : p.text)));
  });
});
