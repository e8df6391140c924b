/// <reference types="office-js" />
import { isSourceBookmark, sourceBookmarkName } from './localscribe-marks';
import { readBodyParagraphs } from './paragraph-read';
import { findSource, type SourceRef } from './source-paragraphs';
import type { BlockPoint } from './summary-blocks';

/** The citations of a summary to insert: its points, and where each paragraph they cite is. */
export interface SummaryCitations {
  points: BlockPoint[];
  /** By the index the points' `sources` use. */
  sources: Record<number, SourceRef>;
  /** The ¶ number to write for a source, as the pane shows it (its place in the document); absent: source + 1. */
  numbers?: Record<number, number>;
}

/** The bookmarks an insertion puts on cited paragraphs, and the earlier ones it retires. */
export interface SourceBookmarks {
  /** The bookmark each cited source links to; a source whose paragraph is gone has none. */
  names: Map<number, string>;
  anchors: Array<{ paragraph: Word.Paragraph; name: string }>;
  /** LocalScribe bookmarks already in the document that this insertion does not put again. */
  stale: string[];
}

/**
 * Finds the cited paragraphs in the body, read as `readDocument` reads it, and names a hidden bookmark for each
 * (`_LocalScribe_n`, n its number as read). Needs WordApi 1.4 (`getBookmarks`, reviewed text). Guarantees: two syncs,
 * nothing changed in the document. Throws what Word throws (the caller's `runWord` turns it into a `WordError`).
 */
export async function sourceBookmarks(
  context: Word.RequestContext,
  citations: SummaryCitations,
): Promise<SourceBookmarks> {
  const existing = context.document.body.getRange('Whole').getBookmarks(true, true);
  const { paragraphs, sources } = await readBodyParagraphs(context, true);
  const names = new Map<number, string>();
  const anchors: SourceBookmarks['anchors'] = [];
  const used = new Set<string>();
  for (const source of new Set(citations.points.flatMap((p) => p.sources))) {
    const ref = citations.sources[source];
    const at = ref ? findSource(paragraphs, ref) : -1;
    if (at < 0) continue;
    const name = sourceBookmarkName(at);
    names.set(source, name);
    if (used.has(name.toLowerCase())) continue;
    used.add(name.toLowerCase());
    anchors.push({ paragraph: sources[at], name });
  }
  const stale = existing.value.filter((n) => isSourceBookmark(n) && !used.has(n.toLowerCase()));
  return { names, anchors, stale };
}
