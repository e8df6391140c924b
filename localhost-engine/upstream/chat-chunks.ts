/**
 * What an OpenAI-compatible chat stream says, chunk by chunk: text deltas, the finish reason, the usage the server
 * counted, the end (`[DONE]`), and errors the server reports inside the stream. The shapes vary by server (vLLM
 * sends a role-only first chunk and a usage chunk with empty `choices`; Ollama repeats the role in every delta;
 * llama.cpp attaches usage to its last chunk); this module reads all of them and refuses anything else.
 */
import type { ReportedUsage } from '../summarize/text-generator';
import type { SseEvent } from './sse-events';

export type ChatChunk =
  | { kind: 'text'; text: string }
  | { kind: 'finish'; reason: string }
  | { kind: 'usage'; usage: ReportedUsage }
  | { kind: 'done' }
  | { kind: 'server-error'; message: string; body: unknown };

/** A stream that is not an OpenAI-compatible chat stream; the message says what arrived. */
export class MalformedStreamError extends Error {}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The message of an error body in any of the shapes servers use: `{error: {message}}`, `{error: "…"}`, `{message}`,
 * `{detail}`; null for none of them.
 */
export function errorMessage(body: unknown): string | null {
  if (!isObject(body)) return null;
  const e = body.error;
  if (typeof e === 'string') return e;
  if (isObject(e) && typeof e.message === 'string') return e.message;
  if (typeof body.message === 'string') return body.message;
  if (typeof body.detail === 'string') return body.detail;
  return null;
}

function usageOf(value: unknown): ReportedUsage | null {
  if (!isObject(value)) return null;
  const { prompt_tokens: prompt, completion_tokens: completion } = value;
  if (typeof prompt !== 'number' || typeof completion !== 'number') return null;
  const details = value.prompt_tokens_details;
  const cached =
    isObject(details) && typeof details.cached_tokens === 'number' ? details.cached_tokens : null;
  return { promptTokens: prompt, completionTokens: completion, cachedTokens: cached };
}

const preview = (text: string): string => JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);

/**
 * The chunks one server-sent event holds, in order.
 * @throws MalformedStreamError for data that is not JSON, JSON that is no chat chunk, or a line that is no SSE field.
 */
export function chatChunks(event: SseEvent): ChatChunk[] {
  if (event.kind === 'unknown') {
    throw new MalformedStreamError(`a line that is not a server-sent event: ${preview(event.line)}`);
  }
  if (event.kind === 'data' && event.value.trim() === '[DONE]') return [{ kind: 'done' }];
  let body: unknown;
  try {
    body = JSON.parse(event.value);
  } catch {
    // An `error:` line in plain text is still the server's own error.
    if (event.kind === 'error')
      return [{ kind: 'server-error', message: event.value.trim().slice(0, 300), body: event.value }];
    throw new MalformedStreamError(`data that is not JSON: ${preview(event.value)}`);
  }
  if (event.kind === 'error' || (isObject(body) && body.error !== undefined && body.error !== null)) {
    return [{ kind: 'server-error', message: errorMessage(body) ?? preview(event.value), body }];
  }
  if (!isObject(body) || !Array.isArray(body.choices)) {
    throw new MalformedStreamError(`a chunk without "choices": ${preview(event.value)}`);
  }
  const out: ChatChunk[] = [];
  const choice: unknown = body.choices[0];
  if (isObject(choice)) {
    const delta = choice.delta ?? choice.message;
    if (isObject(delta) && typeof delta.content === 'string' && delta.content !== '') {
      out.push({ kind: 'text', text: delta.content });
    }
    if (typeof choice.finish_reason === 'string') out.push({ kind: 'finish', reason: choice.finish_reason });
  }
  const usage = usageOf(body.usage);
  if (usage) out.push({ kind: 'usage', usage });
  return out;
}
