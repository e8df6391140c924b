/** Why a Word operation failed, in a form the pane can act on (`code`) and show as it is (`message`). */
export type WordErrorCode =
  | 'word_unavailable'
  | 'empty_document'
  | 'empty_selection'
  | 'document_too_large'
  | 'comments_unsupported'
  | 'document_changed'
  | 'invalid_argument'
  | 'insert_failed'
  | 'word_api_error';

/**
 * The only error type `taskpane/word/` throws. `message` is written for the user; `remains` says what is left in
 * the document after a failed insertion whose clean-up did not fully succeed.
 */
export class WordError extends Error {
  override readonly name = 'WordError';
  readonly code: WordErrorCode;
  readonly remains?: string;

  constructor(code: WordErrorCode, message: string, options: { cause?: unknown; remains?: string } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.remains = options.remains;
  }
}

/** The parts of an `OfficeExtension.Error` we read; typed loosely because mocks throw look-alikes. */
interface OfficeLikeError {
  code?: unknown;
  message?: unknown;
  debugInfo?: { errorLocation?: unknown };
}

/** Where in a batch Word says an error happened (`"Paragraph.insertContentControl"`), or `''`. */
export function errorLocation(error: unknown): string {
  const location = (error as OfficeLikeError | null)?.debugInfo?.errorLocation;
  return typeof location === 'string' ? location : '';
}

/**
 * Turns anything thrown inside `Word.run` into a {@link WordError}; a `WordError` passes through unchanged.
 * Never throws.
 */
export function toWordError(error: unknown): WordError {
  if (error instanceof WordError) return error;
  const { code, message } = (error ?? {}) as OfficeLikeError;
  const detail = [typeof code === 'string' ? code : '', typeof message === 'string' ? message : '']
    .filter(Boolean)
    .join(': ');
  return new WordError(
    'word_api_error',
    `Word could not complete the request${detail ? ` (${detail})` : ''}. Try again; if it keeps failing, reopen the document.`,
    { cause: error },
  );
}
