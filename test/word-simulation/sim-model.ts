/**
 * The document behind the simulated Word API: paragraphs (with styles, list and table membership, content
 * controls), comments anchored on ranges, and the selection. Plain data and plain functions, no proxies: the
 * proxies in `sim-proxies.ts` queue operations that run against this model at `context.sync()`.
 */
import { SimOfficeError } from './sim-error';

/** A position: a paragraph (by its stable uid) and a character offset in its text. */
export interface Pos {
  uid: number;
  offset: number;
}

/** A range between two positions (start ≤ end). */
export interface SimRange {
  start: Pos;
  end: Pos;
}

export interface ModelParagraph {
  uid: number;
  text: string;
  /** The tracked-change views; absent means both equal `text`. */
  currentText?: string;
  originalText?: string;
  styleBuiltIn: string;
  /** Localised style name for styleBuiltIn `Other` (a custom style). */
  styleName?: string;
  isListItem: boolean;
  listId: number | null;
  tableNestingLevel: number;
  /** Content controls containing the paragraph, outermost first. */
  controls: number[];
}

export interface ModelControl {
  id: number;
  tag: string;
  title: string;
  appearance: string;
}

export interface ModelComment {
  id: string;
  content: string;
  range: SimRange;
}

export interface ModelList {
  id: number;
  bullet: string | null;
}

/** A bookmark: a named range (names are case-insensitive; a leading "_" makes it hidden). */
export interface ModelBookmark {
  name: string;
  range: SimRange;
}

/** A hyperlink on a range: an address, "#name" for a bookmark in the document. */
export interface ModelHyperlink {
  address: string;
  range: SimRange;
}

const STYLE_NAMES: Record<string, string> = {
  Normal: 'Normal',
  Title: 'Title',
  ListParagraph: 'List Paragraph',
  ...Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`Heading${i + 1}`, `Heading ${i + 1}`])),
};

/** Word's "the object does not exist" error. */
export function itemNotFound(what: string): SimOfficeError {
  return new SimOfficeError('ItemNotFound', `The requested resource doesn't exist. (${what})`);
}

export class DocumentModel {
  paragraphs: ModelParagraph[] = [];
  controls = new Map<number, ModelControl>();
  comments: ModelComment[] = [];
  lists = new Map<number, ModelList>();
  bookmarks: ModelBookmark[] = [];
  hyperlinks: ModelHyperlink[] = [];
  selection: SimRange | null = null;
  private nextUid = 1;
  private nextControlId = 1000;
  private nextListId = 1;
  private nextCommentId = 1;
  private indexCache: Map<number, number> | null = null;

  newParagraph(fields: Partial<ModelParagraph> & { text: string }): ModelParagraph {
    return {
      uid: this.nextUid++,
      styleBuiltIn: 'Normal',
      isListItem: false,
      listId: null,
      tableNestingLevel: 0,
      controls: [],
      ...fields,
    };
  }

  newControl(tag = '', title = ''): ModelControl {
    const control = { id: this.nextControlId++, tag, title, appearance: 'BoundingBox' };
    this.controls.set(control.id, control);
    return control;
  }

  newList(): ModelList {
    const list = { id: this.nextListId++, bullet: null };
    this.lists.set(list.id, list);
    return list;
  }

  newCommentId(): string {
    return `{sim-comment-${this.nextCommentId++}}`;
  }

  /** Index of a paragraph uid, or -1; cached until the paragraph list changes. */
  indexOf(uid: number): number {
    if (!this.indexCache) this.indexCache = new Map(this.paragraphs.map((p, i) => [p.uid, i]));
    return this.indexCache.get(uid) ?? -1;
  }

  paragraph(uid: number): ModelParagraph {
    const index = this.indexOf(uid);
    if (index < 0) throw itemNotFound('paragraph');
    return this.paragraphs[index];
  }

  insertAt(index: number, paragraph: ModelParagraph): ModelParagraph {
    this.paragraphs.splice(index, 0, paragraph);
    this.indexCache = null;
    return paragraph;
  }

  /** Deletes paragraphs, with the comments anchored in them, controls left empty and a selection inside them. */
  deleteParagraphs(uids: ReadonlySet<number>): void {
    this.paragraphs = this.paragraphs.filter((p) => !uids.has(p.uid));
    // Word always keeps one (empty) paragraph in a body.
    if (this.paragraphs.length === 0) this.paragraphs.push(this.newParagraph({ text: '' }));
    this.indexCache = null;
    const survives = (r: SimRange): boolean => !uids.has(r.start.uid) && !uids.has(r.end.uid);
    this.comments = this.comments.filter((c) => survives(c.range));
    this.bookmarks = this.bookmarks.filter((b) => survives(b.range));
    this.hyperlinks = this.hyperlinks.filter((h) => survives(h.range));
    const used = new Set(this.paragraphs.flatMap((p) => p.controls));
    for (const id of [...this.controls.keys()]) if (!used.has(id)) this.controls.delete(id);
    const sel = this.selection;
    if (sel && (uids.has(sel.start.uid) || uids.has(sel.end.uid))) {
      const first = this.paragraphs[0];
      this.selection = first
        ? { start: { uid: first.uid, offset: 0 }, end: { uid: first.uid, offset: 0 } }
        : null;
    }
  }

  /**
   * Inserts `text` into a paragraph at `offset` and returns its range. Positions after `offset` in that paragraph
   * (comments, bookmarks, hyperlinks, the selection) move with the text, as Word moves them.
   */
  insertText(uid: number, offset: number, text: string): SimRange {
    const p = this.paragraph(uid);
    p.text = p.text.slice(0, offset) + text + p.text.slice(offset);
    if (p.currentText !== undefined)
      p.currentText = p.currentText.slice(0, offset) + text + p.currentText.slice(offset);
    const ranges = [
      ...this.comments.map((c) => c.range),
      ...this.bookmarks.map((b) => b.range),
      ...this.hyperlinks.map((h) => h.range),
      ...(this.selection ? [this.selection] : []),
    ];
    for (const range of ranges) {
      for (const pos of [range.start, range.end]) {
        if (pos.uid === uid && pos.offset > offset) pos.offset += text.length;
      }
    }
    return { start: { uid, offset }, end: { uid, offset: offset + text.length } };
  }

  /** Whether two ranges share text, or touch when `adjacent` (an empty range counts where it sits). */
  overlaps(a: SimRange, b: SimRange, adjacent = false): boolean {
    const startBeforeEnd = this.compare(a.start, b.end);
    const endAfterStart = this.compare(a.end, b.start);
    if (adjacent) return startBeforeEnd <= 0 && endAfterStart >= 0;
    const empty = this.compare(a.start, a.end) === 0 || this.compare(b.start, b.end) === 0;
    return empty ? startBeforeEnd <= 0 && endAfterStart >= 0 : startBeforeEnd < 0 && endAfterStart > 0;
  }

  compare(a: Pos, b: Pos): number {
    const byParagraph = this.indexOf(a.uid) - this.indexOf(b.uid);
    return byParagraph !== 0 ? byParagraph : a.offset - b.offset;
  }

  wholeParagraph(uid: number): SimRange {
    const p = this.paragraph(uid);
    return { start: { uid, offset: 0 }, end: { uid, offset: p.text.length } };
  }

  wholeBody(): SimRange {
    const first = this.paragraphs[0];
    const last = this.paragraphs[this.paragraphs.length - 1];
    return { start: { uid: first.uid, offset: 0 }, end: { uid: last.uid, offset: last.text.length } };
  }

  /** Paragraph uids a range touches, in order (an empty range: the paragraph it is in). */
  rangeParagraphs(range: SimRange): number[] {
    const from = this.indexOf(range.start.uid);
    let to = this.indexOf(range.end.uid);
    if (from < 0 || to < 0) throw itemNotFound('range');
    // A range that ends at the very start of a paragraph does not include that paragraph.
    if (to > from && range.end.offset === 0) to -= 1;
    return this.paragraphs.slice(from, to + 1).map((p) => p.uid);
  }

  /** Text of a range; paragraphs are separated by "\r" as in Word. `view` picks the tracked-change view. */
  rangeText(range: SimRange, view: 'text' | 'Current' | 'Original' = 'text'): string {
    return this.rangeParagraphs(range)
      .map((uid) => {
        const p = this.paragraph(uid);
        const source =
          view === 'Current'
            ? (p.currentText ?? p.text)
            : view === 'Original'
              ? (p.originalText ?? p.text)
              : p.text;
        const whole = uid !== range.start.uid && uid !== range.end.uid;
        if (whole) return source;
        // Partial ranges of a tracked paragraph are approximated by the same offsets in the chosen view.
        const start = uid === range.start.uid ? range.start.offset : 0;
        const end = uid === range.end.uid ? range.end.offset : p.text.length;
        return start === 0 && end >= p.text.length ? source : source.slice(start, end);
      })
      .join('\r');
  }

  intersect(a: SimRange, b: SimRange): SimRange | null {
    const start = this.compare(a.start, b.start) >= 0 ? a.start : b.start;
    const end = this.compare(a.end, b.end) <= 0 ? a.end : b.end;
    const order = this.compare(start, end);
    if (order > 0) return null;
    const bothEmpty = this.compare(a.start, a.end) === 0 && this.compare(b.start, b.end) === 0;
    if (order === 0 && !bothEmpty) return null;
    return { start, end };
  }

  union(a: SimRange, b: SimRange): SimRange {
    return {
      start: this.compare(a.start, b.start) <= 0 ? a.start : b.start,
      end: this.compare(a.end, b.end) >= 0 ? a.end : b.end,
    };
  }

  /** Word.LocationRelation of `a` relative to `b`. */
  relation(a: SimRange, b: SimRange): string {
    const ss = this.compare(a.start, b.start);
    const ee = this.compare(a.end, b.end);
    if (ss === 0 && ee === 0) return 'Equal';
    if (this.compare(a.end, b.start) < 0) return 'Before';
    if (this.compare(a.end, b.start) === 0) return 'AdjacentBefore';
    if (this.compare(a.start, b.end) > 0) return 'After';
    if (this.compare(a.start, b.end) === 0) return 'AdjacentAfter';
    if (ss === 0) return ee < 0 ? 'InsideStart' : 'ContainsStart';
    if (ee === 0) return ss > 0 ? 'InsideEnd' : 'ContainsEnd';
    if (ss > 0 && ee < 0) return 'Inside';
    if (ss < 0 && ee > 0) return 'Contains';
    return ss < 0 ? 'OverlapsBefore' : 'OverlapsAfter';
  }

  /** Paragraph uids inside a content control, in order. */
  controlParagraphs(id: number): number[] {
    return this.paragraphs.filter((p) => p.controls.includes(id)).map((p) => p.uid);
  }

  /** Controls in document order (of their first paragraph). */
  controlsInOrder(): ModelControl[] {
    const seen = new Set<number>();
    const ordered: ModelControl[] = [];
    for (const p of this.paragraphs) {
      for (const id of p.controls) {
        if (!seen.has(id)) {
          seen.add(id);
          const control = this.controls.get(id);
          if (control) ordered.push(control);
        }
      }
    }
    return ordered;
  }

  commentsInOrder(): ModelComment[] {
    return [...this.comments].sort((a, b) => this.compare(a.range.start, b.range.start));
  }

  styleName(p: ModelParagraph): string {
    return p.styleBuiltIn === 'Other'
      ? (p.styleName ?? 'Custom')
      : (STYLE_NAMES[p.styleBuiltIn] ?? p.styleBuiltIn);
  }

  /** Word's outline level: the heading level, 10 (body text) otherwise. */
  outlineLevel(p: ModelParagraph): number {
    const match = /^Heading([1-9])$/.exec(p.styleBuiltIn);
    return match ? Number(match[1]) : 10;
  }
}
