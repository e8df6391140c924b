/**
 * The Word layer against the strict simulation: realistic documents, bounded syncs, replace-not-stack, comment
 * anchors, the 1.3 fallback and half-way failures.
 */
import {
  insertSectionComments,
  insertSelectionComment,
  insertSummarySection,
  readDocument,
  readSelection,
  removeSummary,
  hasWordApi,
  SUMMARY_TAG,
  WordError,
} from '../../../taskpane/word';
import { createWordSimulation, type WordSimulationOptions } from '../../word-simulation/word-simulation';
import { useWordSimulation } from './use-simulation';

const { setUp, restore } = useWordSimulation();

const REPORT: WordSimulationOptions = {
  paragraphs: [
    { text: 'Quarterly report', style: 'Title' },
    { text: 'Overview', style: 'Heading1' },
    'Revenue grew in every region.',
    '',
    { text: 'Details', style: 'Heading2' },
    { text: 'North: up 4%', isListItem: true },
    { text: 'South: up 6%', isListItem: true },
    { text: 'Region', inTable: true },
    { text: 'Total', inTable: true },
    { text: 'Signed off by the board.', style: 'Other', styleName: 'Signature' },
  ],
};

async function caught(promise: Promise<unknown>): Promise<WordError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(WordError);
    return error as WordError;
  }
  throw new Error('expected a WordError');
}

describe('readDocument', () => {
  it('reads headings, lists and tables in order, skipping empty paragraphs', async () => {
    const sim = setUp(REPORT);
    const { paragraphs } = await readDocument();
    expect(paragraphs).toEqual([
      { text: 'Quarterly report', style: 'Title', outlineLevel: null, isListItem: false, inTable: false },
      { text: 'Overview', style: 'Heading1', outlineLevel: 1, isListItem: false, inTable: false },
      {
        text: 'Revenue grew in every region.',
        style: 'Normal',
        outlineLevel: null,
        isListItem: false,
        inTable: false,
      },
      { text: 'Details', style: 'Heading2', outlineLevel: 2, isListItem: false, inTable: false },
      { text: 'North: up 4%', style: 'ListParagraph', outlineLevel: null, isListItem: true, inTable: false },
      { text: 'South: up 6%', style: 'ListParagraph', outlineLevel: null, isListItem: true, inTable: false },
      { text: 'Region', style: 'Normal', outlineLevel: null, isListItem: false, inTable: true },
      { text: 'Total', style: 'Normal', outlineLevel: null, isListItem: false, inTable: true },
      {
        text: 'Signed off by the board.',
        style: 'Other',
        outlineLevel: null,
        isListItem: false,
        inTable: false,
      },
    ]);
    expect(sim.state.runCount).toBe(1);
    expect(sim.state.syncCount).toBeLessThanOrEqual(2);
  });

  it('uses the current text of tracked changes with WordApi 1.4, the raw text on 1.3', async () => {
    const doc = { paragraphs: [{ text: 'The old new term.', currentText: 'The new term.' }] };
    setUp({ ...doc, apiVersion: '1.4' });
    expect((await readDocument()).paragraphs[0].text).toBe('The new term.');
    setUp({ ...doc, apiVersion: '1.3' });
    expect((await readDocument()).paragraphs[0].text).toBe('The old new term.');
  });

  it('reads 5,000 paragraphs with at most two syncs', async () => {
    const paragraphs = Array.from({ length: 5000 }, (_, i) =>
      i % 50 === 0 ? { text: `Section ${i / 50}`, style: 'Heading1' } : `Paragraph ${i} of a long contract.`,
    );
    const sim = setUp({ paragraphs });
    const read = await readDocument();
    expect(read.paragraphs).toHaveLength(5000);
    expect(sim.state.syncCount).toBeLessThanOrEqual(2);
  });

  it('says the document is empty', async () => {
    setUp({ paragraphs: ['', '   '] });
    const error = await caught(readDocument());
    expect(error.code).toBe('empty_document');
    expect(error.message).toMatch(/no text/);
  });

  it('skips its own summary section, so indices stay stable after an insertion', async () => {
    setUp(REPORT);
    const before = await readDocument();
    await insertSummarySection({
      position: 'start',
      title: 'Summary',
      summary: '- a\n- b',
      style: 'key-points',
    });
    expect(await readDocument()).toEqual(before);
  });

  it('fails with a WordError when Word fails', async () => {
    const sim = setUp(REPORT);
    sim.failSync(1);
    const error = await caught(readDocument());
    expect(error.code).toBe('word_api_error');
  });
});

describe('readSelection', () => {
  it('reads only the selected part of the first and last paragraphs', async () => {
    const sim = setUp({ ...REPORT, selection: { start: [2, 8], end: [5, 5] } });
    const { paragraphs } = await readSelection();
    expect(paragraphs.map((p) => p.text)).toEqual(['grew in every region.', 'Details', 'North']);
    expect(paragraphs[1]).toMatchObject({ style: 'Heading2', outlineLevel: 2 });
    expect(sim.state.syncCount).toBeLessThanOrEqual(3);
  });

  it('reads whole selected paragraphs, with reviewed text on 1.4', async () => {
    setUp({
      paragraphs: ['a', { text: 'old new', currentText: 'new' }, 'b', 'c'],
      selection: [1, 2],
    });
    expect((await readSelection()).paragraphs.map((p) => p.text)).toEqual(['new', 'b']);
  });

  it('says the selection is empty for a caret', async () => {
    setUp({ ...REPORT, selection: { start: [2, 3], end: [2, 3] } });
    const error = await caught(readSelection());
    expect(error.code).toBe('empty_selection');
    expect(error.message).toMatch(/Nothing is selected/);
  });

  it('says the selection is empty when only blank paragraphs are selected', async () => {
    setUp({ ...REPORT, selection: [3, 3] });
    expect((await caught(readSelection())).code).toBe('empty_selection');
  });

  it('keeps syncs bounded for a 5,000-paragraph selection', async () => {
    const sim = setUp({ paragraphs: Array.from({ length: 5000 }, (_, i) => `p${i}`), selection: [0, 4999] });
    expect((await readSelection()).paragraphs).toHaveLength(5000);
    expect(sim.state.syncCount).toBeLessThanOrEqual(3);
  });
});

describe('insertSummarySection', () => {
  it('inserts a tagged section at the start: Heading 1 title and a bulleted list', async () => {
    const sim = setUp(REPORT);
    const result = await insertSummarySection({
      position: 'start',
      title: 'Summary',
      summary: '- Revenue grew.\n* Both regions up.\n\n1. Board signed off.',
      style: 'key-points',
    });
    expect(result).toEqual({ paragraphs: 4, replaced: 0, listFallback: false, citations: 'none' });
    const [control] = sim.state.contentControls();
    expect(control).toMatchObject({
      tag: SUMMARY_TAG,
      title: 'LocalScribe summary',
      paragraphIndices: [0, 1, 2, 3],
      texts: ['Summary', 'Revenue grew.', 'Both regions up.', 'Board signed off.'],
    });
    const paragraphs = sim.state.paragraphs();
    expect(paragraphs[0].styleBuiltIn).toBe('Heading1');
    expect(paragraphs.slice(1, 4).every((p) => p.isListItem)).toBe(true);
    expect(sim.state.lists().find((l) => l.paragraphIndices[0] === 1)).toMatchObject({
      bullet: 'Solid',
      paragraphIndices: [1, 2, 3],
    });
    expect(paragraphs[4].text).toBe('Quarterly report');
    expect(sim.state.syncCount).toBe(2);
  });

  it('inserts plain paragraphs at the end for a paragraph summary', async () => {
    const sim = setUp(REPORT);
    await insertSummarySection({
      position: 'end',
      title: 'Summary',
      summary: 'One.\nTwo.',
      style: 'paragraph',
    });
    const texts = sim.state.texts();
    expect(texts.slice(-3)).toEqual(['Summary', 'One.', 'Two.']);
    expect(
      sim.state
        .paragraphs()
        .slice(-2)
        .every((p) => !p.isListItem && p.styleBuiltIn === 'Normal'),
    ).toBe(true);
  });

  it('replaces the previous summary instead of stacking a second one', async () => {
    const sim = setUp(REPORT);
    await insertSummarySection({
      position: 'start',
      title: 'Summary',
      summary: 'First run.',
      style: 'paragraph',
    });
    const second = await insertSummarySection({
      position: 'start',
      title: 'Summary',
      summary: 'Second run.',
      style: 'paragraph',
    });
    expect(second.replaced).toBe(1);
    expect(sim.state.contentControls()).toEqual([
      expect.objectContaining({ tag: SUMMARY_TAG, texts: ['Summary', 'Second run.'] }),
    ]);
    expect(sim.state.texts()).toHaveLength(REPORT.paragraphs.length + 2);
  });

  it('moves the summary when the second run asks for the other end', async () => {
    const sim = setUp(REPORT);
    await insertSummarySection({ position: 'start', title: 'S', summary: 'x', style: 'paragraph' });
    await insertSummarySection({ position: 'end', title: 'S', summary: 'y', style: 'paragraph' });
    expect(sim.state.texts().slice(0, 1)).toEqual(['Quarterly report']);
    expect(sim.state.texts().slice(-2)).toEqual(['S', 'y']);
    expect(sim.state.contentControls()).toHaveLength(1);
  });

  it('leaves the document as it was when an insertion fails half-way', async () => {
    const sim = setUp(REPORT);
    await insertSummarySection({ position: 'start', title: 'Summary', summary: 'Old.', style: 'paragraph' });
    const before = sim.state.snapshot();
    sim.failOn({ op: 'ContentControl.insertParagraph', nth: 2, repeat: true });
    const error = await caught(
      insertSummarySection({
        position: 'start',
        title: 'Summary',
        summary: 'One.\nTwo.\nThree.',
        style: 'paragraph',
      }),
    );
    expect(error.code).toBe('insert_failed');
    expect(error.message).toMatch(/left as it was/);
    expect(error.remains).toBeUndefined();
    expect(sim.state.snapshot()).toEqual(before);
  });

  it('removes an untagged title when wrapping it in the control fails', async () => {
    const sim = setUp(REPORT);
    const before = sim.state.snapshot();
    sim.failOn({ op: 'insertContentControl', repeat: true });
    expect(
      (
        await caught(
          insertSummarySection({ position: 'end', title: 'Summary', summary: 'x', style: 'paragraph' }),
        )
      ).code,
    ).toBe('insert_failed');
    expect(sim.state.snapshot()).toEqual(before);
  });

  it('falls back to "• " paragraphs when Word refuses to make a list', async () => {
    const sim = setUp(REPORT);
    sim.failOn({ op: 'startNewList' });
    const result = await insertSummarySection({
      position: 'start',
      title: 'Summary',
      summary: '- a\n- b',
      style: 'key-points',
    });
    expect(result.listFallback).toBe(true);
    expect(sim.state.contentControls()).toEqual([
      expect.objectContaining({ texts: ['Summary', '• a', '• b'] }),
    ]);
    expect(sim.state.contentControls()).toHaveLength(1);
  });

  it('says what remains when the clean-up fails too', async () => {
    const sim = setUp(REPORT);
    sim.failOn({ op: 'ContentControl.insertParagraph', nth: 1 });
    sim.failOn({ op: 'ContentControl.delete', repeat: true });
    const error = await caught(
      insertSummarySection({ position: 'start', title: 'Summary', summary: 'x', style: 'paragraph' }),
    );
    expect(error.code).toBe('insert_failed');
    expect(error.remains).toMatch(/Part of the LocalScribe summary may remain at the start/);
    sim.clearFailures();
    expect((await removeSummary()).sections).toBe(1);
    expect(sim.state.texts()).toEqual(createWordSimulation(REPORT).state.texts());
  });

  it('rejects a blank summary without touching Word', async () => {
    const sim = setUp(REPORT);
    expect(
      (
        await caught(
          insertSummarySection({ position: 'start', title: 'S', summary: ' \n ', style: 'paragraph' }),
        )
      ).code,
    ).toBe('invalid_argument');
    expect(sim.state.runCount).toBe(0);
  });
});

describe('insertSectionComments', () => {
  it('anchors one marked comment on the first paragraph of each section', async () => {
    const sim = setUp(REPORT);
    await insertSummarySection({ position: 'start', title: 'Summary', summary: 'x', style: 'paragraph' });
    const { paragraphs } = await readDocument();
    expect(paragraphs[1].text).toBe('Overview');
    sim.state.resetCounters();
    const result = await insertSectionComments([
      { paragraphs: [1, 2], title: 'Overview', summary: 'Growth everywhere.' },
      { paragraphs: [3, 7], title: 'Details', summary: 'Both regions up.' },
    ]);
    expect(result).toEqual({ inserted: 2, replaced: 0 });
    expect(sim.state.comments()).toEqual([
      expect.objectContaining({
        anchorText: 'Overview',
        content: 'LocalScribe: Overview — Growth everywhere.',
      }),
      expect.objectContaining({ anchorText: 'Details', content: 'LocalScribe: Details — Both regions up.' }),
    ]);
    expect(sim.state.syncCount).toBeLessThanOrEqual(3);
  });

  it('replaces earlier section comments and keeps the user’s own', async () => {
    const sim = setUp({ ...REPORT, comments: [{ content: 'Check this figure', paragraph: 2 }] });
    await insertSectionComments([{ paragraphs: [0, 3], title: 'A', summary: 'first' }]);
    const second = await insertSectionComments([{ paragraphs: [3, 8], title: 'B', summary: 'second' }]);
    expect(second.replaced).toBe(1);
    expect(sim.state.comments().map((c) => c.content)).toEqual([
      'Check this figure',
      'LocalScribe: B — second',
    ]);
  });

  it('keeps syncs bounded for 5,000 paragraphs and 100 sections', async () => {
    const sim = setUp({ paragraphs: Array.from({ length: 5000 }, (_, i) => `p${i}`) });
    const sections = Array.from({ length: 100 }, (_, i) => ({
      paragraphs: [i * 50, i * 50 + 49] as [number, number],
      title: `S${i}`,
      summary: 's',
    }));
    await insertSectionComments(sections);
    expect(sim.state.syncCount).toBeLessThanOrEqual(3);
    expect(sim.state.comments()[99].anchorText).toBe('p4950');
  });

  it('counts within a selection given its paragraphs, and keeps syncs bounded for 2,000 of them', async () => {
    const sim = setUp({ paragraphs: Array.from({ length: 5000 }, (_, i) => `p${i}`) });
    // Paragraphs 3000–4999 were selected and sent.
    const selection = Array.from({ length: 2000 }, (_, place) => ({ place, text: `p${3000 + place}` }));
    const sections = Array.from({ length: 100 }, (_, i) => ({
      paragraphs: [i * 20, i * 20 + 19] as [number, number],
      title: `S${i}`,
      summary: 's',
    }));
    sim.state.resetCounters();
    await insertSectionComments(sections, selection);
    expect(sim.state.syncCount).toBeLessThanOrEqual(3);
    expect(sim.state.comments().map((c) => c.paragraphIndex)).toEqual(sections.map((_, i) => 3000 + i * 20));
  });

  it('refuses a section of a selection whose first paragraph it was not given, touching nothing', async () => {
    const sim = setUp(REPORT);
    const sections = [{ paragraphs: [2, 3] as [number, number], title: 'A', summary: 'x' }];
    const error = await caught(insertSectionComments(sections, [{ place: 0, text: 'Overview' }]));
    expect(error.code).toBe('invalid_argument');
    expect(sim.state.runCount).toBe(0);
  });

  it('says comments need WordApi 1.4 and suggests the section output, touching nothing', async () => {
    const sim = setUp({ ...REPORT, apiVersion: '1.3' });
    const error = await caught(insertSectionComments([{ paragraphs: [0, 1], title: 'A', summary: 'x' }]));
    expect(error.code).toBe('comments_unsupported');
    expect(error.message).toMatch(/1\.4/);
    expect(error.message).toMatch(/New section/);
    expect(sim.state.runCount).toBe(0);
  });

  it('says the document changed when an index no longer exists', async () => {
    setUp(REPORT);
    expect(
      (await caught(insertSectionComments([{ paragraphs: [40, 41], title: 'A', summary: 'x' }]))).code,
    ).toBe('document_changed');
  });

  it('leaves the comments as they were when an insertion fails half-way', async () => {
    const sim = setUp({ ...REPORT, comments: [{ content: 'Mine', paragraph: 2 }] });
    await insertSectionComments([{ paragraphs: [0, 3], title: 'A', summary: 'first' }]);
    const before = sim.state.snapshot();
    sim.failOn({ op: 'insertComment', nth: 2 });
    const error = await caught(
      insertSectionComments([
        { paragraphs: [1, 2], title: 'B', summary: 'b' },
        { paragraphs: [3, 4], title: 'C', summary: 'c' },
      ]),
    );
    expect(error.code).toBe('insert_failed');
    expect(sim.state.snapshot()).toEqual(before);
  });
});

describe('insertSelectionComment', () => {
  it('comments on the selection and replaces its own comment on the same selection', async () => {
    const sim = setUp({ ...REPORT, selection: { start: [2, 0], end: [2, 7] } });
    await insertSelectionComment('First.');
    await insertSelectionComment('Second.');
    expect(sim.state.comments()).toEqual([
      expect.objectContaining({ anchorText: 'Revenue', content: 'LocalScribe (selection): Second.' }),
    ]);
    sim.state.setSelection([4, 4]);
    await insertSelectionComment('Other.');
    expect(sim.state.comments()).toHaveLength(2);
  });

  it('says the selection is empty', async () => {
    setUp({ ...REPORT, selection: { start: [2, 1], end: [2, 1] } });
    expect((await caught(insertSelectionComment('x'))).code).toBe('empty_selection');
  });

  it('says comments need WordApi 1.4', async () => {
    setUp({ ...REPORT, apiVersion: '1.3', selection: [1, 1] });
    expect((await caught(insertSelectionComment('x'))).code).toBe('comments_unsupported');
  });

  it('removes its new comment when the batch fails after inserting it', async () => {
    const sim = setUp({ ...REPORT, selection: [2, 2] });
    await insertSelectionComment('First.');
    const before = sim.state.snapshot();
    sim.failOn({ op: 'Comment.delete', nth: 1 });
    expect((await caught(insertSelectionComment('Second.'))).code).toBe('insert_failed');
    expect(sim.state.snapshot()).toEqual(before);
  });
});

describe('removeSummary', () => {
  it('removes the summary section and every LocalScribe comment, nothing else', async () => {
    const sim = setUp({ ...REPORT, selection: [2, 2], comments: [{ content: 'Mine', paragraph: 1 }] });
    const original = sim.state.texts();
    await insertSummarySection({ position: 'end', title: 'Summary', summary: '- a', style: 'key-points' });
    await insertSectionComments([{ paragraphs: [0, 1], title: 'A', summary: 'x' }]);
    await insertSelectionComment('y');
    sim.state.resetCounters();
    expect(await removeSummary()).toEqual({ removed: 3, sections: 1, comments: 2 });
    expect(sim.state.texts()).toEqual(original);
    expect(sim.state.comments().map((c) => c.content)).toEqual(['Mine']);
    expect(sim.state.syncCount).toBeLessThanOrEqual(2);
    expect(await removeSummary()).toEqual({ removed: 0, sections: 0, comments: 0 });
  });

  it('removes sections only on a 1.3 host', async () => {
    setUp({ ...REPORT, apiVersion: '1.3' });
    await insertSummarySection({ position: 'start', title: 'S', summary: 'x', style: 'paragraph' });
    expect(await removeSummary()).toEqual({ removed: 1, sections: 1, comments: 0 });
  });
});

describe('hasWordApi', () => {
  it('follows the host and is false outside Office', () => {
    setUp({ paragraphs: ['x'], apiVersion: '1.3' });
    expect(hasWordApi('1.3')).toBe(true);
    expect(hasWordApi('1.4')).toBe(false);
    restore();
    expect(hasWordApi('1.1')).toBe(false);
  });
});
