import { createWordSimulation, SimOfficeError, type SimRequestContext } from './word-simulation';

function doc() {
  return createWordSimulation({
    paragraphs: [
      { text: 'Title', style: 'Heading1' },
      'First body paragraph.',
      { text: 'Item', isListItem: true },
    ],
    selection: [1, 1],
  });
}

async function run<T>(
  sim: ReturnType<typeof doc>,
  batch: (context: SimRequestContext) => Promise<T>,
): Promise<T> {
  return sim.Word.run(batch);
}

describe('word simulation is strict', () => {
  it('throws PropertyNotLoaded when a property is read without load', async () => {
    const sim = doc();
    await expect(
      run(sim, async (context) => {
        const first = context.document.body.paragraphs.getFirst();
        await context.sync();
        return first.text;
      }),
    ).rejects.toMatchObject({ code: 'PropertyNotLoaded' });
  });

  it('throws PropertyNotLoaded when a loaded property is read before sync', async () => {
    const sim = doc();
    await expect(
      run(sim, async (context) => {
        const paragraphs = context.document.body.paragraphs;
        paragraphs.load('items/text');
        return paragraphs.items.length;
      }),
    ).rejects.toBeInstanceOf(SimOfficeError);
  });

  it('loads only what was asked for, per item', async () => {
    const sim = doc();
    const result = await run(sim, async (context) => {
      const paragraphs = context.document.body.paragraphs;
      paragraphs.load('items/text');
      await context.sync();
      const texts = paragraphs.items.map((p) => p.text);
      expect(() => paragraphs.items[0].styleBuiltIn).toThrow(/styleBuiltIn/);
      return texts;
    });
    expect(result).toEqual(['Title', 'First body paragraph.', 'Item']);
  });

  it('reads a ClientResult only after sync', async () => {
    const sim = doc();
    await run(sim, async (context) => {
      const reviewed = context.document.body.paragraphs.getFirst().getReviewedText('Current');
      expect(() => reviewed.value).toThrow(expect.objectContaining({ code: 'ValueNotLoaded' }));
      await context.sync();
      expect(reviewed.value).toBe('Title');
    });
  });

  it('applies queued writes at sync, not before', async () => {
    const sim = doc();
    await run(sim, async (context) => {
      context.document.body.insertParagraph('New end', 'End');
      expect(sim.state.texts()).toHaveLength(3);
      await context.sync();
      expect(sim.state.texts()).toEqual(['Title', 'First body paragraph.', 'Item', 'New end']);
    });
    expect(sim.state.syncCount).toBe(1);
  });

  it('flushes what is still queued when Word.run returns', async () => {
    const sim = doc();
    await run(sim, async (context) => {
      context.document.body.insertParagraph('Queued', 'Start');
    });
    expect(sim.state.texts()[0]).toBe('Queued');
    expect(sim.state.syncCount).toBe(1);
  });

  it('fails WordApi 1.4 calls with ApiNotFound on a 1.3 host', async () => {
    const sim = createWordSimulation({ paragraphs: ['x'], apiVersion: '1.3' });
    expect(sim.Office.context).toMatchObject({});
    await expect(
      run(sim, async (context) => {
        const comments = context.document.body.getComments();
        comments.load('items/content');
        await context.sync();
      }),
    ).rejects.toMatchObject({ code: 'ApiNotFound' });
  });

  it('an injected failure stops the batch there: earlier operations stay, later ones never run', async () => {
    const sim = doc();
    sim.failOn({ op: 'insertParagraph', nth: 2 });
    await expect(
      run(sim, async (context) => {
        const body = context.document.body;
        body.insertParagraph('one', 'End');
        body.insertParagraph('two', 'End');
        body.insertParagraph('three', 'End');
        await context.sync();
      }),
    ).rejects.toMatchObject({
      code: 'GeneralException',
      debugInfo: { errorLocation: 'Body.insertParagraph' },
    });
    expect(sim.state.texts()).toEqual(['Title', 'First body paragraph.', 'Item', 'one']);
  });

  it('does not deliver loaded values of a failed batch', async () => {
    const sim = doc();
    sim.failSync(1);
    await run(sim, async (context) => {
      const paragraphs = context.document.body.paragraphs;
      paragraphs.load('items/text');
      await expect(context.sync()).rejects.toMatchObject({ code: 'GeneralException' });
      expect(() => paragraphs.items).toThrow(/items/);
    });
  });

  it('an object created by an operation that never ran cannot be used', async () => {
    const sim = doc();
    sim.failOn({ op: 'insertParagraph' });
    await run(sim, async (context) => {
      const p = context.document.body.insertParagraph('x', 'End');
      await expect(context.sync()).rejects.toBeInstanceOf(SimOfficeError);
      p.load('text');
      await expect(context.sync()).rejects.toMatchObject({ code: 'InvalidObjectPath' });
    });
  });

  it('rejects a load of a property the object does not have', async () => {
    const sim = doc();
    await expect(
      run(sim, async (context) => {
        context.document.body.paragraphs.load('items/txet');
        await context.sync();
      }),
    ).rejects.toMatchObject({ code: 'InvalidArgument' });
  });

  it('models content controls, lists, comments and null objects', async () => {
    const sim = doc();
    await run(sim, async (context) => {
      const body = context.document.body;
      const title = body.insertParagraph('Summary', 'Start');
      const control = title.insertContentControl();
      control.tag = 'tag-a';
      const list = control.insertParagraph('point one', 'End').startNewList();
      list.insertParagraph('point two', 'End');
      list.setLevelBullet(0, 'Solid');
      body.paragraphs.getLast().getRange('Whole').insertComment('note');
      const first = body.paragraphs.getFirst();
      const last = body.paragraphs.getLast();
      first.load('text');
      first.parentContentControlOrNullObject.load('tag');
      last.parentContentControlOrNullObject.load('tag');
      await context.sync();
      expect(first.parentContentControlOrNullObject.isNullObject).toBe(false);
      expect(first.parentContentControlOrNullObject.tag).toBe('tag-a');
      expect(last.parentContentControlOrNullObject.isNullObject).toBe(true);
      expect(() => last.parentContentControlOrNullObject.tag).toThrow(/null object/);
    });
    expect(sim.state.contentControls()).toEqual([
      expect.objectContaining({ tag: 'tag-a', texts: ['Summary', 'point one', 'point two'] }),
    ]);
    expect(sim.state.lists().find((l) => l.bullet === 'Solid')?.paragraphIndices).toEqual([1, 2]);
    expect(sim.state.comments()).toEqual([expect.objectContaining({ content: 'note', paragraphIndex: 5 })]);

    await run(sim, async (context) => {
      const controls = context.document.body.contentControls.getByTag('tag-a');
      controls.load('items/id');
      await context.sync();
      controls.items[0].delete(false);
    });
    expect(sim.state.texts()).toEqual(['Title', 'First body paragraph.', 'Item']);
  });

  it('reports selection text, partial selections and intersections', async () => {
    const sim = createWordSimulation({
      paragraphs: ['Alpha beta', 'Gamma delta'],
      selection: { start: [0, 6], end: [1, 5] },
    });
    expect(sim.state.selection()).toEqual({ text: 'beta\rGamma', paragraphIndices: [0, 1] });
    await run(sim, async (context) => {
      const sel = context.document.getSelection();
      const part = context.document.body.paragraphs
        .getFirst()
        .getRange('Whole')
        .intersectWithOrNullObject(sel);
      part.load('text');
      const relation = sel.compareLocationWith(sel);
      await context.sync();
      expect(part.text).toBe('beta');
      expect(relation.value).toBe('Equal');
    });
  });

  it('installs and restores the globals', () => {
    const sim = doc();
    const g = globalThis as Record<string, unknown>;
    const before = g.Word;
    const restore = sim.install();
    expect(g.Word).toBe(sim.Word);
    restore();
    expect(g.Word).toBe(before);
  });
});

describe('word simulation: selection, text, hyperlinks and bookmarks', () => {
  it('selects a range or a paragraph at sync, as Range.select and Paragraph.select do', async () => {
    const sim = doc();
    await run(sim, async (context) => {
      const paragraphs = context.document.body.paragraphs;
      paragraphs.getLast().select();
      expect(sim.state.selection()!.paragraphIndices).toEqual([1]);
      await context.sync();
      expect(sim.state.selection()).toEqual({ text: 'Item', paragraphIndices: [2] });
      paragraphs.getFirst().getRange('Content').select('End');
      await context.sync();
      expect(sim.state.selection()).toEqual({ text: '', paragraphIndices: [0] });
    });
  });

  it('inserts text at a paragraph end and links it, moving what follows in the paragraph', async () => {
    const sim = doc();
    await run(sim, async (context) => {
      const first = context.document.body.paragraphs.getFirst();
      first.insertText(' one', 'End');
      const link = first.insertText(' ¶2', 'End');
      link.hyperlink = '#_LocalScribe_2';
      await context.sync();
      link.load('hyperlink,text');
      await context.sync();
      expect(link.hyperlink).toBe('#_LocalScribe_2');
      expect(link.text).toBe(' ¶2');
    });
    expect(sim.state.texts()[0]).toBe('Title one ¶2');
    expect(sim.state.hyperlinks()).toEqual([{ address: '#_LocalScribe_2', text: ' ¶2', paragraphIndex: 0 }]);
  });

  it('keeps bookmarks by case-insensitive name, lists hidden ones only when asked, and deletes them', async () => {
    const sim = createWordSimulation({ paragraphs: ['A', 'B'], bookmarks: [{ name: 'Mine', paragraph: 0 }] });
    await run(sim, async (context) => {
      const body = context.document.body;
      body.paragraphs.getLast().getRange('Whole').insertBookmark('_Hidden');
      body.paragraphs.getFirst().getRange('Whole').insertBookmark('_hidden');
      const visible = body.getRange('Whole').getBookmarks();
      const all = body.getRange('Whole').getBookmarks(true, true);
      const found = context.document.getBookmarkRangeOrNullObject('_HIDDEN');
      const missing = context.document.getBookmarkRangeOrNullObject('nothing');
      found.load('text');
      missing.load('text');
      await context.sync();
      expect(visible.value).toEqual(['Mine']);
      expect(all.value.sort()).toEqual(['Mine', '_hidden']);
      expect(found.text).toBe('A');
      expect(missing.isNullObject).toBe(true);
      context.document.deleteBookmark('MINE');
      await context.sync();
    });
    expect(sim.state.bookmarks()).toEqual([{ name: '_hidden', text: 'A', paragraphIndex: 0 }]);
  });

  it('refuses bad bookmark names, and needs WordApi 1.4 for bookmarks and 1.3 for hyperlinks', async () => {
    const sim = doc();
    await expect(
      run(sim, async (context) => {
        context.document.body.getRange('Whole').insertBookmark('1st mark');
        await context.sync();
      }),
    ).rejects.toMatchObject({ code: 'InvalidArgument' });
    const old = createWordSimulation({ paragraphs: ['A'], apiVersion: '1.3' });
    await expect(
      run(old, async (context) => {
        context.document.body.getRange('Whole').insertBookmark('_LocalScribe_1');
        await context.sync();
      }),
    ).rejects.toMatchObject({ code: 'ApiNotFound' });
    const older = createWordSimulation({ paragraphs: ['A'], apiVersion: '1.2' });
    await expect(
      run(older, async (context) => {
        context.document.body.getRange('Whole').hyperlink = 'https://example.invalid';
        await context.sync();
      }),
    ).rejects.toMatchObject({ code: 'ApiNotFound' });
  });

  it('drops bookmarks and hyperlinks with the paragraphs they are in', async () => {
    const sim = createWordSimulation({ paragraphs: ['A', 'B'], bookmarks: [{ name: 'b', paragraph: 1 }] });
    await run(sim, async (context) => {
      context.document.body.paragraphs.getLast().getRange('Whole').hyperlink = '#b';
      context.document.body.paragraphs.getLast().delete();
      await context.sync();
    });
    expect(sim.state.snapshot()).toMatchObject({ bookmarks: [], hyperlinks: [] });
  });
});
