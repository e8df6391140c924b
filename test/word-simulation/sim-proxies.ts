/**
 * Proxy objects of the simulated Word API, with Word's rules: methods and property writes are queued and run in
 * order at `context.sync()`; a property can be read only after it was `load`ed and that load was synced
 * (`PropertyNotLoaded` otherwise); `items` of a collection likewise; a `ClientResult.value` only after its sync;
 * an operation that fails stops the batch there (earlier operations stay applied, later ones are dropped, no loaded
 * value of the batch is delivered), like Word's.
 */
import { propertyNotLoaded, SimOfficeError, valueNotLoaded } from './sim-error';
import { itemNotFound, type DocumentModel, type ModelParagraph, type SimRange } from './sim-model';

/** What the proxies need from the simulation around them. */
export interface SimRuntime {
  model: DocumentModel;
  supports(version: string): boolean;
  /** Called before each operation runs; throws an injected failure. */
  beforeOp(kind: string, location: string): void;
  /** Called at the start of each sync; throws an injected sync failure. */
  onSync(): void;
}

type Commit = () => void;
interface Op {
  location: string;
  kind: string;
  minVersion?: string;
  run: () => Commit | void;
}

/** Load arguments Office.js accepts: "a,b/c", ["a", "b/c"], { select, expand } or { a: true, b: { c: true } }. */
export type LoadSpec = string | string[] | Record<string, unknown> | undefined;

function parseLoad(spec: LoadSpec): string[][] {
  const split = (s: string) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
  let names: string[] = [];
  if (spec === undefined) names = [];
  else if (typeof spec === 'string') names = split(spec);
  else if (Array.isArray(spec)) names = spec.flatMap(split);
  else if (typeof spec.select === 'string' || typeof spec.expand === 'string') {
    names = [...split(String(spec.select ?? '')), ...split(String(spec.expand ?? ''))];
  } else {
    const walk = (object: Record<string, unknown>, prefix: string): string[] =>
      Object.entries(object).flatMap(([key, value]) => {
        if (key === '$all' && value) return [`${prefix}$all`];
        if (value === true) return [`${prefix}${key}`];
        if (value && typeof value === 'object')
          return walk(value as Record<string, unknown>, `${prefix}${key}/`);
        return [];
      });
    names = walk(spec, '');
  }
  return names.map((name) => name.split('/'));
}

/** A reference to a model object that exists only once the operation creating it has run. */
class Binding<T> {
  private value: T | undefined;
  constructor(private readonly what: string) {}
  set(value: T): void {
    this.value = value;
  }
  get(): T {
    if (this.value === undefined) {
      throw new SimOfficeError(
        'InvalidObjectPath',
        `The object path '${this.what}' isn't working for what you're trying to do: the operation that creates it did not run.`,
      );
    }
    return this.value;
  }
}

/** `OfficeExtension.ClientResult`: `value` is readable only after the sync that computes it. */
export class SimClientResult<T> {
  private loaded = false;
  private result: T | undefined;
  get value(): T {
    if (!this.loaded) throw valueNotLoaded();
    return this.result as T;
  }
  /** @internal */ deliver(value: T): void {
    this.result = value;
    this.loaded = true;
  }
}

export class SimRequestContext {
  readonly document: SimDocument;
  readonly trackedObjects = { add: (): void => undefined, remove: (): void => undefined };
  private queue: Op[] = [];

  constructor(readonly runtime: SimRuntime) {
    this.document = new SimDocument(this);
  }

  get model(): DocumentModel {
    return this.runtime.model;
  }

  /** @internal */ enqueue(op: Op): void {
    this.queue.push(op);
  }

  /** Operations queued since the last sync. */
  get pendingOperations(): number {
    return this.queue.length;
  }

  async sync(): Promise<void> {
    const ops = this.queue;
    this.queue = [];
    await Promise.resolve();
    this.runtime.onSync();
    const commits: Commit[] = [];
    for (const op of ops) {
      if (op.minVersion && !this.runtime.supports(op.minVersion)) {
        throw new SimOfficeError(
          'ApiNotFound',
          `The API you are trying to use could not be found (${op.location} needs WordApi ${op.minVersion}).`,
          op.location,
        );
      }
      try {
        this.runtime.beforeOp(op.kind, op.location);
        const commit = op.run();
        if (typeof commit === 'function') commits.push(commit);
      } catch (error) {
        if (error instanceof SimOfficeError && !error.debugInfo.errorLocation)
          error.debugInfo.errorLocation = op.location;
        throw error;
      }
    }
    for (const commit of commits) commit();
  }
}

abstract class SimObject {
  protected readonly values = new Map<string, unknown>();
  private nullState: boolean | undefined;
  protected readonly minVersion: string | undefined = undefined;
  abstract readonly className: string;
  protected abstract readonly scalars: readonly string[];

  constructor(readonly context: SimRequestContext) {}

  protected get model(): DocumentModel {
    return this.context.model;
  }

  /** Whether the object exists (false only for a null object); throws when a non-nullable object is missing. */
  protected abstract exists(): boolean;
  /** A scalar's current value in the model (run at execution time). */
  protected abstract scalar(name: string): unknown;
  /** A navigation property by name, for load paths. */
  protected navigation(_name: string): SimObject | undefined {
    return undefined;
  }

  get isNullObject(): boolean {
    if (this.nullState === undefined) throw propertyNotLoaded('isNullObject');
    return this.nullState;
  }

  load(spec?: LoadSpec): this {
    const paths = parseLoad(spec);
    this.context.enqueue({
      location: `${this.className}.load`,
      kind: 'load',
      minVersion: this.minVersion,
      run: () => this.execLoad(paths),
    });
    return this;
  }

  /** @internal Runs a load now (at sync) and returns what to deliver once the whole batch succeeded. */
  execLoad(paths: string[][]): Commit {
    if (!this.exists()) {
      return () => {
        this.nullState = true;
        this.values.clear();
      };
    }
    const found = new Map<string, unknown>();
    const nested: Commit[] = [];
    const wanted = paths.length === 0 ? [['$all']] : paths;
    for (const [head, ...rest] of wanted) {
      if (head === '$none') continue;
      if (head === '$all' || head === '*') {
        for (const name of this.scalars) found.set(name, this.scalar(name));
        continue;
      }
      if (rest.length === 0 && this.scalars.includes(head)) {
        found.set(head, this.scalar(head));
        continue;
      }
      const nav = this.navigation(head);
      if (!nav)
        throw new SimOfficeError('InvalidArgument', `'${head}' is not a property of ${this.className}.`);
      nested.push(nav.execLoad(rest.length > 0 ? [rest] : []));
    }
    return () => {
      this.nullState = false;
      for (const [name, value] of found) this.values.set(name, value);
      for (const commit of nested) commit();
    };
  }

  protected read<T>(name: string): T {
    if (this.nullState === true) {
      throw new SimOfficeError(
        'InvalidObjectPath',
        `'${name}' was read on a null object; check isNullObject first.`,
      );
    }
    if (!this.values.has(name)) throw propertyNotLoaded(name);
    return this.values.get(name) as T;
  }

  /** Queues a property write; like Office.js the proxy shows the new value at once. */
  protected write<T>(name: string, value: T, apply: (value: T) => void): void {
    this.values.set(name, value);
    this.op(name, `set:${name}`, () => {
      apply(value);
    });
  }

  /** Queues a method call. */
  protected op(method: string, kind: string, run: () => Commit | void, minVersion?: string): void {
    this.context.enqueue({ location: `${this.className}.${method}`, kind, minVersion, run });
  }

  /** Queues a method that returns a ClientResult. */
  protected result<T>(method: string, compute: () => T, minVersion?: string): SimClientResult<T> {
    const result = new SimClientResult<T>();
    this.op(
      method,
      method,
      () => {
        const value = compute();
        return () => result.deliver(value);
      },
      minVersion,
    );
    return result;
  }

  toJSON(): Record<string, unknown> {
    return Object.fromEntries(this.values);
  }
}

const BUILT_IN_STYLE =
  /^(Normal|Title|Subtitle|Heading[1-9]|ListParagraph|Quote|IntenseQuote|NoSpacing|Caption|TocHeading|Toc[1-9]|[A-Z][A-Za-z0-9_]*)$/;

function validateStyle(value: unknown): string {
  if (typeof value !== 'string' || value === 'Other' || !BUILT_IN_STYLE.test(value)) {
    throw new SimOfficeError('InvalidArgument', `'${String(value)}' is not a built-in style.`);
  }
  return value;
}

function checkLocation(location: string, allowed: readonly string[], where: string): void {
  if (!allowed.includes(location)) {
    throw new SimOfficeError(
      'InvalidArgument',
      `${where}: insertLocation must be one of ${allowed.join(', ')}.`,
    );
  }
}

/** A copy of a range, so that what is stored moves on its own. */
function copyRange(range: SimRange): SimRange {
  return { start: { ...range.start }, end: { ...range.end } };
}

/** Names Word accepts for a bookmark: a letter (or "_", hidden) then letters, digits, "_"; 40 at most. */
const BOOKMARK_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/** The selection `Range.select` / `Paragraph.select` makes of `range` in `mode`. */
function selectRange(model: DocumentModel, range: SimRange, mode: string): void {
  checkLocation(mode, ['Select', 'Start', 'End'], 'select');
  const start = { ...range.start };
  const end = { ...range.end };
  model.selection =
    mode === 'Start'
      ? { start, end: { ...start } }
      : mode === 'End'
        ? { start: { ...end }, end }
        : { start, end };
}

/** A new paragraph next to `neighbour` (same container), as Word creates one. */
function paragraphLike(
  model: DocumentModel,
  neighbour: ModelParagraph,
  text: string,
  controls: number[],
): ModelParagraph {
  return model.newParagraph({ text, tableNestingLevel: neighbour.tableNestingLevel, controls });
}

export class SimParagraph extends SimObject {
  readonly className = 'Paragraph';
  protected readonly scalars = [
    'text',
    'styleBuiltIn',
    'style',
    'isListItem',
    'tableNestingLevel',
    'outlineLevel',
    'isLastParagraph',
  ];
  private parentControl: SimContentControl | undefined;

  constructor(
    context: SimRequestContext,
    private readonly uidOf: () => number,
  ) {
    super(context);
  }

  /** @internal */ uid(): number {
    const uid = this.uidOf();
    this.model.paragraph(uid);
    return uid;
  }

  private get data(): ModelParagraph {
    return this.model.paragraph(this.uidOf());
  }

  protected exists(): boolean {
    this.uid();
    return true;
  }

  protected scalar(name: string): unknown {
    const p = this.data;
    switch (name) {
      case 'text':
        return p.text;
      case 'styleBuiltIn':
        return p.styleBuiltIn;
      case 'style':
        return this.model.styleName(p);
      case 'isListItem':
        return p.isListItem;
      case 'tableNestingLevel':
        return p.tableNestingLevel;
      case 'outlineLevel':
        return this.model.outlineLevel(p);
      default:
        return this.model.indexOf(p.uid) === this.model.paragraphs.length - 1;
    }
  }

  protected override navigation(name: string): SimObject | undefined {
    return name === 'parentContentControlOrNullObject' ? this.parentContentControlOrNullObject : undefined;
  }

  get text(): string {
    return this.read('text');
  }
  get styleBuiltIn(): string {
    return this.read('styleBuiltIn');
  }
  set styleBuiltIn(value: string) {
    this.write('styleBuiltIn', value, (v) => {
      const p = this.data;
      p.styleBuiltIn = validateStyle(v);
      p.styleName = undefined;
    });
  }
  get style(): string {
    return this.read('style');
  }
  set style(value: string) {
    this.write('style', value, (v) => {
      const p = this.data;
      const builtIn = /^Heading ([1-9])$/.exec(v)?.[1];
      if (builtIn) p.styleBuiltIn = `Heading${builtIn}`;
      else if (v === 'Normal' || v === 'Title') p.styleBuiltIn = v;
      else if (v === 'List Paragraph') p.styleBuiltIn = 'ListParagraph';
      else {
        p.styleBuiltIn = 'Other';
        p.styleName = v;
      }
    });
  }
  get isListItem(): boolean {
    return this.read('isListItem');
  }
  get tableNestingLevel(): number {
    return this.read('tableNestingLevel');
  }
  get outlineLevel(): number {
    return this.read('outlineLevel');
  }
  get isLastParagraph(): boolean {
    return this.read('isLastParagraph');
  }

  get parentContentControlOrNullObject(): SimContentControl {
    this.parentControl ??= new SimContentControl(
      this.context,
      () => {
        const controls = this.data.controls;
        return controls.length > 0 ? controls[controls.length - 1] : null;
      },
      true,
    );
    return this.parentControl;
  }

  getRange(location: string = 'Whole'): SimRangeProxy {
    return new SimRangeProxy(this.context, () => {
      const whole = this.model.wholeParagraph(this.uid());
      if (location === 'Whole' || location === 'Content') return whole;
      if (location === 'Start') return { start: whole.start, end: whole.start };
      if (location === 'End' || location === 'After') return { start: whole.end, end: whole.end };
      throw new SimOfficeError('InvalidArgument', `Paragraph.getRange: unsupported location '${location}'.`);
    });
  }

  /** Word's `Paragraph.insertText` at the start or end (WordApi 1.1); returns the inserted text's range. */
  insertText(text: string, location: string): SimRangeProxy {
    const binding = new Binding<SimRange>('Paragraph.insertText');
    this.op('insertText', 'insertText', () => {
      checkLocation(location, ['Start', 'End'], 'Paragraph.insertText (the simulation models Start and End)');
      if (/[\r\n\v]/.test(text)) {
        throw new SimOfficeError(
          'InvalidArgument',
          'The simulation does not model breaks inside inserted text.',
        );
      }
      const uid = this.uid();
      binding.set(this.model.insertText(uid, location === 'Start' ? 0 : this.data.text.length, text));
    });
    return new SimRangeProxy(this.context, () => binding.get());
  }

  /** Selects the paragraph and scrolls Word to it (WordApi 1.1). */
  select(mode: string = 'Select'): void {
    this.op('select', 'select', () => selectRange(this.model, this.model.wholeParagraph(this.uid()), mode));
  }

  insertParagraph(text: string, location: string): SimParagraph {
    const binding = new Binding<number>('Paragraph.insertParagraph');
    this.op('insertParagraph', 'insertParagraph', () => {
      checkLocation(location, ['Before', 'After'], 'Paragraph.insertParagraph');
      const p = this.data;
      // Like pressing Enter: the new paragraph keeps the paragraph's style and list.
      const created = paragraphLike(this.model, p, text, [...p.controls]);
      Object.assign(created, { styleBuiltIn: p.styleBuiltIn, isListItem: p.isListItem, listId: p.listId });
      const index = this.model.indexOf(p.uid);
      this.model.insertAt(location === 'Before' ? index : index + 1, created);
      binding.set(created.uid);
    });
    return new SimParagraph(this.context, () => binding.get());
  }

  insertContentControl(type: string = 'RichText'): SimContentControl {
    const binding = new Binding<number>('Paragraph.insertContentControl');
    this.op('insertContentControl', 'insertContentControl', () => {
      if (type !== 'RichText')
        throw new SimOfficeError('InvalidArgument', `Unsupported content control type '${type}'.`);
      const control = this.model.newControl();
      this.data.controls.push(control.id);
      binding.set(control.id);
    });
    return new SimContentControl(this.context, () => binding.get(), false);
  }

  startNewList(): SimList {
    const binding = new Binding<number>('Paragraph.startNewList');
    this.op('startNewList', 'startNewList', () => {
      const p = this.data;
      if (p.isListItem) throw new SimOfficeError('InvalidArgument', 'The paragraph is already a list item.');
      const list = this.model.newList();
      Object.assign(p, {
        isListItem: true,
        listId: list.id,
        styleBuiltIn: 'ListParagraph',
        styleName: undefined,
      });
      binding.set(list.id);
    });
    return new SimList(this.context, () => binding.get());
  }

  delete(): void {
    this.op('delete', 'delete', () => this.model.deleteParagraphs(new Set([this.uid()])));
  }

  getReviewedText(version: string = 'Current'): SimClientResult<string> {
    return this.result(
      'getReviewedText',
      () =>
        this.model.rangeText(
          this.model.wholeParagraph(this.uid()),
          version === 'Original' ? 'Original' : 'Current',
        ),
      '1.4',
    );
  }
}

export class SimRangeProxy extends SimObject {
  readonly className = 'Range';
  protected readonly scalars = ['text', 'isEmpty', 'hyperlink'];
  private paragraphCollection: SimParagraphCollection | undefined;

  constructor(
    context: SimRequestContext,
    private readonly rangeOf: () => SimRange | null,
    private readonly nullable = false,
  ) {
    super(context);
  }

  /** @internal */ resolve(): SimRange {
    const range = this.rangeOf();
    if (!range) throw itemNotFound('range');
    return range;
  }

  protected exists(): boolean {
    const range = this.rangeOf();
    if (range === null && this.nullable) return false;
    if (range === null) throw itemNotFound('range');
    return true;
  }

  protected scalar(name: string): unknown {
    const range = this.resolve();
    if (name === 'hyperlink') {
      return this.model.hyperlinks.find((h) => this.model.overlaps(h.range, range))?.address ?? '';
    }
    return name === 'text' ? this.model.rangeText(range) : this.model.compare(range.start, range.end) === 0;
  }

  protected override navigation(name: string): SimObject | undefined {
    return name === 'paragraphs' ? this.paragraphs : undefined;
  }

  get text(): string {
    return this.read('text');
  }
  get isEmpty(): boolean {
    return this.read('isEmpty');
  }

  /** The first hyperlink in the range; setting one replaces every hyperlink in it (WordApi 1.3). */
  get hyperlink(): string {
    return this.read('hyperlink');
  }
  set hyperlink(value: string) {
    this.values.set('hyperlink', value);
    this.op(
      'hyperlink',
      'set:hyperlink',
      () => {
        const range = this.resolve();
        this.model.hyperlinks = this.model.hyperlinks.filter((h) => !this.model.overlaps(h.range, range));
        if (value) this.model.hyperlinks.push({ address: value, range: copyRange(range) });
      },
      '1.3',
    );
  }

  /** Bookmarks the range; a bookmark of the same name (case-insensitive) elsewhere is deleted first (WordApi 1.4). */
  insertBookmark(name: string): void {
    this.op(
      'insertBookmark',
      'insertBookmark',
      () => {
        if (!BOOKMARK_NAME.test(name)) {
          throw new SimOfficeError('InvalidArgument', `'${name}' is not a valid bookmark name.`);
        }
        const range = this.resolve();
        this.model.bookmarks = this.model.bookmarks.filter(
          (b) => b.name.toLowerCase() !== name.toLowerCase(),
        );
        this.model.bookmarks.push({ name, range: copyRange(range) });
      },
      '1.4',
    );
  }

  /** Names of the bookmarks in or overlapping the range (hidden or adjacent ones only when asked; WordApi 1.4). */
  getBookmarks(includeHidden = false, includeAdjacent = false): SimClientResult<string[]> {
    return this.result(
      'getBookmarks',
      () => {
        const range = this.resolve();
        return this.model.bookmarks
          .filter((b) => includeHidden || !b.name.startsWith('_'))
          .filter((b) => this.model.overlaps(b.range, range, includeAdjacent))
          .map((b) => b.name);
      },
      '1.4',
    );
  }

  /** Selects the range and scrolls Word to it (WordApi 1.1). */
  select(mode: string = 'Select'): void {
    this.op('select', 'select', () => selectRange(this.model, this.resolve(), mode));
  }

  get paragraphs(): SimParagraphCollection {
    this.paragraphCollection ??= new SimParagraphCollection(this.context, () =>
      this.model.rangeParagraphs(this.resolve()),
    );
    return this.paragraphCollection;
  }

  intersectWithOrNullObject(other: SimRangeProxy): SimRangeProxy {
    return new SimRangeProxy(this.context, () => this.model.intersect(this.resolve(), other.resolve()), true);
  }

  expandTo(other: SimRangeProxy): SimRangeProxy {
    return new SimRangeProxy(this.context, () => this.model.union(this.resolve(), other.resolve()));
  }

  compareLocationWith(other: SimRangeProxy): SimClientResult<string> {
    return this.result('compareLocationWith', () => this.model.relation(this.resolve(), other.resolve()));
  }

  getReviewedText(version: string = 'Current'): SimClientResult<string> {
    return this.result(
      'getReviewedText',
      () => this.model.rangeText(this.resolve(), version === 'Original' ? 'Original' : 'Current'),
      '1.4',
    );
  }

  insertComment(text: string): SimComment {
    const binding = new Binding<string>('Range.insertComment');
    this.op(
      'insertComment',
      'insertComment',
      () => {
        const range = this.resolve();
        const id = this.model.newCommentId();
        this.model.comments.push({
          id,
          content: text,
          range: { start: { ...range.start }, end: { ...range.end } },
        });
        binding.set(id);
      },
      '1.4',
    );
    return new SimComment(this.context, () => binding.get());
  }
}

export class SimContentControl extends SimObject {
  readonly className = 'ContentControl';
  protected readonly scalars = ['id', 'tag', 'title', 'appearance', 'text', 'type'];
  private paragraphCollection: SimParagraphCollection | undefined;

  constructor(
    context: SimRequestContext,
    private readonly idOf: () => number | null,
    private readonly nullable: boolean,
  ) {
    super(context);
  }

  /** @internal */ id_(): number {
    const id = this.idOf();
    if (id === null || !this.model.controls.has(id)) throw itemNotFound('content control');
    return id;
  }

  protected exists(): boolean {
    if (this.idOf() === null && this.nullable) return false;
    this.id_();
    return true;
  }

  protected scalar(name: string): unknown {
    const id = this.id_();
    const control = this.model.controls.get(id)!;
    switch (name) {
      case 'id':
        return id;
      case 'text':
        return this.model
          .controlParagraphs(id)
          .map((uid) => this.model.paragraph(uid).text)
          .join('\r');
      case 'type':
        return 'RichText';
      default:
        return control[name as 'tag' | 'title' | 'appearance'];
    }
  }

  protected override navigation(name: string): SimObject | undefined {
    return name === 'paragraphs' ? this.paragraphs : undefined;
  }

  get id(): number {
    return this.read('id');
  }
  get tag(): string {
    return this.read('tag');
  }
  set tag(value: string) {
    this.write('tag', value, (v) => (this.model.controls.get(this.id_())!.tag = v));
  }
  get title(): string {
    return this.read('title');
  }
  set title(value: string) {
    this.write('title', value, (v) => (this.model.controls.get(this.id_())!.title = v));
  }
  get appearance(): string {
    return this.read('appearance');
  }
  set appearance(value: string) {
    this.write('appearance', value, (v) => (this.model.controls.get(this.id_())!.appearance = v));
  }
  get text(): string {
    return this.read('text');
  }

  get paragraphs(): SimParagraphCollection {
    this.paragraphCollection ??= new SimParagraphCollection(this.context, () =>
      this.model.controlParagraphs(this.id_()),
    );
    return this.paragraphCollection;
  }

  getRange(location: string = 'Whole'): SimRangeProxy {
    return new SimRangeProxy(this.context, () => {
      const uids = this.model.controlParagraphs(this.id_());
      const whole = this.model.union(
        this.model.wholeParagraph(uids[0]),
        this.model.wholeParagraph(uids[uids.length - 1]),
      );
      if (location === 'Start') return { start: whole.start, end: whole.start };
      if (location === 'End') return { start: whole.end, end: whole.end };
      return whole;
    });
  }

  insertParagraph(text: string, location: string): SimParagraph {
    const binding = new Binding<number>('ContentControl.insertParagraph');
    this.op('insertParagraph', 'insertParagraph', () => {
      checkLocation(location, ['Start', 'End', 'Before', 'After'], 'ContentControl.insertParagraph');
      const id = this.id_();
      const uids = this.model.controlParagraphs(id);
      const atStart = location === 'Start' || location === 'Before';
      const neighbour = this.model.paragraph(atStart ? uids[0] : uids[uids.length - 1]);
      const depth = neighbour.controls.indexOf(id);
      const inside = location === 'Start' || location === 'End';
      const controls = neighbour.controls.slice(0, inside ? depth + 1 : depth);
      const index = this.model.indexOf(neighbour.uid);
      const created = this.model.insertAt(
        atStart ? index : index + 1,
        paragraphLike(this.model, neighbour, text, controls),
      );
      binding.set(created.uid);
    });
    return new SimParagraph(this.context, () => binding.get());
  }

  delete(keepContent: boolean): void {
    this.op('delete', 'delete', () => {
      const id = this.id_();
      if (keepContent) {
        for (const p of this.model.paragraphs) p.controls = p.controls.filter((c) => c !== id);
        this.model.controls.delete(id);
      } else {
        this.model.deleteParagraphs(new Set(this.model.controlParagraphs(id)));
      }
    });
  }
}

export class SimList extends SimObject {
  readonly className = 'List';
  protected readonly scalars = ['id', 'levelTypes'];

  constructor(
    context: SimRequestContext,
    private readonly idOf: () => number,
  ) {
    super(context);
  }

  private listParagraphs(): ModelParagraph[] {
    const id = this.idOf();
    if (!this.model.lists.has(id)) throw itemNotFound('list');
    return this.model.paragraphs.filter((p) => p.listId === id && p.isListItem);
  }

  protected exists(): boolean {
    this.listParagraphs();
    return true;
  }

  protected scalar(name: string): unknown {
    return name === 'id' ? this.idOf() : ['Bullet'];
  }

  get id(): number {
    return this.read('id');
  }

  insertParagraph(text: string, location: string): SimParagraph {
    const binding = new Binding<number>('List.insertParagraph');
    this.op('insertParagraph', 'insertParagraph', () => {
      checkLocation(location, ['Start', 'End', 'Before', 'After'], 'List.insertParagraph');
      const items = this.listParagraphs();
      if (items.length === 0) throw itemNotFound('list');
      const atStart = location === 'Start' || location === 'Before';
      const neighbour = atStart ? items[0] : items[items.length - 1];
      const created = paragraphLike(this.model, neighbour, text, [...neighbour.controls]);
      if (location === 'Start' || location === 'End') {
        Object.assign(created, { isListItem: true, listId: neighbour.listId, styleBuiltIn: 'ListParagraph' });
      }
      const index = this.model.indexOf(neighbour.uid);
      this.model.insertAt(atStart ? index : index + 1, created);
      binding.set(created.uid);
    });
    return new SimParagraph(this.context, () => binding.get());
  }

  setLevelBullet(level: number, bullet: string): void {
    this.op('setLevelBullet', 'setLevelBullet', () => {
      this.listParagraphs();
      if (level !== 0)
        throw new SimOfficeError('InvalidArgument', 'The simulation supports list level 0 only.');
      this.model.lists.get(this.idOf())!.bullet = bullet;
    });
  }
}

export class SimComment extends SimObject {
  readonly className = 'Comment';
  protected readonly scalars = ['id', 'content', 'authorName', 'resolved'];
  protected override readonly minVersion = '1.4';

  constructor(
    context: SimRequestContext,
    private readonly idOf: () => string,
  ) {
    super(context);
  }

  private data() {
    const id = this.idOf();
    const comment = this.model.comments.find((c) => c.id === id);
    if (!comment) throw itemNotFound('comment');
    return comment;
  }

  protected exists(): boolean {
    this.data();
    return true;
  }

  protected scalar(name: string): unknown {
    const comment = this.data();
    if (name === 'id') return comment.id;
    if (name === 'content') return comment.content;
    return name === 'authorName' ? 'Simulated User' : false;
  }

  get id(): string {
    return this.read('id');
  }
  get content(): string {
    return this.read('content');
  }
  set content(value: string) {
    this.write('content', value, (v) => (this.data().content = v));
  }

  getRange(): SimRangeProxy {
    return new SimRangeProxy(this.context, () => this.data().range);
  }

  delete(): void {
    this.op(
      'delete',
      'delete',
      () => {
        const comment = this.data();
        this.model.comments = this.model.comments.filter((c) => c !== comment);
      },
      '1.4',
    );
  }
}

abstract class SimCollection<T extends SimObject, K> extends SimObject {
  protected readonly scalars: readonly string[] = [];

  constructor(
    context: SimRequestContext,
    protected readonly keysOf: () => K[],
  ) {
    super(context);
  }

  protected abstract itemFor(key: K): T;

  protected exists(): boolean {
    return true;
  }

  protected scalar(): unknown {
    return undefined;
  }

  get items(): T[] {
    return this.read('items');
  }

  override execLoad(paths: string[][]): Commit {
    const items = this.keysOf().map((key) => this.itemFor(key));
    // "items/x" and "x" both mean property x of every item; a bare "items" means all their scalars.
    const itemPaths = paths.map((p) => (p[0] === 'items' ? p.slice(1) : p)).filter((p) => p.length > 0);
    const commits = items.map((item) => item.execLoad(itemPaths));
    return () => {
      this.values.set('items', items);
      for (const commit of commits) commit();
    };
  }
}

export class SimParagraphCollection extends SimCollection<SimParagraph, number> {
  readonly className = 'ParagraphCollection';

  protected itemFor(uid: number): SimParagraph {
    return new SimParagraph(this.context, () => uid);
  }

  getFirst(): SimParagraph {
    return new SimParagraph(this.context, () => {
      const uids = this.keysOf();
      if (uids.length === 0) throw itemNotFound('first paragraph');
      return uids[0];
    });
  }

  getLast(): SimParagraph {
    return new SimParagraph(this.context, () => {
      const uids = this.keysOf();
      if (uids.length === 0) throw itemNotFound('last paragraph');
      return uids[uids.length - 1];
    });
  }
}

export class SimContentControlCollection extends SimCollection<SimContentControl, number> {
  readonly className = 'ContentControlCollection';

  protected itemFor(id: number): SimContentControl {
    return new SimContentControl(this.context, () => id, false);
  }

  getByTag(tag: string): SimContentControlCollection {
    return new SimContentControlCollection(this.context, () =>
      this.keysOf().filter((id) => this.model.controls.get(id)?.tag === tag),
    );
  }

  getFirstOrNullObject(): SimContentControl {
    return new SimContentControl(this.context, () => this.keysOf()[0] ?? null, true);
  }
}

export class SimCommentCollection extends SimCollection<SimComment, string> {
  readonly className = 'CommentCollection';
  protected override readonly minVersion = '1.4';

  protected itemFor(id: string): SimComment {
    return new SimComment(this.context, () => id);
  }
}

export class SimBody extends SimObject {
  readonly className = 'Body';
  protected readonly scalars = ['text'];
  private paragraphCollection: SimParagraphCollection | undefined;
  private controlCollection: SimContentControlCollection | undefined;

  protected exists(): boolean {
    return true;
  }

  protected scalar(): unknown {
    return this.model.paragraphs.map((p) => p.text).join('\r');
  }

  protected override navigation(name: string): SimObject | undefined {
    if (name === 'paragraphs') return this.paragraphs;
    return name === 'contentControls' ? this.contentControls : undefined;
  }

  get text(): string {
    return this.read('text');
  }

  get paragraphs(): SimParagraphCollection {
    this.paragraphCollection ??= new SimParagraphCollection(this.context, () =>
      this.model.paragraphs.map((p) => p.uid),
    );
    return this.paragraphCollection;
  }

  get contentControls(): SimContentControlCollection {
    this.controlCollection ??= new SimContentControlCollection(this.context, () =>
      this.model.controlsInOrder().map((c) => c.id),
    );
    return this.controlCollection;
  }

  getRange(location: string = 'Whole'): SimRangeProxy {
    return new SimRangeProxy(this.context, () => {
      const whole = this.model.wholeBody();
      if (location === 'Start') return { start: whole.start, end: whole.start };
      if (location === 'End') return { start: whole.end, end: whole.end };
      return whole;
    });
  }

  getComments(): SimCommentCollection {
    return new SimCommentCollection(this.context, () => this.model.commentsInOrder().map((c) => c.id));
  }

  getReviewedText(version: string = 'Current'): SimClientResult<string> {
    return this.result(
      'getReviewedText',
      () => this.model.rangeText(this.model.wholeBody(), version === 'Original' ? 'Original' : 'Current'),
      '1.4',
    );
  }

  insertParagraph(text: string, location: string): SimParagraph {
    const binding = new Binding<number>('Body.insertParagraph');
    this.op('insertParagraph', 'insertParagraph', () => {
      checkLocation(location, ['Start', 'End'], 'Body.insertParagraph');
      const created = this.model.newParagraph({ text });
      this.model.insertAt(location === 'Start' ? 0 : this.model.paragraphs.length, created);
      binding.set(created.uid);
    });
    return new SimParagraph(this.context, () => binding.get());
  }
}

export class SimDocument extends SimObject {
  readonly className = 'Document';
  protected readonly scalars = [];
  readonly body: SimBody;

  constructor(context: SimRequestContext) {
    super(context);
    this.body = new SimBody(context);
  }

  protected exists(): boolean {
    return true;
  }

  protected scalar(): unknown {
    return undefined;
  }

  protected override navigation(name: string): SimObject | undefined {
    return name === 'body' ? this.body : undefined;
  }

  get contentControls(): SimContentControlCollection {
    return this.body.contentControls;
  }

  getSelection(): SimRangeProxy {
    return new SimRangeProxy(this.context, () => {
      if (!this.model.selection) throw itemNotFound('selection');
      return this.model.selection;
    });
  }

  /** Deletes a bookmark (case-insensitive name) if it exists (WordApi 1.4). */
  deleteBookmark(name: string): void {
    this.op(
      'deleteBookmark',
      'deleteBookmark',
      () => {
        this.model.bookmarks = this.model.bookmarks.filter(
          (b) => b.name.toLowerCase() !== name.toLowerCase(),
        );
      },
      '1.4',
    );
  }

  /** A bookmark's range; `ItemNotFound` at sync when there is none (WordApi 1.4). */
  getBookmarkRange(name: string): SimRangeProxy {
    return this.bookmarkRange(name, false);
  }

  /** A bookmark's range, or a null object (WordApi 1.4). */
  getBookmarkRangeOrNullObject(name: string): SimRangeProxy {
    return this.bookmarkRange(name, true);
  }

  private bookmarkRange(name: string, nullable: boolean): SimRangeProxy {
    // The requirement set is checked at the sync, like any call.
    this.op('getBookmarkRange', 'getBookmarkRange', () => undefined, '1.4');
    return new SimRangeProxy(
      this.context,
      () => this.model.bookmarks.find((b) => b.name.toLowerCase() === name.toLowerCase())?.range ?? null,
      nullable,
    );
  }
}
