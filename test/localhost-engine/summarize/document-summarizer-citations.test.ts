/**
 * Citations through the summarizer, with a scripted model that cites what its prompt shows: labelled paragraphs in
 * every prompt, no marker in anything streamed, points checked and carried from parts to the final summary, the
 * cited paragraphs given back to the combining steps, coverage, part-cache hits after an edit above a part, and
 * parts split again when the generator refuses them (an upstream server that counts tokens its own way).
 */
import type { Paragraph, SummaryEvent } from '../../../localhost-engine/api/schemas';
import { DocumentSummarizer } from '../../../localhost-engine/summarize/document-summarizer';
import type { ChatMessage } from '../../../localhost-engine/summarize/prompt';
import { citingAnswer } from '../../helpers/citing-answer';
import { ScriptedGenerator } from '../../helpers/scripted-generator';

type Done = Extract<SummaryEvent, { type: 'done' }>;
type Section = Extract<SummaryEvent, { type: 'section' }>;

const para = (text: string, style: Paragraph['style'] = 'Normal'): Paragraph => ({ text, style });

/** Clause i: words no other clause has, so the check can tell them apart. */
const clause = (i: number): string =>
  `Clause ${i} obliges party${i} to deliver widget${i} within ${i + 3} days to depot${i}.`;

async function run(
  summarizer: DocumentSummarizer,
  paragraphs: Paragraph[],
  style: 'key-points' | 'sections' = 'key-points',
): Promise<SummaryEvent[]> {
  const events: SummaryEvent[] = [];
  for await (const e of summarizer.stream(
    { requestId: 'r', body: { document: { paragraphs }, options: { length: 'short', style } } },
    new AbortController().signal,
  ))
    events.push(e);
  return events;
}

const deltas = (events: SummaryEvent[], part?: number): string =>
  events
    .filter((e): e is Extract<SummaryEvent, { type: 'delta' }> => e.type === 'delta' && e.part === part)
    .map((e) => e.text)
    .join('');

describe('DocumentSummarizer citations', () => {
  const short = [
    para('Supply terms', 'Heading1'),
    para(clause(1)),
    para(clause(2)),
    para('Unused terms', 'Heading1'),
    para(clause(3)),
  ];

  it('labels the paragraphs in a one-prompt summary and returns checked points without markers', async () => {
    const generator = new ScriptedGenerator({ answer: citingAnswer });
    const events = await run(new DocumentSummarizer(generator, { cacheDir: null }), short);
    expect(generator.prompts[0].at(-1)!.content).toContain(`[¶2] ${clause(1)}`);
    const done = events.at(-1) as Done;
    expect(done.type).toBe('done');
    expect(deltas(events)).toBe(done.summary);
    expect(done.summary).not.toMatch(/[[¶]/);
    expect(done.points!.map((p) => p.sources)).toEqual([[1], [2], expect.any(Array)]);
    expect(done.points!.slice(0, 2).every((p) => p.supported)).toBe(true);
    // The point whose citations were malformed or out of range is attributed by the check instead.
    expect(done.points![2].text).toBe('A point with a broken citation and one past the end.');
    expect(done.points![2].sources.every((s) => s < short.length)).toBe(true);
    const section = events.find((e): e is Section => e.type === 'section')!;
    expect(section.points).toEqual(done.points);
    expect(done.coverage).toEqual({
      by: 'headings',
      headings: [
        { paragraph: 0, last: 2, title: 'Supply terms', covered: true },
        { paragraph: 3, last: 4, title: 'Unused terms', covered: false },
      ],
    });
  });

  const long = Array.from({ length: 40 }, (_, i) => para(clause(i + 1)));

  it('carries the citations of each part to the final summary, giving the cited paragraphs back', async () => {
    const generator = new ScriptedGenerator({ contextLength: 700, answer: citingAnswer });
    const events = await run(new DocumentSummarizer(generator, { cacheDir: null }), long);
    const sections = events.filter((e): e is Section => e.type === 'section');
    expect(sections.length).toBeGreaterThan(1);
    for (const s of sections) {
      // Each part's prompt labels its paragraphs with their document numbers; its points cite them.
      const [first, last] = s.paragraphs;
      const cited = s.points!.slice(0, 3).flatMap((p) => p.sources);
      expect(cited.length).toBeGreaterThan(0);
      expect(cited.every((i) => i >= first && i <= last)).toBe(true);
      expect(s.summary).not.toMatch(/[[¶]/);
      expect(deltas(events, s.part).trim()).toBe(s.summary);
    }
    const final = generator.prompts.at(-1)!.at(-1)!.content;
    expect(final).toContain(`[¶${sections[1].paragraphs[0] + 1}]`);
    expect(final).toContain(`The paragraphs they cite:\n"""\n[¶1] ${clause(1)}`);
    const done = events.at(-1) as Done;
    expect(deltas(events)).toBe(done.summary);
    expect(done.points![0].sources).toEqual([0]);
    expect(done.coverage!.by).toBe('tenths');
    expect(done.coverage!.headings[0].covered).toBe(true);
  });

  it('gives combined points without citations the best of what their inputs cited', async () => {
    const generator = new ScriptedGenerator({
      contextLength: 600,
      answer: (messages) => {
        const prompt = messages.at(-1)!.content;
        if (prompt.startsWith('These are summaries of consecutive sections')) {
          // A combine step that drops every citation but keeps the words.
          return citingAnswer(messages, 3).replace(/\s*\[[^\]]*\]/g, '');
        }
        return `${citingAnswer(messages, 3)}\n- ${Array.from({ length: 40 }, (_, i) => `filler${i}`).join(' ')}.`;
      },
    });
    const events = await run(
      new DocumentSummarizer(generator, { cacheDir: null }),
      Array.from({ length: 90 }, (_, i) => para(clause(i + 1))),
    );
    expect(events.some((e) => e.type === 'progress' && e.stage === 'reduce' && e.of > 1)).toBe(true);
    const combinePrompts = generator.prompts.filter((m) =>
      m.at(-1)!.content.startsWith('These are summaries of consecutive sections'),
    );
    expect(combinePrompts.length).toBeGreaterThan(1);
    const done = events.at(-1) as Done;
    expect(done.type).toBe('done');
    // The final prompt shows the combined points with citations found for them among their inputs' sources.
    const final = generator.prompts.at(-1)!.at(-1)!.content;
    expect(final).toMatch(/- Clause 1 obliges party1 .*\[¶1\]/);
  });

  it('reuses cached parts after a paragraph is added above them, with their citations moved', async () => {
    const generator = new ScriptedGenerator({ contextLength: 700, answer: citingAnswer });
    const summarizer = new DocumentSummarizer(generator, { cacheDir: null });
    const first = await run(summarizer, long);
    const before = first.filter((e): e is Section => e.type === 'section');
    const edited = [...long.slice(0, 1), para('A new short paragraph.'), ...long.slice(1)];
    const second = await run(summarizer, edited);
    const start = second.find((e) => e.type === 'start') as Extract<SummaryEvent, { type: 'start' }>;
    expect(start.plan.cachedParts).toBeGreaterThan(0);
    const after = second.filter((e): e is Section => e.type === 'section');
    const moved = after.filter((s) =>
      before.some((b) => b.paragraphs[0] + 1 === s.paragraphs[0] && b.summary === s.summary),
    );
    expect(moved.length).toBeGreaterThan(0);
    for (const s of moved) {
      const b = before.find((x) => x.paragraphs[0] + 1 === s.paragraphs[0])!;
      expect(s.points!.map((p) => p.sources)).toEqual(b.points!.map((p) => p.sources.map((i) => i + 1)));
    }
  });
  it('keeps the citations of a part split again because the generator refused it', async () => {
    // The "server" refuses any part prompt with more than 130 words of input; a paragraph of 200 words is cut.
    const input = (messages: ChatMessage[]): string =>
      /Part \d+:\n"""\n([\s\S]*)\n"""/.exec(messages.at(-1)!.content)?.[1] ?? '';
    const words = (messages: ChatMessage[]): number => input(messages).split(/\s+/).filter(Boolean).length;
    const generator = new ScriptedGenerator({
      contextLength: 700,
      refuse: (messages) => words(messages) > 130,
      answer: citingAnswer,
    });
    const longClause = Array.from(
      { length: 40 },
      (_, i) => `Longclause term${i} binds party${i} forever.`,
    ).join(' ');
    const paragraphs = [...long.slice(0, 12), para(longClause), ...long.slice(12)];
    const summarizer = new DocumentSummarizer(generator, { cacheDir: null });
    const events = await run(summarizer, paragraphs, 'sections');
    const done = events.at(-1) as Done;
    expect(done.type).toBe('done');
    const sections = events.filter((e): e is Section => e.type === 'section');
    const accepted = generator.prompts.filter((m) => input(m) && words(m) <= 130);
    expect(accepted.length).toBeGreaterThan(sections.length);
    // Every piece's lines keep their document labels, and each piece's points cite them.
    for (const s of sections) {
      const [first, last] = s.paragraphs;
      const cited = s.points!.filter((p) => !p.text.startsWith('A point with')).flatMap((p) => p.sources);
      expect(cited.length).toBeGreaterThan(3);
      expect(cited.every((i) => i >= first && i <= last)).toBe(true);
      expect(s.summary).not.toMatch(/[[¶]/);
      expect(deltas(events, s.part).trim()).toBe(s.summary);
    }
    // The pieces of the long paragraph that start inside it are labelled with its number, and cite it.
    const rest = accepted.filter((m) => input(m).startsWith('[¶13] ') && !input(m).includes('term0 '));
    expect(rest.length).toBeGreaterThan(0);
    const longSection = sections.find((s) => s.paragraphs[0] <= 12 && s.paragraphs[1] >= 12)!;
    expect(longSection.points!.filter((p) => p.sources.includes(12)).length).toBeGreaterThan(1);
    // The part cache keeps the pieces' points: a second run gets the same sections without generating them.
    const again = await run(summarizer, paragraphs, 'sections');
    const start = again.find((e) => e.type === 'start') as Extract<SummaryEvent, { type: 'start' }>;
    expect(start.plan.cachedParts).toBe(sections.length);
    expect(again.filter((e): e is Section => e.type === 'section')).toEqual(sections);
  });
});
