/// <reference types="office-js" />
import { isLocalScribeComment } from './localscribe-marks';
import { hasWordApi } from './requirements';
import { toWordError, WordError } from './word-error';

/** Throws `comments_unsupported` unless the host has WordApi 1.4, which comments need. */
export function requireComments(): void {
  if (!hasWordApi('1.4')) {
    throw new WordError(
      'comments_unsupported',
      'This version of Word cannot insert comments from an add-in (it needs Word API 1.4). Choose "New section at the top" or "at the end" instead.',
    );
  }
}

/**
 * After a failed comment batch: deletes LocalScribe comments that did not exist before (`before` holds the ids of
 * every comment then), then throws `insert_failed`. `retired` counts the earlier LocalScribe comments the batch
 * was to delete; if some are gone, `remains` says so. If the clean-up fails, `remains` says what may be left.
 */
export async function undoCommentBatch(
  context: Word.RequestContext,
  before: ReadonlySet<string>,
  retired: readonly string[],
  cause: unknown,
): Promise<never> {
  const detail = toWordError(cause).message;
  let missing = 0;
  try {
    const comments = context.document.body.getComments();
    comments.load('items/id,items/content');
    await context.sync();
    const present = new Set(comments.items.map((c) => c.id));
    const added = comments.items.filter((c) => !before.has(c.id) && isLocalScribeComment(c.content));
    for (const comment of added) comment.delete();
    if (added.length > 0) await context.sync();
    missing = retired.filter((id) => !present.has(id)).length;
  } catch {
    throw new WordError('insert_failed', `The comments could not be inserted. ${detail}`, {
      cause,
      remains:
        'Some LocalScribe comments may have been added before Word failed; select Remove to delete every LocalScribe comment.',
    });
  }
  throw new WordError(
    'insert_failed',
    `The comments could not be inserted; the ones LocalScribe had added were removed. ${detail}`,
    missing > 0
      ? {
          cause,
          remains: `${missing} earlier LocalScribe comment(s) had already been removed when Word failed.`,
        }
      : { cause },
  );
}
