/// <reference types="office-js" />
import { undoCommentBatch, requireComments } from './comment-support';
import { isSectionComment, sectionCommentText } from './localscribe-marks';
import { readBodyParagraphs } from './paragraph-read';
import { runWord } from './run-word';
import { WordError } from './word-error';

/** One per-section comment; `paragraphs` are first and last (inclusive) indices into `readDocument().paragraphs`. */
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
 * by reading the body exactly as {@link readDocument} does. Guarantees: one `Word.run`, three syncs whatever the
 * number of paragraphs or sections; if Word fails half-way the new comments are deleted again. Throws a
 * `WordError`: `comments_unsupported` (no WordApi 1.4; nothing touched), `invalid_argument`, `document_changed`
 * (an index no longer exists), `insert_failed`, `word_unavailable` or `word_api_error`.
 */
export async function insertSectionComments(sections: SectionComment[]): Promise<CommentsResult> {
  requireComments();
  for (const {
    paragraphs: [first, last],
  } of sections) {
    if (!Number.isInteger(first) || !Number.isInteger(last) || first < 0 || last < first) {
      throw new WordError(
        'invalid_argument',
        `A section covers paragraphs ${first}–${last}, which is not a valid range.`,
      );
    }
  }
  if (sections.length === 0) return { inserted: 0, replaced: 0 };

  return runWord(async (context) => {
    const comments = context.document.body.getComments();
    comments.load('items/id,items/content');
    const { sources } = await readBodyParagraphs(context, true);
    const anchors = sections.map(({ paragraphs: [first] }) => sources[first]);
    const missing = sections.findIndex((_, i) => anchors[i] === undefined);
    if (missing >= 0) {
      throw new WordError(
        'document_changed',
        `The document changed since it was summarized (paragraph ${sections[missing].paragraphs[0] + 1} is gone). Summarize again, then insert the comments.`,
      );
    }

    const before = new Set(comments.items.map((c) => c.id));
    const previous = comments.items.filter((c) => isSectionComment(c.content));
    try {
      // New comments first, old ones after: a failure among the insertions leaves the earlier set intact.
      sections.forEach((section, i) =>
        anchors[i].getRange('Whole').insertComment(sectionCommentText(section.title, section.summary)),
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
