/**
 * Server-sent events as OpenAI-compatible servers send them: `data:` lines (one JSON object each, or `[DONE]`),
 * blank lines between events, `:` comments as keep-alives, and llama.cpp's server's `error:` lines (its streaming
 * errors, sent with `server_sent_event(sink, "error", …)` in tools/server). Bytes may split anywhere, UTF-8
 * characters and lines included.
 */

export type SseEvent =
  | { kind: 'data'; value: string }
  | { kind: 'error'; value: string }
  /** A line that is no server-sent event field this client knows (the stream is not what it should be). */
  | { kind: 'unknown'; line: string };

/** A line longer than this is not a chat stream (and is not buffered further). */
export const MAX_LINE_CHARS = 1024 * 1024;

/** Fields the SSE format defines that carry nothing a chat stream needs. */
const IGNORED_FIELDS = new Set(['event', 'id', 'retry']);

/**
 * Parses a byte stream into events: `data` (the event's data lines joined by "\n", at the blank line that ends
 * it, or at the end of the stream), `error`, and `unknown` lines. CR, LF and CRLF all end lines.
 * @throws RangeError when a line exceeds `MAX_LINE_CHARS`.
 */
export async function* sseEvents(
  body: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  let data: string[] = [];
  const line = function* (text: string): Generator<SseEvent> {
    if (text === '') {
      if (data.length > 0) yield { kind: 'data', value: data.join('\n') };
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + (text[colon + 1] === ' ' ? 2 : 1));
    if (field === 'data') data.push(value);
    else if (field === 'error') yield { kind: 'error', value };
    else if (!IGNORED_FIELDS.has(field)) yield { kind: 'unknown', line: text };
  };
  for await (const chunk of body) {
    buffer += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
      // A CR that ends the buffer may be the first half of a CRLF: wait for the next chunk.
      if (buffer[end] === '\r' && end === buffer.length - 1) break;
      const text = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
      yield* line(text);
    }
    if (buffer.length > MAX_LINE_CHARS) {
      throw new RangeError(`a line of the stream is longer than ${MAX_LINE_CHARS} characters`);
    }
  }
  buffer += decoder.decode();
  for (const text of buffer.split(/\r\n|\r|\n/)) yield* line(text);
  yield* line('');
}
