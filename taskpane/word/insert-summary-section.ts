/// <reference types="office-js" />
import type { SummaryStyle } from '../../localhost-engine/api/schemas';
import { PENDING_SUMMARY_TAG, SUMMARY_CONTROL_TITLE, SUMMARY_TAG } from './localscribe-marks';
import { hasWordApi } from './requirements';
import { runWord } from './run-word';
import { sourceBookmarks, type SourceBookmarks, type SummaryCitations } from './source-bookmarks';
import { toSummaryBlocks, withCitations, type BlockPiece, type SummaryBlock } from './summary-blocks';
import { errorLocation, toWordError, WordError } from './word-error';

/** Arguments of {@link insertSummarySection}. */
export interface SummarySectionArgs {
  position: 'start' | 'end';
  title: string;
  summary: string;
  style: SummaryStyle;
  /** The points' citations, to show after each point: links where WordApi 1.4 allows, "(¶12)" text otherwise. */
  citations?: SummaryCitations;
}

/** What {@link insertSummarySection} did. */
export interface SummarySectionResult {
  /** Paragraphs inserted, the title included. */
  paragraphs: number;
  /** Earlier LocalScribe summary sections deleted. */
  replaced: number;
  /** True when Word refused to make a list, so key points went in as "• " paragraphs. */
  listFallback: boolean;
  /**
   * How citations went in: `links` where WordApi 1.4 allows (a citation whose paragraph is gone stays text), `text`
   * without it, `none` when none were given.
   */
  citations: 'links' | 'text' | 'none';
}

/** How far an attempt got, for the clean-up and the message. */
interface Progress {
  stage: 'insert' | 'finalize';
  previous: number;
}

/**
 * Inserts the summary as a titled section (a built-in Heading 1 title, then bullets for key points or paragraphs
 * otherwise) at the start or end of the body, inside one content control tagged `localscribe-summary`, and deletes
 * any earlier one: a second run replaces, never stacks. With `citations`, each point is followed by " (¶3, ¶5)":
 * with WordApi 1.4 each number links to a hidden bookmark put on its paragraph (found as `readDocument` reads the
 * body, however long; one no longer there stays plain text), earlier LocalScribe bookmarks are deleted; without
 * 1.4 it is text.
 * Guarantees: one `Word.run`; two syncs when all goes well (two more to find cited paragraphs); if Word fails
 * half-way, what was inserted is deleted (and key points are retried once without Word lists) — bookmarks already
 * put on cited paragraphs stay, hidden, until the next insertion or Remove; if that clean-up fails too, the error's
 * `remains` says what is left. Throws a `WordError`: `invalid_argument` (blank summary), `insert_failed`,
 * `word_unavailable` or `word_api_error`.
 */
export async function insertSummarySection(args: SummarySectionArgs): Promise<SummarySectionResult> {
  const plain = toSummaryBlocks(args.summary, args.style);
  if (plain.length === 0) {
    throw new WordError('invalid_argument', 'The summary is empty, so nothing was inserted.');
  }
  const title = args.title.trim() || SUMMARY_CONTROL_TITLE;
  const wantsList = plain.some((block) => block.kind === 'bullet');
  const cited = args.citations?.points.some((p) => p.sources.length > 0) ? args.citations : undefined;
  const linked = cited !== undefined && hasWordApi('1.4');

  return runWord(async (context) => {
    const marks = linked ? await sourceBookmarks(context, cited) : null;
    const blocks = cited
      ? withCitations(
          plain,
          cited.points,
          (s) => marks?.names.get(s),
          (s) => cited.numbers?.[s] ?? s + 1,
        )
      : plain;
    const citations = !cited ? 'none' : marks ? 'links' : 'text';
    const progress: Progress = { stage: 'insert', previous: 0 };
    try {
      return {
        ...(await insertAttempt(context, args.position, title, blocks, wantsList, marks, progress)),
        listFallback: false,
        citations,
      };
    } catch (error) {
      await cleanUp(context, args.position, title, error, progress);
      if (!(wantsList && progress.stage === 'insert')) throw insertFailed(error, progress);
    }
    // Lists are the part of this batch most likely to be refused (protected or odd list templates): retry plainly.
    const retry: Progress = { stage: 'insert', previous: 0 };
    try {
      return {
        ...(await insertAttempt(context, args.position, title, blocks, false, marks, retry)),
        listFallback: true,
        citations,
      };
    } catch (error) {
      await cleanUp(context, args.position, title, error, retry);
      throw insertFailed(error, retry);
    }
  });
}

/** Inserts into a pending-tagged control (sync 1), then retires earlier summaries and takes the real tag (sync 2). */
async function insertAttempt(
  context: Word.RequestContext,
  position: 'start' | 'end',
  title: string,
  blocks: SummaryBlock[],
  useList: boolean,
  marks: SourceBookmarks | null,
  progress: Progress,
): Promise<Omit<SummarySectionResult, 'listFallback' | 'citations'>> {
  const body = context.document.body;
  // Loaded before the insertion in the same batch, so neither collection contains the new control.
  const previous = body.contentControls.getByTag(SUMMARY_TAG);
  previous.load('items/id');
  const stale = body.contentControls.getByTag(PENDING_SUMMARY_TAG);
  stale.load('items/id');

  const heading = body.insertParagraph(title, position === 'start' ? 'Start' : 'End');
  heading.styleBuiltIn = 'Heading1';
  // The control exists from the second operation on, so a failure later in the batch leaves only tagged content.
  const control = heading.insertContentControl();
  control.tag = PENDING_SUMMARY_TAG;
  control.title = SUMMARY_CONTROL_TITLE;
  let list: Word.List | undefined;
  for (const block of blocks) {
    const [first, ...rest] = block.pieces ?? [{ text: block.text }];
    // A block starts with its point's text; a link first would need an empty paragraph to go into.
    const lead = first.link ? '' : first.text;
    const runs = first.link ? [first, ...rest] : rest;
    let paragraph: Word.Paragraph;
    if (block.kind === 'bullet' && useList) {
      if (list) {
        paragraph = list.insertParagraph(lead, 'End');
      } else {
        paragraph = control.insertParagraph(lead, 'End');
        list = paragraph.startNewList();
        list.setLevelBullet(0, 'Solid');
      }
    } else {
      paragraph = control.insertParagraph(block.kind === 'bullet' ? `• ${lead}` : lead, 'End');
      paragraph.styleBuiltIn = 'Normal';
    }
    appendRuns(paragraph, runs);
  }
  for (const anchor of marks?.anchors ?? []) anchor.paragraph.getRange('Whole').insertBookmark(anchor.name);
  await context.sync();

  progress.stage = 'finalize';
  progress.previous = previous.items.length;
  for (const old of [...previous.items, ...stale.items]) old.delete(false);
  for (const name of marks?.stale ?? []) context.document.deleteBookmark(name);
  control.tag = SUMMARY_TAG;
  await context.sync();
  return { paragraphs: blocks.length + 1, replaced: previous.items.length };
}

/** Appends runs to a paragraph, each link as a hyperlink to its bookmark (`Range.hyperlink`, WordApi 1.3). */
function appendRuns(paragraph: Word.Paragraph, runs: readonly BlockPiece[]): void {
  for (const run of runs) {
    const range = paragraph.insertText(run.text, 'End');
    if (run.link) range.hyperlink = `#${run.link}`;
  }
}

/**
 * Deletes what a failed attempt inserted: the pending-tagged control, and the title paragraph when Word failed to
 * wrap it in the control (then it is the first or last paragraph, untagged). Throws `insert_failed` with `remains`
 * when the clean-up itself fails.
 */
async function cleanUp(
  context: Word.RequestContext,
  position: 'start' | 'end',
  title: string,
  cause: unknown,
  progress: Progress,
): Promise<void> {
  try {
    const body = context.document.body;
    const pending = body.contentControls.getByTag(PENDING_SUMMARY_TAG);
    pending.load('items/id');
    const orphanPossible =
      progress.stage === 'insert' && errorLocation(cause).includes('insertContentControl');
    const edge = position === 'start' ? body.paragraphs.getFirst() : body.paragraphs.getLast();
    const edgeParent = edge.parentContentControlOrNullObject;
    if (orphanPossible) {
      edge.load('text,styleBuiltIn');
      edgeParent.load('id');
    }
    await context.sync();
    for (const control of pending.items) control.delete(false);
    if (
      orphanPossible &&
      edgeParent.isNullObject &&
      edge.styleBuiltIn === 'Heading1' &&
      edge.text === title
    ) {
      edge.delete();
    }
    await context.sync();
  } catch (cleanupError) {
    throw new WordError(
      'insert_failed',
      `The summary could not be inserted, and LocalScribe could not remove the part it had inserted (${toWordError(cleanupError).message}).`,
      {
        cause,
        remains: `Part of the LocalScribe summary may remain at the ${position} of the document, in a content control titled "${SUMMARY_CONTROL_TITLE}". Select Remove to delete it.`,
      },
    );
  }
}

function insertFailed(cause: unknown, progress: Progress): WordError {
  const detail = toWordError(cause).message;
  if (progress.stage === 'finalize' && progress.previous > 0) {
    return new WordError(
      'insert_failed',
      `The summary could not be inserted; what was inserted has been removed. ${detail}`,
      {
        cause,
        remains: 'The earlier LocalScribe summary may have been removed before Word failed.',
      },
    );
  }
  return new WordError(
    'insert_failed',
    `The summary could not be inserted; the document was left as it was. ${detail}`,
    { cause },
  );
}
