/**
 * NDJSON stream parsing for the engine's `/api/summarize` response.
 */
import type { SummaryEvent } from '../../localhost-engine/api/schemas';
import { EngineError } from './engine-error';

/**
 * Reads a newline-delimited JSON stream of summary events and yields each event as soon as its line is complete.
 *
 * Guarantees: lines split across chunks are joined; UTF-8 sequences split across chunks are decoded whole
 * (streaming `TextDecoder`); blank lines (and `\r\n` endings) are ignored; a last line without a trailing newline
 * is still parsed. The generator ends right after yielding a `done` or `error` event, cancelling the rest of the
 * stream. If the consumer stops early, the stream is cancelled too, which closes the connection (and makes the
 * engine stop generating).
 *
 * @throws {EngineError} `invalid_ndjson` when a line is not a JSON object with a string `type`;
 *   `incomplete_stream` when the stream ends without a `done` or `error` event. Errors of the stream itself
 *   (e.g. an abort) propagate unchanged.
 */
export async function* parseNdjson(
  stream: ReadableStream<Uint8Array>,
): AsyncGenerator<SummaryEvent, void, undefined> {
  const reader = stream.getReader();
  const decoder = new TextDecoder('utf-8');
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      // At the end, flush the decoder (an incomplete UTF-8 tail becomes U+FFFD rather than vanishing) and treat
      // what is left as a final line.
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let newline = buffer.indexOf('\n');
      while (newline !== -1 || (done && buffer.length > 0)) {
        const end = newline === -1 ? buffer.length : newline;
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (line !== '') {
          const event = parseLine(line);
          yield event;
          if (event.type === 'done' || event.type === 'error') {
            return;
          }
        }
        newline = buffer.indexOf('\n');
      }
      if (done) break;
    }
    throw new EngineError('incomplete_stream', 'The engine stopped before the summary was finished.');
  } finally {
    // Whatever follows a terminal event, or the rest of the response on an early exit, is not wanted: cancelling
    // closes the connection, which is how the engine learns to stop. Cancelling a finished stream is a no-op.
    await reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function parseLine(line: string): SummaryEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (cause) {
    throw new EngineError('invalid_ndjson', `The engine sent a line that is not JSON: ${truncate(line)}`, {
      cause,
    });
  }
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') {
    throw new EngineError('invalid_ndjson', `The engine sent a line that is not an event: ${truncate(line)}`);
  }
  return value as SummaryEvent;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
