/// <reference types="office-js" />
import { requireComments, undoCommentBatch } from './comment-support';
import type { CommentsResult } from './insert-section-comments';
import { SELECTION_COMMENT_PREFIX, selectionCommentText } from './localscribe-marks';
import { runWord } from './run-word';
import { WordError } from './word-error';

/**
 * Inserts one comment, prefixed "LocalScribe (selection): ", on the current selection, and deletes an earlier
 * LocalScribe selection comment on exactly the same range (a regenerated summary replaces, never stacks).
 * Guarantees: one `Word.run`, at most three syncs; if Word fails half-way the new comment is deleted again. Throws a
 * `WordError`: `comments_unsupported` (no WordApi 1.4), `invalid_argument` (blank summary), `empty_selection`,
 * `insert_failed`, `word_unavailable` or `word_api_error`.
 */
export async function insertSelectionComment(summary: string): Promise<CommentsResult> {
  requireComments();
  if (summary.trim() === '')
    throw new WordError('invalid_argument', 'The summary is empty, so no comment was added.');

  return runWord(async (context) => {
    const selection = context.document.getSelection();
    selection.load('isEmpty');
    const comments = context.document.body.getComments();
    comments.load('items/id,items/content');
    await context.sync();
    if (selection.isEmpty) {
      throw new WordError(
        'empty_selection',
        'Nothing is selected. Select the text to comment on and try again.',
      );
    }

    const earlier = comments.items.filter((c) => c.content.startsWith(SELECTION_COMMENT_PREFIX));
    const relations = earlier.map((c) => c.getRange().compareLocationWith(selection));
    if (earlier.length > 0) await context.sync();
    const same = earlier.filter((_, i) => relations[i].value === 'Equal');

    const before = new Set(comments.items.map((c) => c.id));
    try {
      selection.insertComment(selectionCommentText(summary));
      for (const comment of same) comment.delete();
      await context.sync();
    } catch (error) {
      return undoCommentBatch(
        context,
        before,
        same.map((c) => c.id),
        error,
      );
    }
    return { inserted: 1, replaced: same.length };
  });
}
