/// <reference types="office-js" />
import { openingWords } from '../../localhost-engine/summarize/coverage';
import { undoCommentBatch, requireComments } from './comment-support';
import { isSectionComment, sectionCommentText } from './localscribe-marks';
import { readBodyParagraphs } from './paragraph-read';
import { runWord } from './run-word';
import { findInSelection, type PlacedText } from './source-paragraphs';
import { WordError } from './word-error';

/**
 * One per-section comment; `paragraphs` are first and last (inclusive) indices into `readDocument().paragraphs`, or,
 * when {@link insertSectionComments} is given a selection's paragraphs, among those.
 */
export interface SectionComment {
  paragraphs: [number, number];
  title: string;
  summary: string;
}

/** What a comment insertion did. */
export interface CommentsResult {
  inserted: number;
  /** Earlier LocalScribe comments of the same kind that were deleted. */
  replaced: number;
}

/**
 * Inserts one comment per section, anchored on the section's first paragraph, its text prefixed "LocalScribe: ",
 * and deletes the LocalScribe section comments of an earlier run (selection comments stay). Indices are resolved
 * by reading the body exactly as {@link readDocument} does; with `selection` (the paragraphs a run over a selection
 * sent, by their place in it) they count within that selection, found in the body by their texts (see
 * `findInSelection`; a paragraph added or deleted in it since is made up for). Guarantees: one `Word.run`,
 * three syncs whatever the number of paragraphs or sections; nothing but comments changes; if Word fails half-way
 * the new comments are deleted again. Throws a `WordError`: `comments_unsupported` (no WordApi 1.4; nothing
 * touched), `invalid_argument`, `document_changed` (a paragraph is gone), `insert_failed`, `word_unavailable` or
 * `word_api_error`.
 */
export async function insertSectionComments(
  sections: SectionComment[],
  selection?: readonly PlacedText[],
): Promise<CommentsResult> {
  requireComments();
  const placed = selection ? new Map(selection.map((p) => [p.place, p.text])) : undefined;
  for (const {
    paragraphs: [first, last],
  } of sections) {
    if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last < first) {
      throw new WordError(
        'invalid_argument',
        `A section covers paragraphs ${first}–${last}, which is not a valid range.`,
      );
    }
    if (placed && !placed.get(first)?.trim()) {
      throw new WordError(
        'invalid_argument',
        `A section starts at paragraph ${first + 1} of the selection, which was not given.`,
      );
    }
  }
  if (sections.length === 0) return { inserted: 0, replaced: 0 };

  return runWord(async (context) => {
    const comments = context.document.body.getComments();
    comments.load('items/id,items/content');
    const { paragraphs, sources } = await readBodyParagraphs(context, true);
    const firsts = sections.map(({ paragraphs: [first] }) => first);
    const anchors = selection
      ? findInSelection(paragraphs, selection, firsts)
      : firsts.map((first) => (first < paragraphs.length ? first : -1));
    const missing = anchors.findIndex((at) => at < 0);
    if (missing >= 0) {
      const [first] = sections[missing].paragraphs;
      const gone = placed
        ? `the paragraph “${openingWords(placed.get(first) ?? '', 8)}”`
        : `paragraph ${first + 1}`;
      throw new WordError(
        'document_changed',
        `The document changed since it was summarized (${gone} is gone). Summarize again, then insert the comments.`,
      );
    }

    const before = new Set(comments.items.map((c) => c.id));
    const previous = comments.items.filter((c) => isSectionComment(c.content));
    try {
      // New comments first, old ones after: a failure among the insertions leaves the earlier set intact.
      sections.forEach((section, i) =>
        sources[anchors[i]]
          .getRange('Whole')
          .insertComment(sectionCommentText(section.title, section.summary)),
      );
      for (const comment of previous) comment.delete();
      await context.sync();
    } catch (error) {
      return undoCommentBatch(
        context,
        before,
        previous.map((c) => c.id),
        error,
      );
    }
    return { inserted: sections.length, replaced: previous.length };
  });
}
