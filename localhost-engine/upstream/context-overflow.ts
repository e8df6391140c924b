/**
 * Recognizes a server's "the prompt does not fit my context" answer, which every server words its own way, so that
 * the summarizer splits the part again instead of failing. The wordings (and where they come from):
 * - OpenAI and vLLM: "This model's maximum context length is N tokens. However, …" (vLLM's serving code), OpenAI's
 *   `code: "context_length_exceeded"`;
 * - llama.cpp's server: `type: "exceed_context_size_error"` with `n_prompt_tokens` and `n_ctx`, "request (N tokens)
 *   exceeds the available context size (M tokens), try increasing it" (tools/server/server-context.cpp);
 * - LM Studio: "The number of tokens to keep from the initial prompt is greater than the context length (n_keep: N>=
 *   n_ctx: M)" and "Trying to keep the first N tokens when context the overflows" (its bug tracker's reports).
 */
import { errorMessage } from './chat-chunks';

const WORDINGS = [
  /maximum context length/i,
  /exceeds? the available context size/i,
  /greater than the context length/i,
  /when context the overflows/i,
  /context[ _]length[ _]exceeded/i,
  /context window (?:is )?(?:exceeded|full)/i,
];

/** Where the server says how many prompt tokens it counted. */
const PROMPT_COUNTS = [
  /request \((\d+) tokens\)/i,
  /prompt contains (?:at least )?(\d+) input tokens/i,
  /request has (\d+) input tokens/i,
  /\((\d+) in the messages/i,
  /resulted in (\d+) tokens/i,
  /n_keep: ?(\d+)/i,
  /keep the first (\d+) tokens/i,
];

type Json = Record<string, unknown>;

/**
 * For a body (or message) that says the prompt exceeds the context: the prompt tokens the server counted where it
 * says (null otherwise); for anything else: undefined.
 */
export function contextOverflow(
  body: unknown,
  message = errorMessage(body) ?? '',
): number | null | undefined {
  const error = (typeof body === 'object' && body !== null ? (body as Json).error : undefined) as
    Json | undefined;
  const typed =
    typeof error === 'object' &&
    error !== null &&
    (error.code === 'context_length_exceeded' || error.type === 'exceed_context_size_error');
  if (!typed && !WORDINGS.some((w) => w.test(message))) return undefined;
  if (typeof error === 'object' && error !== null && typeof error.n_prompt_tokens === 'number') {
    return error.n_prompt_tokens;
  }
  for (const pattern of PROMPT_COUNTS) {
    const m = pattern.exec(message);
    if (m) return Number(m[1]);
  }
  return null;
}
