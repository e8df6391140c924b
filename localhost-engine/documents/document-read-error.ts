/**
 * The one error type the document readers throw, so callers (the CLI, the engine) can map a failure to a message
 * or an exit code by `code` without parsing text.
 */

/** Why a document could not be turned into paragraphs. */
export type DocumentReadErrorCode =
  /** The path does not exist. */
  | 'not_found'
  /** The path exists but cannot be read as a file (a directory, no permission, not UTF-8/UTF-16 text). */
  | 'unreadable'
  /** The extension is not one the readers understand. */
  | 'unsupported_type'
  /** The file claims a format (.docx) but its content is damaged or is something else. */
  | 'corrupt'
  /** The file was read but holds no text. */
  | 'empty'
  /** The file, or a part inside it, is over the size limit. */
  | 'too_large';

/**
 * A failure to read a document. `message` is written for the user: it names the file and says what to do;
 * `fileName` is the name shown in the message and `path` the path as given.
 */
export class DocumentReadError extends Error {
  override readonly name = 'DocumentReadError';

  constructor(
    readonly code: DocumentReadErrorCode,
    message: string,
    readonly path: string,
    readonly fileName: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
