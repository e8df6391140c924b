/**
 * The model as the routes see it: a plugin behind an interface, so routes are tested with a fake and the real one
 * is tested on generated models.
 */
import type { Backend, Device, ModelState, Paragraph, SummarizeBody, SummaryEvent } from '../api/schemas';
import { paragraphsFromText } from './prompt';

export interface ModelHealth {
  id: string;
  state: ModelState;
  device: Device | null;
  error: string | null;
}

export interface SummaryRequest {
  requestId: string;
  body: SummarizeBody;
}

export interface Summarizer {
  /** The health of `backend` (an id from `backends()`), or of the default backend. */
  health(backend?: string): ModelHealth;
  /** The backends a request may name in `options.backend`, the default first; absent: only the local model. */
  backends?(): Backend[];
  /**
   * Streams the summary's events. The stream ends with `done` or `error`; aborting `signal` stops the work
   * within one generation step and ends the stream without either.
   */
  stream(request: SummaryRequest, signal: AbortSignal): AsyncIterable<SummaryEvent>;
  close(): Promise<void>;
}

/** The paragraphs of a request, plain text split at blank lines. */
export function requestParagraphs(body: SummarizeBody): Paragraph[] {
  return 'document' in body ? body.document.paragraphs : paragraphsFromText(body.text);
}

/** True when the paragraphs hold any visible text (not only spaces, control or format characters). */
export function hasText(paragraphs: readonly Paragraph[]): boolean {
  return paragraphs.some((p) => /[^\s\p{Cc}\p{Cf}]/u.test(p.text));
}
