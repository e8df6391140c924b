/**
 * The Word layer against office-addin-mock: every function loads what it reads and syncs before reading (a read
 * that skipped either would surface office-addin-mock's error string in the result), and calls Word as expected.
 */
import { OfficeMockObject } from 'office-addin-mock';
import {
  hasWordApi,
  insertSectionComments,
  insertSelectionComment,
  insertSummarySection,
  readDocument,
  readSelection,
  removeSummary,
  SUMMARY_TAG,
  WordError,
} from '../../../taskpane/word';
import { createMockWord, mockErrorsIn, NOT_LOADED, NOT_SYNCED, type MockWordSpec } from './office-mock-word';

// office-addin-mock imports office-addin-manifest only for its OfficeApp enum, and that package pulls in an ES
// module Jest's CommonJS runtime cannot load on Node 20: stand in for the enum.
jest.mock('office-addin-manifest', () => ({
  OfficeApp: {
    Excel: 'excel',
    OneNote: 'onenote',
    Outlook: 'outlook',
    PowerPoint: 'powerpoint',
    Project: 'project',
    Word: 'word',
  },
}));

let restore: (() => void) | undefined;
afterEach(() => restore?.());

function setUp(spec: MockWordSpec) {
  const mock = createMockWord(spec);
  restore = mock.install();
  return mock;
}

const DOC: MockWordSpec = {
  paragraphs: [
    { text: 'Contract', styleBuiltIn: 'Title' },
    { text: 'Terms', styleBuiltIn: 'Heading1' },
    { text: 'The buyer pays.', styleBuiltIn: 'Normal' },
    { text: 'Net 30', styleBuiltIn: 'ListParagraph', isListItem: true },
    { text: 'Cell', tableNestingLevel: 1 },
    { text: 'Old summary', styleBuiltIn: 'Heading1', controlTag: SUMMARY_TAG },
  ],
  selection: [1, 2],
  comments: [
    { id: 'c1', content: 'LocalScribe: Terms — old' },
    { id: 'c2', content: 'A reviewer note' },
  ],
  controls: { [SUMMARY_TAG]: 1 },
};

describe('office-addin-mock catches reads that were not loaded and synced', () => {
  it('yields its error string (it does not throw) for a property read without load, or before sync', async () => {
    const paragraph = new OfficeMockObject(
      { text: 'x', styleBuiltIn: 'Normal' },
      'word' as never,
    ) as unknown as {
      text: string;
      styleBuiltIn: string;
      load(p: string): void;
      sync(): Promise<void>;
    };
    expect(paragraph.text).toBe(NOT_LOADED);
    paragraph.load('text');
    expect(paragraph.text).toBe(NOT_SYNCED);
    await paragraph.sync();
    expect(paragraph.text).toBe('x');
    expect(paragraph.styleBuiltIn).toBe(NOT_LOADED);
  });

  it('so a reader that forgets a load is caught by mockErrorsIn', async () => {
    setUp(DOC);
    const careless = await (globalThis as unknown as { Word: typeof Word }).Word.run(async (context) => {
      const paragraphs = context.document.body.paragraphs;
      paragraphs.load('items/text');
      await context.sync();
      return paragraphs.items.map((p) => ({ text: p.text, style: p.styleBuiltIn }));
    });
    expect(mockErrorsIn(careless)).toContain(NOT_LOADED);
  });
});

describe('readDocument (office-addin-mock)', () => {
  it('returns only loaded, synced values and skips LocalScribe’s own summary', async () => {
    const mock = setUp(DOC);
    const result = await readDocument();
    expect(mockErrorsIn(result)).toEqual([]);
    expect(result.paragraphs).toEqual([
      { text: 'Contract', style: 'Title', outlineLevel: null, isListItem: false, inTable: false },
      { text: 'Terms', style: 'Heading1', outlineLevel: 1, isListItem: false, inTable: false },
      { text: 'The buyer pays.', style: 'Normal', outlineLevel: null, isListItem: false, inTable: false },
      { text: 'Net 30', style: 'ListParagraph', outlineLevel: null, isListItem: true, inTable: false },
      { text: 'Cell', style: 'Normal', outlineLevel: null, isListItem: false, inTable: true },
    ]);
    expect(mock.calls.filter((c) => c === 'sync')).toHaveLength(2);
  });

  it('syncs once without WordApi 1.4 (no reviewed text)', async () => {
    const mock = setUp({ ...DOC, apiVersion: '1.3' });
    expect(mockErrorsIn(await readDocument())).toEqual([]);
    expect(mock.calls).toEqual(['sync']);
  });

  it('throws empty_document for a document without text', async () => {
    setUp({ paragraphs: [{ text: '' }] });
    await expect(readDocument()).rejects.toMatchObject({ code: 'empty_document' });
  });
});

describe('readSelection (office-addin-mock)', () => {
  it('returns the selected paragraphs with loaded values only', async () => {
    setUp(DOC);
    const result = await readSelection();
    expect(mockErrorsIn(result)).toEqual([]);
    expect(result.paragraphs.map((p) => p.text)).toEqual(['Terms', 'The buyer pays.']);
  });

  it('throws empty_selection for a caret', async () => {
    setUp({ ...DOC, selection: [] });
    await expect(readSelection()).rejects.toMatchObject({ code: 'empty_selection' });
  });
});

describe('insertSummarySection (office-addin-mock)', () => {
  it('inserts the title into a tagged control, bullets as a list, then deletes the old control', async () => {
    const mock = setUp(DOC);
    const result = await insertSummarySection({
      position: 'start',
      title: 'Summary',
      summary: '- a\n- b',
      style: 'key-points',
    });
    expect(result).toEqual({ paragraphs: 3, replaced: 1, listFallback: false, citations: 'none' });
    expect(mock.calls).toEqual([
      'body.insertParagraph:Start:Summary',
      'paragraph.insertContentControl',
      'control.insertParagraph:End:a',
      'paragraph.startNewList',
      'list.setLevelBullet:0:Solid',
      'list.insertParagraph:End:b',
      'sync',
      `control[${SUMMARY_TAG}].delete:false`,
      'sync',
    ]);
  });
});

describe('insertSectionComments (office-addin-mock)', () => {
  it('anchors each comment on its section’s first paragraph and replaces the old LocalScribe comments', async () => {
    const mock = setUp(DOC);
    expect(
      await insertSectionComments([{ paragraphs: [1, 3], title: 'Terms', summary: 'Pay in 30 days.' }]),
    ).toEqual({
      inserted: 1,
      replaced: 1,
    });
    expect(mock.calls).toEqual([
      'sync',
      'sync',
      'paragraph[1].insertComment:LocalScribe: Terms — Pay in 30 days.',
      'comment[c1].delete',
      'sync',
    ]);
  });

  it('throws comments_unsupported on WordApi 1.3 without calling Word', async () => {
    const mock = setUp({ ...DOC, apiVersion: '1.3' });
    const error = await insertSectionComments([{ paragraphs: [0, 1], title: 'a', summary: 'b' }]).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WordError);
    expect(error).toMatchObject({ code: 'comments_unsupported' });
    expect(mock.calls).toEqual([]);
  });
});

describe('insertSelectionComment (office-addin-mock)', () => {
  it('comments on the selection', async () => {
    const mock = setUp({ ...DOC, comments: [{ id: 'c9', content: 'LocalScribe (selection): elsewhere' }] });
    expect(await insertSelectionComment('Short.')).toEqual({ inserted: 1, replaced: 0 });
    expect(mock.calls).toEqual([
      'sync',
      'sync',
      'selection.insertComment:LocalScribe (selection): Short.',
      'sync',
    ]);
  });
});

describe('removeSummary (office-addin-mock)', () => {
  it('deletes tagged controls, LocalScribe comments and the bookmarks its sections link to, only', async () => {
    const mock = setUp({ ...DOC, bookmarks: ['_LocalScribe_3', 'UserMark', '_Toc123'] });
    expect(await removeSummary()).toEqual({ removed: 2, sections: 1, comments: 1 });
    expect(mock.calls).toEqual([
      'sync',
      `control[${SUMMARY_TAG}].delete:false`,
      'comment[c1].delete',
      'document.deleteBookmark:_LocalScribe_3',
      'sync',
    ]);
  });
});

describe('hasWordApi (office-addin-mock)', () => {
  it('asks Office.context.requirements', () => {
    setUp({ ...DOC, apiVersion: '1.3' });
    expect(hasWordApi('1.3')).toBe(true);
    expect(hasWordApi('1.4')).toBe(false);
  });
});
