import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Paragraph } from '../api/schemas';
import { decodeText, TextDecodingError } from './decode-text';
import { DocumentReadError } from './document-read-error';
import { DocxPackageError } from './docx-package';
import { docxToParagraphs } from './docx-to-paragraphs';
import { markdownToParagraphs } from './markdown-to-paragraphs';
import { textToParagraphs } from './text-to-paragraphs';

export { DocumentReadError, type DocumentReadErrorCode } from './document-read-error';

/** Files over this size are refused by default: far more text than a summary can use, and slow to unpack. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 100 * 1024 * 1024;

/** The path that means "read standard input as plain text". */
export const STDIN_PATH = '-';

type DocumentKind = 'docx' | 'text' | 'markdown';

const KINDS: Readonly<Record<string, DocumentKind>> = {
  '.docx': 'docx',
  '.txt': 'text',
  '.text': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
};
const SUPPORTED = '.docx, .txt or .md';

export interface ReadDocumentOptions {
  /** Where `-` reads from; defaults to `process.stdin`. */
  stdin?: NodeJS.ReadableStream;
  /**
   * The most bytes the file (or standard input) may have, and the most any one XML part of a .docx may unpack
   * to; defaults to {@link DEFAULT_MAX_DOCUMENT_BYTES}.
   */
  maxBytes?: number;
}

/**
 * Reads a document into the paragraphs the engine's `/api/summarize` takes, in document order, none of them
 * blank. The type comes from the extension (case-insensitive): `.docx` (Word; see `docxToParagraphs`), `.txt`
 * (see `textToParagraphs`), `.md` (see `markdownToParagraphs`); `-` reads standard input as plain text. Text
 * files are UTF-8 (BOM optional) or UTF-16 with a BOM.
 *
 * @throws {DocumentReadError} with a message that names the file and says what to do, and `code`:
 *   `not_found` (no such file), `unreadable` (a folder, no permission, or text that is not UTF-8/UTF-16),
 *   `unsupported_type` (another extension, e.g. .pdf or .doc), `corrupt` (a .docx that is damaged or not a
 *   .docx), `empty` (no text at all), `too_large` (over `maxBytes`, or a .docx part unpacking past it).
 */
export async function readDocumentFile(
  path: string,
  opts: ReadDocumentOptions = {},
): Promise<{ paragraphs: Paragraph[] }> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (path === STDIN_PATH) {
    const name = 'standard input';
    const bytes = await readStream(opts.stdin ?? process.stdin, maxBytes, path, name);
    return { paragraphs: nonEmpty(textToParagraphs(decode(bytes, path, name)), path, name) };
  }

  const name = basename(path) || path;
  const kind = KINDS[extname(path).toLowerCase()];
  if (kind === undefined) {
    // A folder has no type to speak of; saying so is the more useful message.
    if (await isDirectory(path)) throw folderError(path, name);
    const hint = /\.(doc|rtf|odt|pdf|pages)$/i.test(path)
      ? ' Save it as .docx (Word) or export it as text first.'
      : '';
    throw new DocumentReadError(
      'unsupported_type',
      `${name} is not a type LocalScribe can read; use a ${SUPPORTED} file.${hint}`,
      path,
      name,
    );
  }

  const bytes = await readBytes(path, name, maxBytes);
  let paragraphs: Paragraph[];
  if (kind === 'docx') {
    paragraphs = await readDocx(bytes, path, name, maxBytes);
  } else {
    const text = decode(bytes, path, name);
    paragraphs = kind === 'markdown' ? markdownToParagraphs(text) : textToParagraphs(text);
  }
  return { paragraphs: nonEmpty(paragraphs, path, name) };
}

async function readBytes(path: string, name: string, maxBytes: number): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw folderError(path, name);
    if (!info.isFile()) {
      throw new DocumentReadError(
        'unreadable',
        `${name} is not a regular file; give the path of a document.`,
        path,
        name,
      );
    }
    if (info.size > maxBytes) throw tooLarge(path, name, maxBytes);
    if (info.size === 0) throw emptyError(path, name);
    const bytes = await readFile(path);
    // The file may have changed between stat and read.
    if (bytes.length > maxBytes) throw tooLarge(path, name, maxBytes);
    return bytes;
  } catch (error) {
    if (error instanceof DocumentReadError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new DocumentReadError(
        'not_found',
        `${name} was not found (looked for ${path}); check the path.`,
        path,
        name,
        {
          cause: error,
        },
      );
    }
    const reason =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission was denied; check that you may read it'
        : code === 'EISDIR'
          ? 'it is a folder, not a file'
          : `the system said: ${(error as Error).message}`;
    throw new DocumentReadError('unreadable', `${name} could not be read: ${reason}.`, path, name, {
      cause: error,
    });
  }
}

async function readStream(
  stream: NodeJS.ReadableStream,
  maxBytes: number,
  path: string,
  name: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer | string>) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      total += bytes.length;
      if (total > maxBytes) throw tooLarge(path, name, maxBytes);
      chunks.push(bytes);
    }
  } catch (error) {
    if (error instanceof DocumentReadError) throw error;
    throw new DocumentReadError(
      'unreadable',
      `${name} could not be read: ${(error as Error).message}.`,
      path,
      name,
      {
        cause: error,
      },
    );
  }
  return Buffer.concat(chunks);
}

async function readDocx(bytes: Buffer, path: string, name: string, maxBytes: number): Promise<Paragraph[]> {
  try {
    return await docxToParagraphs(bytes, maxBytes);
  } catch (error) {
    if (!(error instanceof DocxPackageError)) throw error;
    if (error.reason === 'too_large') {
      throw new DocumentReadError(
        'too_large',
        `${name} is too large to read: ${error.detail}. Split it into smaller documents.`,
        path,
        name,
        { cause: error },
      );
    }
    throw new DocumentReadError(
      'corrupt',
      `${name} is not a valid Word document (the file is damaged or is not a .docx): ${error.detail}. ` +
        'Open it in Word and save it again as .docx.',
      path,
      name,
      { cause: error },
    );
  }
}

function decode(bytes: Uint8Array, path: string, name: string): string {
  try {
    return decodeText(bytes);
  } catch (error) {
    if (!(error instanceof TextDecodingError)) throw error;
    throw new DocumentReadError(
      'unreadable',
      `${name} could not be read as text: ${error.message}. Save it as UTF-8 text and try again.`,
      path,
      name,
      { cause: error },
    );
  }
}

function nonEmpty(paragraphs: Paragraph[], path: string, name: string): Paragraph[] {
  if (paragraphs.length === 0) throw emptyError(path, name);
  return paragraphs;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false; // missing or unreadable: the unsupported type is the thing to report
  }
}

function folderError(path: string, name: string): DocumentReadError {
  return new DocumentReadError(
    'unreadable',
    `${name} is a folder, not a file; give the path of a document.`,
    path,
    name,
  );
}

function emptyError(path: string, name: string): DocumentReadError {
  return new DocumentReadError('empty', `${name} has no text to summarize.`, path, name);
}

function tooLarge(path: string, name: string, maxBytes: number): DocumentReadError {
  const limit = `${Math.round((maxBytes / (1024 * 1024)) * 10) / 10} MB`;
  return new DocumentReadError(
    'too_large',
    `${name} is too large to read (the limit is ${limit}). Split it into smaller documents.`,
    path,
    name,
  );
}
