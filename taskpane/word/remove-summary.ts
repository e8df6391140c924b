/// <reference types="office-js" />
import {
  isLocalScribeComment,
  isSourceBookmark,
  PENDING_SUMMARY_TAG,
  SUMMARY_TAG,
} from './localscribe-marks';
import { hasWordApi } from './requirements';
import { runWord } from './run-word';

/** What {@link removeSummary} deleted. */
export interface RemoveResult {
  /** Everything deleted: `sections + comments`. */
  removed: number;
  sections: number;
  comments: number;
}

/**
 * Deletes every LocalScribe summary section (tagged content controls, with their content, including a leftover of
 * a failed insertion) and, where WordApi 1.4 allows, every LocalScribe comment and the hidden bookmarks its sections
 * link to (not counted in `removed`: the user never saw them). Guarantees: one `Word.run`, at most two syncs; the
 * user's own content, comments and bookmarks are untouched. Throws a `WordError` (`word_unavailable` or
 * `word_api_error`).
 */
export async function removeSummary(): Promise<RemoveResult> {
  const withComments = hasWordApi('1.4');
  return runWord(async (context) => {
    const body = context.document.body;
    const controls = [SUMMARY_TAG, PENDING_SUMMARY_TAG].map((tag) => body.contentControls.getByTag(tag));
    for (const collection of controls) collection.load('items/id');
    const comments = withComments ? body.getComments() : undefined;
    comments?.load('items/content');
    const bookmarks = withComments ? body.getRange('Whole').getBookmarks(true, true) : undefined;
    await context.sync();

    const sections = controls.flatMap((collection) => collection.items);
    const ours = comments ? comments.items.filter((c) => isLocalScribeComment(c.content)) : [];
    const marks = bookmarks ? bookmarks.value.filter(isSourceBookmark) : [];
    for (const control of sections) control.delete(false);
    for (const comment of ours) comment.delete();
    for (const name of marks) context.document.deleteBookmark(name);
    if (sections.length + ours.length + marks.length > 0) await context.sync();
    return { removed: sections.length + ours.length, sections: sections.length, comments: ours.length };
  });
}
