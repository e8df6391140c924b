/**
 * A Word stand-in built on office-addin-mock, for the Word layer's unit tests. office-addin-mock tracks load and
 * sync per object, but it has no collections and no Word methods, so this file adds them: collections whose
 * `items` become readable only after load + sync, and recorders for the methods the layer calls. Like
 * office-addin-mock, a property read before load + sync yields its error string instead of a value.
 */
import { OfficeMockObject } from 'office-addin-mock';

export const NOT_LOADED = 'Error, property was not loaded';
export const NOT_SYNCED = 'Error, context.sync() was not called';

interface Syncable {
  sync(): Promise<void> | void;
}

export interface MockParagraph {
  text: string;
  styleBuiltIn?: string;
  isListItem?: boolean;
  tableNestingLevel?: number;
  /** Tag of the content control it is in, if any. */
  controlTag?: string;
}

export interface MockWordSpec {
  paragraphs: MockParagraph[];
  /** Indices of the selected paragraphs; empty means a caret. */
  selection?: number[];
  comments?: Array<{ id: string; content: string }>;
  /** Number of content controls per tag. */
  controls?: Record<string, number>;
  /** Names of the document's bookmarks (hidden ones too). */
  bookmarks?: string[];
  apiVersion?: string;
}

/** A collection with office-addin-mock's rules for `items`. */
class MockCollection<T> implements Syncable {
  private state: 'unloaded' | 'loaded' | 'synced' = 'unloaded';
  constructor(
    private readonly all: T[],
    private readonly loadItem: (item: T, path: string) => void = () => undefined,
  ) {}
  load(spec: string): this {
    for (const path of spec.split(',').map((p) => p.trim())) {
      const sub = path.replace(/^items\/?/, '');
      if (sub) for (const item of this.all) this.loadItem(item, sub);
    }
    this.state = 'loaded';
    return this;
  }
  get items(): T[] {
    if (this.state === 'synced') return this.all;
    return (this.state === 'loaded' ? NOT_SYNCED : NOT_LOADED) as unknown as T[];
  }
  sync(): void {
    if (this.state === 'loaded') this.state = 'synced';
  }
}

/** A ClientResult whose value appears at the next sync. */
class MockResult<T> implements Syncable {
  private ready = false;
  constructor(private readonly result: T) {}
  get value(): T {
    return (this.ready ? this.result : NOT_SYNCED) as T;
  }
  sync(): void {
    this.ready = true;
  }
}

export interface MockWord {
  Word: unknown;
  Office: unknown;
  /** Every call the layer made, in order ("sync", "insertParagraph:End:Summary", …). */
  calls: string[];
  /** Paragraph mocks, in document order. */
  paragraphs: OfficeMockObject[];
  install(): () => void;
}

/** Builds the mock; every object the layer may read is an OfficeMockObject or follows its rules. */
export function createMockWord(spec: MockWordSpec): MockWord {
  const calls: string[] = [];
  const syncables: Syncable[] = [];
  const track = <T extends Syncable>(s: T): T => {
    syncables.push(s);
    return s;
  };
  const mockObject = (data: Record<string, unknown>): OfficeMockObject =>
    track(new OfficeMockObject(data, 'word' as never));

  const recorder = (name: string): Record<string, unknown> => {
    const object: Record<string, unknown> = {
      insertParagraph: (text: string, where: string) => {
        calls.push(`${name}.insertParagraph:${where}:${text}`);
        return recorder('paragraph');
      },
      insertContentControl: () => {
        calls.push(`${name}.insertContentControl`);
        return recorder('control');
      },
      startNewList: () => {
        calls.push(`${name}.startNewList`);
        return recorder('list');
      },
      setLevelBullet: (level: number, bullet: string) =>
        calls.push(`${name}.setLevelBullet:${level}:${bullet}`),
      load: () => object,
      delete: () => calls.push(`${name}.delete`),
    };
    return object;
  };

  const paragraphs = spec.paragraphs.map((p, i) => {
    const mock = mockObject({
      text: p.text,
      styleBuiltIn: p.styleBuiltIn ?? 'Normal',
      isListItem: p.isListItem ?? false,
      tableNestingLevel: p.tableNestingLevel ?? 0,
      parentContentControlOrNullObject: { tag: p.controlTag ?? '' },
    });
    const m = mock as unknown as Record<string, unknown> & { parentContentControlOrNullObject: object };
    Object.defineProperty(m.parentContentControlOrNullObject, 'isNullObject', {
      value: p.controlTag === undefined,
    });
    m.getReviewedText = () => track(new MockResult(p.text));
    m.getRange = () => ({
      insertComment: (text: string) => calls.push(`paragraph[${i}].insertComment:${text}`),
      intersectWithOrNullObject: () => {
        const part = mockObject({ text: p.text }) as unknown as Record<string, unknown>;
        Object.defineProperty(part, 'isNullObject', { value: false });
        part.getReviewedText = () => track(new MockResult(p.text));
        return part;
      },
    });
    return mock;
  });
  const paragraphCollection = (items: OfficeMockObject[]) =>
    Object.assign(track(new MockCollection(items, (item, path) => item.load(path))), {
      getFirst: () => recorder('first'),
      getLast: () => recorder('last'),
    });

  const comments = (spec.comments ?? []).map((c) => {
    const mock = mockObject({ id: c.id, content: c.content }) as unknown as Record<string, unknown>;
    mock.delete = () => calls.push(`comment[${c.id}].delete`);
    mock.getRange = () => ({ compareLocationWith: () => track(new MockResult('Before')) });
    return mock as unknown as OfficeMockObject;
  });

  const selected = spec.selection ?? [];
  const selection = mockObject({ isEmpty: selected.length === 0 }) as unknown as Record<string, unknown>;
  Object.assign(selection, {
    paragraphs: paragraphCollection(selected.map((i) => paragraphs[i])),
    insertComment: (text: string) => calls.push(`selection.insertComment:${text}`),
  });

  const body = {
    paragraphs: paragraphCollection(paragraphs),
    contentControls: {
      getByTag: (tag: string) => {
        const items = Array.from({ length: spec.controls?.[tag] ?? 0 }, (_, i) => {
          const control = mockObject({ id: i + 1 }) as unknown as Record<string, unknown>;
          control.delete = (keep: boolean) => calls.push(`control[${tag}].delete:${keep}`);
          return control;
        });
        return track(
          new MockCollection(items, (item, path) => (item as unknown as OfficeMockObject).load(path)),
        );
      },
    },
    insertParagraph: (text: string, where: string) => {
      calls.push(`body.insertParagraph:${where}:${text}`);
      return recorder('paragraph');
    },
    getComments: () => track(new MockCollection(comments, (item, path) => item.load(path))),
    getRange: () => ({ getBookmarks: () => track(new MockResult(spec.bookmarks ?? [])) }),
  };

  const context = {
    document: {
      body,
      getSelection: () => selection,
      deleteBookmark: (name: string) => calls.push(`document.deleteBookmark:${name}`),
    },
    async sync() {
      calls.push('sync');
      for (const s of [...syncables]) await s.sync();
      // office-addin-mock settles nested properties in callbacks it does not await.
      await new Promise((resolve) => setTimeout(resolve, 0));
    },
  };
  const Word = new OfficeMockObject({
    run: async (batch: (c: typeof context) => Promise<unknown>) => batch(context),
  });
  const version = spec.apiVersion ?? '1.4';
  const Office = new OfficeMockObject({
    context: { requirements: { isSetSupported: (_name: string, v: string) => Number(v) <= Number(version) } },
  });

  return {
    Word,
    Office,
    calls,
    paragraphs,
    install() {
      const g = globalThis as Record<string, unknown>;
      const saved = { Word: g.Word, Office: g.Office };
      Object.assign(g, { Word, Office });
      return () => Object.assign(g, saved);
    },
  };
}

/** Every string anywhere in `value` that is one of office-addin-mock's "not loaded / not synced" markers. */
export function mockErrorsIn(value: unknown): string[] {
  if (typeof value === 'string') return value === NOT_LOADED || value === NOT_SYNCED ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(mockErrorsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(mockErrorsIn);
  return [];
}
