/**
 * A strict simulation of the Word JavaScript API (the part LocalScribe uses), for Jest and for a browser page.
 * No Node-only imports: it is bundled as it is.
 *
 * ```ts
 * const sim = createWordSimulation({ paragraphs: [{ text: 'Intro', style: 'Heading1' }, 'Body text'], apiVersion: '1.4' });
 * const restore = sim.install();           // sets globalThis.Word, Office, OfficeExtension
 * await readDocument();                    // code under test uses the globals
 * sim.state.paragraphs();                  // what the document now holds
 * sim.state.syncCount;                     // syncs so far
 * sim.failOn({ op: 'insertParagraph', nth: 2 }); // the 2nd insertParagraph from now fails at its sync
 * restore();
 * ```
 */
import { SimOfficeError } from './sim-error';
import { DocumentModel, type ModelParagraph, type Pos, type SimRange } from './sim-model';
import { SimClientResult, SimRequestContext, type SimRuntime } from './sim-proxies';

export { SimOfficeError } from './sim-error';
export type { SimRequestContext } from './sim-proxies';

/** One paragraph of the initial document; a plain string is a Normal paragraph. */
export interface SimParagraphSpec {
  text: string;
  /** Word `styleBuiltIn` (`Normal`, `Title`, `Heading1`…`Heading9`, `ListParagraph`, or `Other`). */
  style?: string;
  /** Name of a custom style (with `style: 'Other'`). */
  styleName?: string;
  /** A list item; consecutive items without `listId` share one list. */
  isListItem?: boolean;
  listId?: number;
  /** Table nesting level (`true` = 1). */
  inTable?: boolean | number;
  /** Tracked changes: the text as `getReviewedText('Current')` / `('Original')` return it (`text` holds both). */
  currentText?: string;
  originalText?: string;
}

/** Paragraph indices (inclusive, whole paragraphs), or exact positions `[paragraph, offset]`. */
export type SimSelectionSpec = [number, number] | { start: [number, number]; end: [number, number] };

/**
 * A failure to inject: the `nth` execution (default 1, counted from when the rule is added) of operations matching
 * `op` fails at its sync, and with `repeat` every later one too. `op` is an operation kind (`insertParagraph`,
 * `insertContentControl`, `startNewList`, `setLevelBullet`, `insertComment`, `delete`, `load`, `getReviewedText`,
 * `compareLocationWith`, `set:tag`…) or a located name (`ContentControl.insertParagraph`, `Comment.delete`…).
 */
export interface SimFailure {
  op: string;
  nth?: number;
  repeat?: boolean;
  code?: string;
  message?: string;
}

export interface WordSimulationOptions {
  paragraphs: Array<SimParagraphSpec | string>;
  selection?: SimSelectionSpec;
  /** Highest WordApi requirement set supported (default `'1.4'`). */
  apiVersion?: string;
  /** SharedRuntime 1.1: commands run in the pane's page and `Office.addin.showAsTaskpane` works (default false). */
  sharedRuntime?: boolean;
  contentControls?: Array<{ tag: string; title?: string; paragraphs: [number, number] }>;
  comments?: Array<{ content: string; paragraph: number }>;
  /** Bookmarks on whole paragraphs. */
  bookmarks?: Array<{ name: string; paragraph: number }>;
  failOn?: SimFailure[];
  /** Sync numbers (1-based, counted over the simulation's life) that fail before running anything. */
  failSync?: number[];
}

/** A paragraph as the state reports it. */
export interface SimParagraphState {
  text: string;
  styleBuiltIn: string;
  style: string;
  isListItem: boolean;
  listId: number | null;
  tableNestingLevel: number;
  /** Tags of the content controls containing it, outermost first. */
  contentControlTags: string[];
}

function versionAtLeast(have: string, want: string): boolean {
  const [a1, a2 = 0] = have.split('.').map(Number);
  const [b1, b2 = 0] = want.split('.').map(Number);
  return a1 !== b1 ? a1 > b1 : a2 >= b2;
}

/** The document and the counters, for assertions. */
export class SimState {
  syncCount = 0;
  runCount = 0;
  /** Times `Office.addin.showAsTaskpane` showed the pane. */
  taskpaneShown = 0;
  /** Operations run, by kind (`insertParagraph`, `load`, …). */
  opCounts: Record<string, number> = {};

  constructor(
    readonly model: DocumentModel,
    public apiVersion: string,
  ) {}

  resetCounters(): void {
    this.syncCount = 0;
    this.runCount = 0;
    this.opCounts = {};
  }

  paragraphs(): SimParagraphState[] {
    return this.model.paragraphs.map((p) => ({
      text: p.text,
      styleBuiltIn: p.styleBuiltIn,
      style: this.model.styleName(p),
      isListItem: p.isListItem,
      listId: p.listId,
      tableNestingLevel: p.tableNestingLevel,
      contentControlTags: p.controls.map((id) => this.model.controls.get(id)?.tag ?? ''),
    }));
  }

  texts(): string[] {
    return this.model.paragraphs.map((p) => p.text);
  }

  contentControls(): Array<{
    id: number;
    tag: string;
    title: string;
    paragraphIndices: number[];
    texts: string[];
  }> {
    return this.model.controlsInOrder().map((c) => {
      const uids = this.model.controlParagraphs(c.id);
      return {
        id: c.id,
        tag: c.tag,
        title: c.title,
        paragraphIndices: uids.map((uid) => this.model.indexOf(uid)),
        texts: uids.map((uid) => this.model.paragraph(uid).text),
      };
    });
  }

  comments(): Array<{ id: string; content: string; anchorText: string; paragraphIndex: number }> {
    return this.model.commentsInOrder().map((c) => ({
      id: c.id,
      content: c.content,
      anchorText: this.model.rangeText(c.range),
      paragraphIndex: this.model.indexOf(c.range.start.uid),
    }));
  }

  lists(): Array<{ id: number; bullet: string | null; paragraphIndices: number[] }> {
    return [...this.model.lists.values()].map((l) => ({
      id: l.id,
      bullet: l.bullet,
      paragraphIndices: this.model.paragraphs.flatMap((p, i) =>
        p.listId === l.id && p.isListItem ? [i] : [],
      ),
    }));
  }

  /** The selection's text and paragraph indices, or null. */
  selection(): { text: string; paragraphIndices: number[] } | null {
    const sel = this.model.selection;
    if (!sel) return null;
    return {
      text: this.model.rangeText(sel),
      paragraphIndices: this.model.rangeParagraphs(sel).map((uid) => this.model.indexOf(uid)),
    };
  }

  setSelection(spec: SimSelectionSpec): void {
    this.model.selection = toRange(this.model, spec);
  }

  /** Everything observable in the document, as plain data: equal snapshots mean an unchanged document. */
  /** Bookmarks (hidden ones too), with the text they mark and the paragraph they start in. */
  bookmarks(): Array<{ name: string; text: string; paragraphIndex: number }> {
    return this.model.bookmarks.map((b) => ({
      name: b.name,
      text: this.model.rangeText(b.range),
      paragraphIndex: this.model.indexOf(b.range.start.uid),
    }));
  }

  /** Hyperlinks, in document order, with the text they are on and the paragraph it is in. */
  hyperlinks(): Array<{ address: string; text: string; paragraphIndex: number }> {
    return [...this.model.hyperlinks]
      .sort((a, b) => this.model.compare(a.range.start, b.range.start))
      .map((h) => ({
        address: h.address,
        text: this.model.rangeText(h.range),
        paragraphIndex: this.model.indexOf(h.range.start.uid),
      }));
  }

  snapshot(): {
    paragraphs: SimParagraphState[];
    contentControls: unknown[];
    comments: unknown[];
    bookmarks: unknown[];
    hyperlinks: unknown[];
  } {
    return {
      paragraphs: this.paragraphs(),
      contentControls: this.contentControls(),
      comments: this.comments(),
      bookmarks: this.bookmarks(),
      hyperlinks: this.hyperlinks(),
    };
  }
}

function toRange(model: DocumentModel, spec: SimSelectionSpec): SimRange {
  const at = ([index, offset]: [number, number]): Pos => {
    const p = model.paragraphs[index];
    if (!p) throw new RangeError(`No paragraph ${index} in the simulated document.`);
    return { uid: p.uid, offset: Math.min(offset, p.text.length) };
  };
  if (Array.isArray(spec)) {
    const last = model.paragraphs[spec[1]];
    return { start: at([spec[0], 0]), end: at([spec[1], last ? last.text.length : 0]) };
  }
  return { start: at(spec.start), end: at(spec.end) };
}

export interface WordSimulation {
  /** Stand-in for the `Word` global. */
  Word: Record<string, unknown> & {
    run: <T>(batch: (context: SimRequestContext) => Promise<T>) => Promise<T>;
  };
  /** Stand-in for the `Office` global (requirements, onReady). */
  Office: Record<string, unknown>;
  /** Stand-in for the `OfficeExtension` global (`Error`, `ClientResult`). */
  OfficeExtension: Record<string, unknown>;
  state: SimState;
  failOn(failure: SimFailure): void;
  failSync(syncNumber: number): void;
  clearFailures(): void;
  /**
   * Runs a function command as Office does when its button is clicked: calls the function associated with `name`
   * (`Office.actions.associate`) and resolves when it calls `event.completed()`. Rejects when none is associated.
   */
  runCommand(name: string): Promise<void>;
  /** Sets `Word`, `Office` and `OfficeExtension` on `target` (default `globalThis`); returns a function restoring them. */
  install(target?: Record<string, unknown>): () => void;
}

const enums = {
  InsertLocation: { before: 'Before', after: 'After', start: 'Start', end: 'End', replace: 'Replace' },
  BuiltInStyleName: {
    normal: 'Normal',
    title: 'Title',
    listParagraph: 'ListParagraph',
    ...Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`heading${i + 1}`, `Heading${i + 1}`])),
  },
  ListBullet: { solid: 'Solid', hollow: 'Hollow', square: 'Square', custom: 'Custom' },
  ChangeTrackingVersion: { original: 'Original', current: 'Current' },
  RangeLocation: {
    whole: 'Whole',
    start: 'Start',
    end: 'End',
    before: 'Before',
    after: 'After',
    content: 'Content',
  },
  ContentControlAppearance: { boundingBox: 'BoundingBox', tags: 'Tags', hidden: 'Hidden' },
  SelectionMode: { select: 'Select', start: 'Start', end: 'End' },
};

/**
 * Builds a simulated Word with the given document. Guarantees: Word's load/sync rules (see `sim-proxies.ts`);
 * requirement sets above `apiVersion` fail with `ApiNotFound` at sync; injected failures fail at the sync that
 * runs the operation. Throws `RangeError` for a spec that names paragraphs the document does not have.
 */
export function createWordSimulation(options: WordSimulationOptions): WordSimulation {
  const model = new DocumentModel();
  let pendingList: number | null = null;
  for (const raw of options.paragraphs) {
    const spec: SimParagraphSpec = typeof raw === 'string' ? { text: raw } : raw;
    let listId: number | null = null;
    if (spec.isListItem) {
      listId = spec.listId ?? pendingList ?? model.newList().id;
      if (!model.lists.has(listId)) model.lists.set(listId, { id: listId, bullet: 'Solid' });
      pendingList = spec.listId === undefined ? listId : null;
    } else {
      pendingList = null;
    }
    const paragraph: Partial<ModelParagraph> & { text: string } = {
      text: spec.text,
      styleBuiltIn: spec.style ?? (spec.isListItem ? 'ListParagraph' : 'Normal'),
      styleName: spec.styleName,
      isListItem: spec.isListItem ?? false,
      listId,
      tableNestingLevel: spec.inTable === true ? 1 : typeof spec.inTable === 'number' ? spec.inTable : 0,
      currentText: spec.currentText,
      originalText: spec.originalText,
    };
    model.insertAt(model.paragraphs.length, model.newParagraph(paragraph));
  }
  if (model.paragraphs.length === 0) model.insertAt(0, model.newParagraph({ text: '' }));
  for (const c of options.contentControls ?? []) {
    const control = model.newControl(c.tag, c.title ?? '');
    for (let i = c.paragraphs[0]; i <= c.paragraphs[1]; i++) {
      const p = model.paragraphs[i];
      if (!p) throw new RangeError(`No paragraph ${i} for content control '${c.tag}'.`);
      p.controls.push(control.id);
    }
  }
  for (const c of options.comments ?? []) {
    const p = model.paragraphs[c.paragraph];
    if (!p) throw new RangeError(`No paragraph ${c.paragraph} for a comment.`);
    model.comments.push({ id: model.newCommentId(), content: c.content, range: model.wholeParagraph(p.uid) });
  }
  for (const b of options.bookmarks ?? []) {
    const p = model.paragraphs[b.paragraph];
    if (!p) throw new RangeError(`No paragraph ${b.paragraph} for bookmark '${b.name}'.`);
    model.bookmarks.push({ name: b.name, range: model.wholeParagraph(p.uid) });
  }
  const first = model.paragraphs[0];
  model.selection = options.selection
    ? toRange(model, options.selection)
    : { start: { uid: first.uid, offset: 0 }, end: { uid: first.uid, offset: 0 } };

  const state = new SimState(model, options.apiVersion ?? '1.4');
  let rules: Array<SimFailure & { seen: number }> = (options.failOn ?? []).map((f) => ({ ...f, seen: 0 }));
  let failingSyncs = new Set(options.failSync ?? []);

  const runtime: SimRuntime = {
    model,
    supports: (version) => versionAtLeast(state.apiVersion, version),
    onSync() {
      state.syncCount += 1;
      if (failingSyncs.has(state.syncCount)) {
        throw new SimOfficeError(
          'GeneralException',
          `Injected failure of sync ${state.syncCount}.`,
          'RequestContext.sync',
        );
      }
    },
    beforeOp(kind, location) {
      state.opCounts[kind] = (state.opCounts[kind] ?? 0) + 1;
      for (const rule of rules) {
        if (rule.op !== kind && rule.op !== location) continue;
        rule.seen += 1;
        const nth = rule.nth ?? 1;
        if (rule.seen === nth || (rule.repeat && rule.seen > nth)) {
          throw new SimOfficeError(
            rule.code ?? 'GeneralException',
            rule.message ?? `Injected failure of ${location} (#${rule.seen}).`,
            location,
          );
        }
      }
    },
  };

  const Word = {
    ...enums,
    async run<T>(batch: (context: SimRequestContext) => Promise<T>): Promise<T> {
      state.runCount += 1;
      const context = new SimRequestContext(runtime);
      const result = await batch(context);
      // Word.run sends what is still queued when the batch function returns.
      if (context.pendingOperations > 0) await context.sync();
      return result;
    },
    RequestContext: SimRequestContext,
  };
  const actions = new Map<string, (event: { completed(): void }) => void>();
  const shared = options.sharedRuntime ?? false;
  const Office = {
    HostType: { Word: 'Word' },
    PlatformType: { PC: 'PC', OfficeOnline: 'OfficeOnline' },
    context: {
      host: 'Word',
      platform: 'PC',
      requirements: {
        isSetSupported: (name: string, version?: string): boolean =>
          (name === 'WordApi' && versionAtLeast(state.apiVersion, version ?? '1.1')) ||
          (name === 'SharedRuntime' && shared && versionAtLeast('1.1', version ?? '1.1')),
      },
    },
    actions: {
      associate(name: string, action: (event: { completed(): void }) => void): void {
        actions.set(name, action);
      },
    },
    addin: {
      showAsTaskpane(): Promise<void> {
        if (!shared) {
          return Promise.reject(
            new SimOfficeError('NotSupported', 'showAsTaskpane needs a shared runtime (SharedRuntime 1.1).'),
          );
        }
        state.taskpaneShown += 1;
        return Promise.resolve();
      },
    },
    onReady(
      callback?: (info: { host: string; platform: string }) => void,
    ): Promise<{ host: string; platform: string }> {
      const info = { host: 'Word', platform: 'PC' };
      callback?.(info);
      return Promise.resolve(info);
    },
  };
  const OfficeExtension = { Error: SimOfficeError, ClientResult: SimClientResult };

  return {
    Word,
    Office,
    OfficeExtension,
    state,
    failOn(failure) {
      rules.push({ ...failure, seen: 0 });
    },
    failSync(syncNumber) {
      failingSyncs.add(syncNumber);
    },
    runCommand(name) {
      const action = actions.get(name);
      if (!action) return Promise.reject(new Error(`No function is associated with the command "${name}".`));
      return new Promise<void>((resolve) => action({ completed: resolve }));
    },
    clearFailures() {
      rules = [];
      failingSyncs = new Set();
    },
    install(target = globalThis as unknown as Record<string, unknown>) {
      const saved = { Word: target.Word, Office: target.Office, OfficeExtension: target.OfficeExtension };
      Object.assign(target, { Word, Office, OfficeExtension });
      return () => Object.assign(target, saved);
    },
  };
}
