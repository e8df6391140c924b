/// <reference types="office-js" />
import { toWordError, WordError } from './word-error';

/**
 * Runs one `Word.run` batch. Guarantees: resolves with the batch's plain result, or rejects with a
 * {@link WordError} (`word_unavailable` outside Word; `word_api_error` for anything Word throws).
 */
export async function runWord<T>(batch: (context: Word.RequestContext) => Promise<T>): Promise<T> {
  if (typeof Word === 'undefined' || typeof Word.run !== 'function') {
    throw new WordError(
      'word_unavailable',
      'Word is not available here. Open LocalScribe from the Word ribbon.',
    );
  }
  try {
    return await Word.run(batch);
  } catch (error) {
    throw toWordError(error);
  }
}
