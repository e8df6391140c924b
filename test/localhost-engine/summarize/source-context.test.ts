/**
 * "Refine with source": the cited paragraphs given back to a combining step, most cited first, as far as the
 * context has room by the generator's own counts, listed in document order.
 */
import type { ChatMessage } from '../../../localhost-engine/summarize/prompt';
import { byCitations, sourcesThatFit } from '../../../localhost-engine/summarize/source-context';

/** One token per word, and 4 per message, like the scripted generator. */
const counter = {
  calls: 0,
  countTokens(prompts: ChatMessage[][]): Promise<number[]> {
    this.calls += 1;
    return Promise.resolve(
      prompts.map((m) => m.reduce((n, x) => n + x.content.split(/\s+/).filter(Boolean).length + 4, 0)),
    );
  },
};
const base: ChatMessage[] = [{ role: 'user', content: Array.from({ length: 50 }, () => 'w').join(' ') }];
const line = (i: number): string =>
  `[¶${i + 1}] ${Array.from({ length: 10 * (i + 1) }, () => 'x').join(' ')}`;

describe('sourcesThatFit', () => {
  it('takes the candidates in order while they fit, and lists them in document order', async () => {
    // 54 base tokens + 24 for the block: 100 leaves 22, enough for ¶1 (11 + 2) but not ¶2 (21 + 2) after it.
    const text = await sourcesThatFit(counter, base, [0, 1, 2], line, 100, 1000);
    expect(text).toBe(line(0));
    // 50 of room: ¶3 (33) then ¶1 (13); ¶2 (23) no longer fits.
    const more = await sourcesThatFit(counter, base, [2, 0, 1], line, 128, 1000);
    expect(more.split('\n')).toEqual([line(0), line(2)].sort());
  });

  it('keeps the sources within their cap, whatever room the context has', async () => {
    // A cap of 24 + 40: ¶3 (33) fits, then ¶1 (13) does not fit in the 7 left.
    expect(await sourcesThatFit(counter, base, [2, 0], line, 10_000, 64)).toBe(line(2));
  });

  it('never counts a paragraph too long for the cap by its length alone', async () => {
    const huge = (i: number): string => (i === 5 ? 'x'.repeat(100_000) : line(i));
    const calls = counter.calls;
    const seen: ChatMessage[][] = [];
    const spy = {
      countTokens: (prompts: ChatMessage[][]) => {
        seen.push(...prompts);
        return counter.countTokens(prompts);
      },
    };
    expect(await sourcesThatFit(spy, base, [5, 0], huge, 10_000, 1000)).toBe(line(0));
    expect(counter.calls).toBe(calls + 1);
    expect(seen.every((m) => m.every((x) => x.content.length < 1000))).toBe(true);
  });

  it('gives nothing when nothing fits or nothing is cited', async () => {
    expect(await sourcesThatFit(counter, base, [0], line, 60, 1000)).toBe('');
    const calls = counter.calls;
    expect(await sourcesThatFit(counter, base, [], line, 1000, 1000)).toBe('');
    expect(counter.calls).toBe(calls);
  });

  it('orders paragraphs by how often points cite them', () => {
    expect(byCitations([{ sources: [4, 2] }, { sources: [2] }, { sources: [7, 4, 2] }])).toEqual([2, 4, 7]);
  });
});
