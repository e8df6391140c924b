/**
 * How LocalScribe recognises what it inserted: a tag on its content control and a prefix on its comments. Changing
 * these orphans what earlier versions inserted, so they are part of the document format.
 */

/** Tag of the content control that holds the inserted summary section. */
export const SUMMARY_TAG = 'localscribe-summary';
/** Tag of a summary section still being inserted; a leftover is removed by the next insertion or by Remove. */
export const PENDING_SUMMARY_TAG = 'localscribe-summary-pending';
/** Title of the summary content control, shown by Word on its frame. */
export const SUMMARY_CONTROL_TITLE = 'LocalScribe summary';

/** Prefix of per-section comments (replaced as a set by the next per-section run). */
export const SECTION_COMMENT_PREFIX = 'LocalScribe: ';
/** Prefix of selection comments (replaced only where they anchor on the same range). */
export const SELECTION_COMMENT_PREFIX = 'LocalScribe (selection): ';

/** Text of the comment for one document section. */
export function sectionCommentText(title: string, summary: string): string {
  const heading = title.trim();
  return `${SECTION_COMMENT_PREFIX}${heading ? `${heading} — ` : ''}${summary.trim()}`;
}

/** Text of the comment on the selection. */
export function selectionCommentText(summary: string): string {
  return `${SELECTION_COMMENT_PREFIX}${summary.trim()}`;
}

/** Whether a comment's content was written by LocalScribe (either kind). */
export function isLocalScribeComment(content: string): boolean {
  return isSectionComment(content) || content.startsWith(SELECTION_COMMENT_PREFIX);
}

/** Whether a comment's content is a LocalScribe per-section comment. */
export function isSectionComment(content: string): boolean {
  return content.startsWith(SECTION_COMMENT_PREFIX);
}

/** Prefix of the hidden bookmarks on the paragraphs an inserted summary links to ("_" hides them in Word's list). */
export const SOURCE_BOOKMARK_PREFIX = '_LocalScribe_';

/** The bookmark on a cited paragraph, by the paragraph's number as the summary shows it (index + 1). */
export function sourceBookmarkName(index: number): string {
  return `${SOURCE_BOOKMARK_PREFIX}${index + 1}`;
}

/** Whether a bookmark is one of LocalScribe's (bookmark names are case-insensitive). */
export function isSourceBookmark(name: string): boolean {
  return name.toLowerCase().startsWith(SOURCE_BOOKMARK_PREFIX.toLowerCase());
}
