/**
 * Token counts for a model whose tokenizer this engine does not have (an upstream server's): an estimate from the
 * characters that errs high, so planned parts fit the server's context; the server's own "context length
 * exceeded" answer catches the rest (`document-summarizer.ts` splits the part again).
 *
 * The costs are fitted to the Phi-3 tokenizer (`models/tokenizer/phi3`: Llama 2's 32k vocabulary, the most
 * token-hungry of the common chat models), so that no paragraph's estimate falls below its real count there;
 * `estimated-token-counter.test.ts` checks that on prose in several scripts, numbers, tables, code and emoji, and
 * bounds how high English prose runs. Larger vocabularies (Llama 3, Qwen, Phi-4) need fewer tokens still, so parts
 * come out smaller than the context allows, never larger.
 */
import type { TokenCounter } from '../summarize/chunker';
import type { ChatMessage } from '../summarize/prompt';

const WORD_START = 1;
const LOWER_LETTER = 0.2;
const UPPER_LETTER = 0.5;
const DIGIT = 1;
const NEWLINE = 1;
const PUNCTUATION = 1;
const TWO_BYTE = 1.25;
const THREE_BYTE = 2;
const FOUR_BYTE = 4;
const SPACE_IN_RUN = 1;
/** Raises every estimate, so that text the costs above only just cover (a row of numbers) stays covered. */
const MARGIN = 1.1;

/** Tokens a chat message adds around its content (role markers, separators) in common chat templates. */
export const MESSAGE_OVERHEAD = 8;
/** Tokens of the template around all messages (the assistant's turn marker, a start token). */
export const PROMPT_OVERHEAD = 4;

/** Where a character stands: in a word of small or capital ASCII letters, a number, a run of spaces, or elsewhere. */
type Run = 'lower' | 'upper' | 'number' | 'space' | 'other';

/** The cost of the code point `c` after a character of `run`, and the run it continues or starts. */
function cost(c: number, run: Run): [number, Run] {
  if (c >= 97 && c <= 122) return [run === 'lower' || run === 'upper' ? LOWER_LETTER : WORD_START, 'lower'];
  // Capitals split finely, and a capital after a small letter (camelCase, random identifiers) starts a new token.
  if (c >= 65 && c <= 90) return [run === 'upper' ? UPPER_LETTER : WORD_START, 'upper'];
  // A number's first digit often comes with a separate word-start token ("▁" before "7", "9", …).
  if (c >= 48 && c <= 57) return [run === 'number' ? DIGIT : DIGIT + 1, 'number'];
  if (c === 10) return [NEWLINE, 'other'];
  // A space joins the next word's first token; a run of them (indentation, alignment) does not.
  if (c === 32 || c === 9 || c === 13) return [run === 'space' ? SPACE_IN_RUN : 0, 'space'];
  if (c < 128) return [PUNCTUATION, 'other'];
  if (c < 0x800) return [TWO_BYTE, 'other'];
  if (c < 0x10000) return [THREE_BYTE, 'other'];
  return [FOUR_BYTE, 'other'];
}

/** The estimated token count of `text` alone. */
export function estimateTokens(text: string): number {
  let total = 0;
  let run: Run = 'space';
  for (const ch of text) {
    let c: number;
    [c, run] = cost(ch.codePointAt(0) ?? 0, run);
    total += c;
  }
  return Math.ceil(total * MARGIN);
}

/** The estimated size of a whole prompt, chat template included. */
export function estimatePromptTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((n, m) => n + estimateTokens(m.content) + MESSAGE_OVERHEAD, PROMPT_OVERHEAD);
}

/**
 * Cuts `text` into pieces whose estimates are at most `maxTokens` each (at least one character each), after the
 * last space that keeps a piece within the bound where there is one; the pieces joined give `text` back.
 */
function cut(text: string, maxTokens: number): string[] {
  const pieces: string[] = [];
  const chars = Array.from(text);
  let start = 0;
  while (start < chars.length) {
    let total = 0;
    let run: Run = 'space';
    let end = start;
    let afterSpace = -1;
    while (end < chars.length) {
      const [c, next] = cost(chars[end].codePointAt(0) ?? 0, run);
      if (end > start && Math.ceil((total + c) * MARGIN) > maxTokens) break;
      total += c;
      run = next;
      end += 1;
      if (chars[end - 1] === ' ') afterSpace = end;
    }
    const stop = end < chars.length && afterSpace > start ? afterSpace : end;
    pieces.push(chars.slice(start, stop).join(''));
    start = stop;
  }
  return pieces;
}

/** The planner's counter over the estimate (`chunker.ts`). */
export const estimatedTokenCounter: TokenCounter = { count: estimateTokens, cut };
