/**
 * The bad-input corpus (test/fixtures/bad-input/, issue 6) against one real engine on the generated tiny model:
 * every case gets the status it expects; a refusal is JSON whose code and message name the problem; a stream is
 * valid NDJSON of contract events that ends with `done` or `error` (never silently); and the engine is healthy
 * and idle after each case. Output is capped at a few tokens per generation, so the time goes to the input.
 */
import { Value } from '@sinclair/typebox/value';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { SummaryEvent } from '../../localhost-engine/api/schemas';
import { localSummarizer } from '../../localhost-engine/summarize/document-summarizer';
import { generatedCases } from '../fixtures/bad-input/generated';
import { request, startTestEngine, type TestEngine } from '../helpers/test-engine';
import { caseBody, fileCases, type BadInputCase } from './bad-input-case';

const cases: BadInputCase[] = [...fileCases(), ...generatedCases()];
const timings: Array<{ name: string; status: number; outcome: string; ms: number }> = [];

function outcomeOf(events: SummaryEvent[]): string {
  const last = events[events.length - 1];
  if (!last) return 'empty stream';
  if (last.type === 'done') return 'done';
  if (last.type === 'error') return `error:${last.code}`;
  return `no terminal event (last: ${last.type})`;
}

describe('bad input corpus', () => {
  let engine: TestEngine;

  beforeAll(async () => {
    const modelDir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    // Short answers, parts too: the cases are about input, and a million characters make dozens of parts.
    const summarizer = localSummarizer({ modelDir, device: 'cpu', maxNewTokens: 8, partMaxNewTokens: 8 });
    engine = await startTestEngine(modelDir, { summarizer });
    await summarizer.generator.warmUp();
  });
  afterAll(async () => {
    await engine.close();
    const rows = timings.map(
      (t) => `${t.name.padEnd(40)} ${String(t.status).padEnd(4)} ${t.outcome.padEnd(22)} ${t.ms} ms`,
    );
    console.log(`bad input corpus, ${timings.length} cases:\n${rows.join('\n')}`);
  });

  it('has at least 30 cases, each with an expected outcome', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const c of cases) {
      expect(typeof c.about).toBe('string');
      expect(typeof c.expect.status).toBe('number');
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      const started = Date.now();
      const headers: Record<string, string> =
        c.contentType === '' ? {} : { 'content-type': c.contentType ?? 'application/json' };
      const res = await request(engine, {
        method: 'POST',
        path: '/api/summarize',
        headers,
        body: caseBody(c),
      });
      let outcome: string;
      if (c.expect.status === 200 && 'end' in c.expect) {
        expect({ status: res.status, body: res.status === 200 ? '' : res.body }).toEqual({
          status: 200,
          body: '',
        });
        expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
        expect(res.body.endsWith('\n')).toBe(true);
        const events = res.body
          .split('\n')
          .filter((line) => line.length > 0)
          .map((line) => JSON.parse(line) as SummaryEvent);
        for (const e of events)
          expect({ event: e, valid: Value.Check(SummaryEvent, e) }).toMatchObject({ valid: true });
        outcome = outcomeOf(events);
        expect(c.expect.end).toContain(outcome);
        // Exactly one terminal event, and it is the last; a summary began with `start`.
        expect(events.filter((e) => e.type === 'done' || e.type === 'error')).toHaveLength(1);
        if (outcome === 'done') expect(events.some((e) => e.type === 'start')).toBe(true);
      } else {
        expect({ status: res.status, body: res.body }).toMatchObject({ status: c.expect.status });
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        const body = JSON.parse(res.body) as { code: string; message: string; statusCode: number };
        expect(body.statusCode).toBe(c.expect.status);
        if ('code' in c.expect && c.expect.code) expect(body.code).toBe(c.expect.code);
        if ('message' in c.expect && c.expect.message)
          expect(body.message).toMatch(new RegExp(c.expect.message));
        outcome = body.code;
      }
      // Still healthy, nothing left running or waiting.
      const health = JSON.parse((await request(engine, { path: '/api/health' })).body);
      expect(health.model).toMatchObject({ state: 'ready', error: null });
      expect(health.queue).toEqual({ running: 0, waiting: 0 });
      timings.push({ name: c.name, status: res.status, outcome, ms: Date.now() - started });
    },
    // The slow cases tokenize up to a million characters, more than once (see the report): minutes, not hours.
    240_000,
  );
});
