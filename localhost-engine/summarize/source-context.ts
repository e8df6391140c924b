/**
 * "Refine with source": the text of the paragraphs that a combining step's summaries cite, as much of it as the
 * context has room for beside the prompt and the answer, so the model checks its points against the document.
 */
import { MAX_CHARS_PER_TOKEN } from './chunker';
import type { ChatMessage } from './prompt';
import type { TextGenerator } from './text-generator';

/** Tokens kept for the block's heading and quotes around the source lines. */
const BLOCK_OVERHEAD = 24;
/** Tokens counted per line joint (as the chunker counts them: an upper bound). */
const JOINT = 2;
/** The most paragraphs whose size is counted for one step. */
const MAX_CANDIDATES = 200;
/**
 * The share of the context the source text may take at most: every token of it is prefill, which dominates a
 * summary's time on a CPU, so the sources refine a step without making it several times slower.
 */
export const MAX_SOURCE_SHARE = 0.25;

/**
 * The source lines that fit: `candidates` are taken in their order (most wanted first) while their tokens stay
 * within `cap` and, with `base`'s, within `limit` (the context less the answer's room); the result lists them in
 * document order, one line each, or is empty when none fits. One `countTokens` call.
 */
export async function sourcesThatFit(
  generator: Pick<TextGenerator, 'countTokens'>,
  base: ChatMessage[],
  candidates: readonly number[],
  line: (paragraph: number) => string,
  limit: number,
  cap: number,
): Promise<string> {
  // Text has at least one token per MAX_CHARS_PER_TOKEN characters: what cannot fit the cap is never encoded
  // (encoding a huge paragraph costs far more than the step it would refine).
  const wanted: number[] = [];
  let atLeast = 0;
  for (const p of candidates) {
    if (wanted.length >= MAX_CANDIDATES) break;
    const bound = Math.ceil(line(p).length / MAX_CHARS_PER_TOKEN);
    if (atLeast + bound > cap) continue;
    wanted.push(p);
    atLeast += bound;
  }
  if (wanted.length === 0) return '';
  const one = (content: string): ChatMessage[] => [{ role: 'user', content }];
  const [baseTokens, empty, ...sizes] = await generator.countTokens([
    base,
    one(''),
    ...wanted.map((p) => one(line(p))),
  ]);
  let room = Math.min(limit - baseTokens, cap) - BLOCK_OVERHEAD;
  const chosen: number[] = [];
  wanted.forEach((p, k) => {
    const tokens = sizes[k] - empty + JOINT;
    if (tokens <= room) {
      chosen.push(p);
      room -= tokens;
    }
  });
  return chosen
    .sort((a, b) => a - b)
    .map(line)
    .join('\n');
}

/** Paragraphs cited by `points`, most cited first (ties: document order). */
export function byCitations(points: ReadonlyArray<{ sources: readonly number[] }>): number[] {
  const counts = new Map<number, number>();
  for (const p of points) for (const s of p.sources) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([p]) => p);
}
