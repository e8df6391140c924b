/**
 * The summarizer over its generator seam, with a scripted generator: what it asks the generator for, in which
 * order, and what it streams — a document that fits costs one call before its first text; a longer one is planned
 * into parts, each mapped, then reduced; a refused final prompt is combined in groups first.
 */
import type { Paragraph, SummaryEvent } from '../../../localhost-engine/api/schemas';
import { DocumentSummarizer } from '../../../localhost-engine/summarize/document-summarizer';
import { ScriptedGenerator } from '../../helpers/scripted-generator';

const para = (text: string, style: Paragraph['style'] = 'Normal'): Paragraph => ({
  text,
  style,
  outlineLevel: null,
  isListItem: false,
  inTable: false,
});

async function run(
  generator: ScriptedGenerator,
  paragraphs: Paragraph[],
  options: { style?: 'key-points' | 'sections' } = {},
): Promise<SummaryEvent[]> {
  const summarizer = new DocumentSummarizer(generator, { cacheDir: null });
  const events: SummaryEvent[] = [];
  for await (const e of summarizer.stream(
    { requestId: 'r', body: { document: { paragraphs }, options: { length: 'short', ...options } } },
    new AbortController().signal,
  ))
    events.push(e);
  return events;
}

const sentence = (i: number): string => `Clause ${i} says the tenant pays rent on day ${i} of each month.`;

describe('DocumentSummarizer over a generator', () => {
  it('summarizes a document that fits in one generation, with nothing asked before it', async () => {
    const generator = new ScriptedGenerator();
    const events = await run(generator, [para('Lease', 'Heading1'), para(sentence(1))]);
    expect(generator.calls).toEqual(['generate']);
    expect(events.map((e) => e.type)).toEqual([
      'start',
      'progress',
      ...events.filter((e) => e.type === 'delta').map(() => 'delta'),
      'section',
      'done',
    ]);
    const start = events[0] as Extract<SummaryEvent, { type: 'start' }>;
    expect(start.plan).toMatchObject({ parts: 1, paragraphs: 2 });
    expect(start.plan.inputTokens).toBeGreaterThan(10);
    const deltas = events.filter((e) => e.type === 'delta').map((e) => (e as { text: string }).text);
    const done = events.at(-1) as Extract<SummaryEvent, { type: 'done' }>;
    expect(deltas.join('')).toBe(done.summary);
    expect(done.usage.parts).toBe(1);
  });

  it('plans parts when the one prompt is refused, maps each, then writes the final summary', async () => {
    const generator = new ScriptedGenerator({
      contextLength: 600,
      answer: () => '- Rent is paid monthly [¶2].',
    });
    const paragraphs = Array.from({ length: 60 }, (_, i) => para(sentence(i)));
    const events = await run(generator, paragraphs);
    const sections = events.filter(
      (e): e is Extract<SummaryEvent, { type: 'section' }> => e.type === 'section',
    );
    expect(sections.length).toBeGreaterThan(1);
    expect(sections[0].paragraphs[0]).toBe(0);
    expect(sections.at(-1)!.paragraphs[1]).toBe(paragraphs.length - 1);
    // The whole prompt (refused), the part overhead, the plan, one generation per part, the size of the cited
    // paragraphs to give back with the part summaries, the final one.
    expect(generator.calls).toEqual([
      'generate',
      'countTokens',
      'plan',
      ...sections.map(() => 'generate'),
      'countTokens',
      'generate',
    ]);
    const start = events.find((e) => e.type === 'start') as Extract<SummaryEvent, { type: 'start' }>;
    expect(start.plan.parts).toBe(sections.length);
    expect(events.at(-1)!.type).toBe('done');
  });

  it('combines part summaries in groups when the final prompt is refused', async () => {
    // Part summaries as long as the part answers allow: too many of them for one final prompt.
    const generator = new ScriptedGenerator({
      contextLength: 600,
      answer: () => Array.from({ length: 200 }, (_, i) => `point${i}`).join(' '),
    });
    const events = await run(
      generator,
      Array.from({ length: 240 }, (_, i) => para(sentence(i))),
    );
    const reduce = events.filter(
      (e): e is Extract<SummaryEvent, { type: 'progress' }> => e.type === 'progress' && e.stage === 'reduce',
    );
    // Groups of several summaries each (fewer groups than parts), then the final step.
    const parts = events.filter((e) => e.type === 'section').length;
    expect(reduce[0].of).toBeGreaterThan(1);
    expect(reduce[0].of).toBeLessThan(parts);
    expect(reduce.at(-1)).toMatchObject({ part: 1, of: 1 });
    expect(events.at(-1)!.type).toBe('done');
  });

  it('splits a part the generator refuses as too long again, instead of failing', async () => {
    // Parts of up to ~450 words; the "server" refuses any part prompt whose text has more than 150 words.
    const partWords = (messages: Array<{ content: string }>): number => {
      const m = /Part \d+:\n"""\n([\s\S]*)\n"""/.exec(messages[messages.length - 1].content);
      return m ? m[1].split(/\s+/).length : 0;
    };
    const generator = new ScriptedGenerator({
      contextLength: 600,
      refuse: (messages) => partWords(messages) > 150,
      answer: (messages) => `summary of ${partWords(messages)} words`,
    });
    const paragraphs = Array.from({ length: 60 }, (_, i) => para(sentence(i)));
    const events = await run(generator, paragraphs);
    const start = events.find((e) => e.type === 'start') as Extract<SummaryEvent, { type: 'start' }>;
    const sections = events.filter(
      (e): e is Extract<SummaryEvent, { type: 'section' }> => e.type === 'section',
    );
    expect(events.at(-1)!.type).toBe('done');
    // Every planned part still has its one section, covering the same paragraphs, all of them in order.
    expect(sections).toHaveLength(start.plan.parts);
    expect(sections[0].paragraphs[0]).toBe(0);
    expect(sections.at(-1)!.paragraphs[1]).toBe(paragraphs.length - 1);
    // A refused part's summary is its pieces' summaries, each of a piece the "server" accepted.
    const refused = generator.prompts.filter((p) => partWords(p) > 150);
    expect(refused.length).toBeGreaterThan(0);
    const pieces = sections[0].summary.split('\n');
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(Number(/of (\d+) words/.exec(piece)![1])).toBeLessThanOrEqual(150);
  });

  it('gives up with context_too_small when even small pieces are refused, naming the part', async () => {
    const generator = new ScriptedGenerator({
      contextLength: 600,
      refuse: (messages) => /Part 2:/.test(messages[messages.length - 1].content),
    });
    const events = await run(
      generator,
      Array.from({ length: 60 }, (_, i) => para(sentence(i))),
    );
    const last = events.at(-1)!;
    expect(last).toMatchObject({ type: 'error', code: 'context_too_small' });
    expect((last as { message: string }).message).toMatch(
      /Part 2 does not fit the model's context, even cut in pieces of \d+ tokens/,
    );
    expect(events.some((e) => e.type === 'done')).toBe(false);
  });
});
