/**
 * Turns any error the pane meets (from the engine client, the Word layer, or a bug) into what the user reads.
 */
import { isEngineError } from './engine-client';
import { isWordPortError, type WordPortError } from './word-port';

/** A MessageBar's content. */
export interface ErrorMessage {
  intent: 'error' | 'warning' | 'info';
  title: string;
  body: string;
  /** Where it came from, for tests and for choosing an action. */
  source: 'engine' | 'word' | 'pane';
  code?: string;
}

/** Explains an error in the user's terms, keeping the server's or the Word layer's own message where it has one. */
export function describeError(error: unknown): ErrorMessage {
  if (isEngineError(error)) {
    const code = error.code;
    if (code === 'model_missing') {
      return {
        intent: 'warning',
        source: 'engine',
        code,
        title: 'No model installed',
        body: `${error.message} Install one with \`localscribe models download\`.`,
      };
    }
    if (code === 'model_error') {
      return {
        intent: 'error',
        source: 'engine',
        code,
        title: 'The model could not be loaded',
        body: `${error.message} Run \`localscribe doctor\`: it checks the model and says how to fix it.`,
      };
    }
    if (error.retryAfterSeconds !== undefined && (error.status === 429 || error.status === 503)) {
      return {
        intent: 'warning',
        source: 'engine',
        code,
        title: 'The engine is busy',
        body: `${error.message} Try again in ${error.retryAfterSeconds} s.`,
      };
    }
    if (code === 'engine_unreachable') {
      return {
        intent: 'error',
        source: 'engine',
        code,
        title: 'The engine is not running',
        body: 'Start it with `localscribe service install` (or `npm start` in a clone), then try again. If it still does not answer, `localscribe doctor` says why.',
      };
    }
    return { intent: 'error', source: 'engine', code, title: 'The summary failed', body: error.message };
  }
  if (isWordPortError(error)) {
    const described = describeWordError(error);
    // After a failed insertion Word may keep part of it; the Word layer says what, and the user must know.
    const remains = (error as { remains?: unknown }).remains;
    return typeof remains === 'string' && remains !== ''
      ? { ...described, body: `${described.body} ${remains}` }
      : described;
  }
  const message = error instanceof Error ? error.message : String(error);
  return { intent: 'error', source: 'pane', title: 'Something went wrong', body: message };
}

function describeWordError(error: WordPortError): ErrorMessage {
  switch (error.code) {
    case 'empty_document':
      return {
        intent: 'warning',
        source: 'word',
        code: error.code,
        title: 'The document is empty',
        body: error.message,
      };
    case 'empty_selection':
      return {
        intent: 'warning',
        source: 'word',
        code: error.code,
        title: 'Nothing is selected',
        body: `${error.message} Select some paragraphs, or choose "Whole document".`,
      };
    case 'comments_unsupported':
      return {
        intent: 'warning',
        source: 'word',
        code: error.code,
        title: 'Comments are not available',
        body: error.message,
      };
    case 'document_changed':
      return {
        intent: 'warning',
        source: 'word',
        code: error.code,
        title: 'The document changed',
        body: error.message,
      };
    default:
      return {
        intent: 'error',
        source: 'word',
        code: error.code,
        title: 'Word could not do that',
        body: error.message,
      };
  }
}
