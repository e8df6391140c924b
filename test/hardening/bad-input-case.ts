/**
 * The bad-input corpus (`test/fixtures/bad-input/`): its case format, and the loader that reads the JSON files and
 * the generated cases.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type ExpectedOutcome =
  /** A summary stream whose last event is one of `end` (`done`, or `error:<code>`). */
  | { status: 200; end: string[] }
  /** A refusal before streaming; `message` is a regular expression the message must match. */
  | { status: number; code?: string; message?: string };

export interface BadInputCase {
  name: string;
  about: string;
  body?: unknown;
  raw?: string;
  rawBase64?: string;
  /** Default `application/json`; an empty string sends no Content-Type. */
  contentType?: string;
  expect: ExpectedOutcome;
  /** Large inputs that take seconds on purpose (tokenizing a million characters). */
  slow?: boolean;
}

export const CORPUS_DIR = path.join(__dirname, '..', 'fixtures', 'bad-input');

/** The JSON cases, by file name. */
export function fileCases(dir = CORPUS_DIR): BadInputCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), ...JSON.parse(readFileSync(path.join(dir, f), 'utf8')) }));
}

/** The bytes a case sends. */
export function caseBody(c: BadInputCase): Buffer {
  if (c.rawBase64 !== undefined) return Buffer.from(c.rawBase64, 'base64');
  if (c.raw !== undefined) return Buffer.from(c.raw, 'utf8');
  return Buffer.from(JSON.stringify(c.body), 'utf8');
}
