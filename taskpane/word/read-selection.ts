/// <reference types="office-js" />
import { collectParagraphs, isOwnSummary, PARAGRAPH_LOAD, withinEngineLimits } from './paragraph-read';
import type { ParagraphsRead } from './read-document';
import { hasWordApi } from './requirements';
import { runWord } from './run-word';
import { WordError } from './word-error';

const EMPTY_SELECTION =
  'Nothing is selected. Select the paragraphs to summarize (or choose "Whole document") and try again.';

/**
 * Reads the selected text as paragraphs, like {@link readDocument}; the first and last paragraphs contribute only
 * their selected part. Guarantees: one `Word.run`, at most three syncs whatever the length. Throws a `WordError`:
 * `empty_selection` (caret only, or nothing but LocalScribe's own summary or blank paragraphs selected),
 * `document_too_large`, `word_unavailable` or `word_api_error`.
 */
export async function readSelection(): Promise<ParagraphsRead> {
  const reviewed = hasWordApi('1.4');
  return runWord(async (context) => {
    const selection = context.document.getSelection();
    selection.load('isEmpty');
    const collection = selection.paragraphs;
    collection.load(PARAGRAPH_LOAD);
    await context.sync();
    if (selection.isEmpty) throw new WordError('empty_selection', EMPTY_SELECTION);

    const candidates = collection.items.filter((p) => !isOwnSummary(p));
    if (candidates.length === 0) throw new WordError('empty_selection', EMPTY_SELECTION);
    const lastIndex = candidates.length - 1;
    // Only the end paragraphs can be partly selected; their selected part is their intersection with the selection.
    const edges = new Map<number, Word.Range>();
    for (const i of new Set([0, lastIndex])) {
      const part = candidates[i].getRange('Whole').intersectWithOrNullObject(selection);
      part.load('text');
      edges.set(i, part);
    }
    const middle = reviewed
      ? candidates.map((p, i) => (edges.has(i) ? null : p.getReviewedText('Current')))
      : candidates.map(() => null);
    await context.sync();

    const edgeReviewed = new Map<number, OfficeExtension.ClientResult<string>>();
    if (reviewed) {
      for (const [i, part] of edges)
        if (!part.isNullObject) edgeReviewed.set(i, part.getReviewedText('Current'));
      if (edgeReviewed.size > 0) await context.sync();
    }

    const texts = candidates.map((p, i) => {
      const edge = edges.get(i);
      if (edge) return edge.isNullObject ? '' : (edgeReviewed.get(i)?.value ?? edge.text);
      return middle[i]?.value ?? p.text;
    });
    const { paragraphs } = collectParagraphs(candidates, texts);
    if (paragraphs.length === 0) throw new WordError('empty_selection', EMPTY_SELECTION);
    return { paragraphs: withinEngineLimits(paragraphs) };
  });
}
