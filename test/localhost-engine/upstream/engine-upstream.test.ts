/**
 * The engine with an upstream configured, over real HTTPS, the upstream a loopback server playing wire-format
 * fixtures: the request picks the backend by id (never a URL), `start` names it, `done.usage` carries what the
 * server reported, citations are read from its text as from the local model's, a missing local model does not
 * block it, and each fault ends the stream with a clear error and no `done` (so the pane inserts nothing).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SummaryEvent } from '../../../localhost-engine/api/schemas';
import type { UpstreamConfig } from '../../../localhost-engine/upstream/upstream-config';
import {
  held,
  json,
  sse,
  startFakeUpstream,
  type FakeUpstream,
  type Reply,
} from '../../helpers/fake-upstream';
import {
  collect,
  request,
  startTestEngine,
  summarizeStream,
  type TestEngine,
} from '../../helpers/test-engine';
import { busy, DONE, vllmModels, vllmStream, vllmStreamError } from './wire-fixtures';

const DOCUMENT = {
  document: {
    paragraphs: [
      { text: 'Lease', style: 'Heading1' },
      { text: 'The tenant pays rent on the first day of each month.', style: 'Normal' },
    ],
  },
};

/** The upstream `team` on `upstream`, its context left to `/v1/models`. */
function teamConfig(upstream: FakeUpstream): UpstreamConfig {
  return {
    id: 'team',
    baseUrl: upstream.baseUrl,
    model: 'phi-3-mini',
    contextLength: null,
    apiKeyEnv: null,
    ca: null,
    allowHttp: false,
  };
}

/** An engine with no local model and `upstream` as `team`. */
function startTeamEngine(upstream: FakeUpstream): Promise<TestEngine> {
  const missing = path.join(mkdtempSync(path.join(os.tmpdir(), 'ls-nomodel-')), 'absent');
  return startTestEngine(missing, { upstreams: [teamConfig(upstream)], modelStore: null });
}

describe('an engine with an upstream (and no local model)', () => {
  let upstream: FakeUpstream;
  let engine: TestEngine;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
    upstream.models = json(200, vllmModels('phi-3-mini', 4096));
    engine = await startTeamEngine(upstream);
  });
  afterAll(async () => {
    await engine.close();
    await upstream.close();
  });

  async function summarize(reply: Reply): Promise<SummaryEvent[]> {
    upstream.chat = [reply];
    const stream = await summarizeStream(engine, {
      ...DOCUMENT,
      options: { length: 'short', backend: 'team' },
    });
    expect(stream.status).toBe(200);
    return (await collect(stream)).map((e) => e.event);
  }

  it('lists its backends in /api/health: the local model first, the upstream with its host', async () => {
    const health = JSON.parse((await request(engine, { path: '/api/health' })).body);
    expect(health.backends).toEqual([
      expect.objectContaining({ id: 'local', kind: 'local', host: null, remote: false }),
      {
        id: 'team',
        kind: 'upstream',
        model: 'phi-3-mini',
        host: `127.0.0.1:${upstream.port}`,
        remote: false,
      },
    ]);
  });

  it('summarizes through the upstream: start names it, usage has what the server counted', async () => {
    const events = await summarize(
      sse(vllmStream(['- Rent ', 'is due ', 'on the 1st.'], { usage: { prompt: 80, completion: 7 } })),
    );
    const start = events.find((e) => e.type === 'start') as Extract<SummaryEvent, { type: 'start' }>;
    expect(start).toMatchObject({
      model: 'phi-3-mini',
      device: null,
      backend: { id: 'team', kind: 'upstream', host: `127.0.0.1:${upstream.port}` },
    });
    const done = events.at(-1) as Extract<SummaryEvent, { type: 'done' }>;
    expect(done).toMatchObject({ type: 'done', summary: '- Rent is due on the 1st.' });
    expect(done.usage).toMatchObject({
      inputTokens: 80,
      outputTokens: 7,
      upstream: { requests: 1, reportedRequests: 1, promptTokens: 80, completionTokens: 7, deltas: 3 },
    });
    expect(done.usage.upstream!.estimatedPromptTokens).toBeGreaterThan(0);
    // The context came from /v1/models, once.
    expect(upstream.requests.filter((r) => r.path === '/v1/models')).toHaveLength(1);
  });

  it('splits a document the server refuses inside its stream, with one start for the run', async () => {
    const overflow =
      "This model's maximum context length is 4096 tokens. However, you requested 5210 tokens.";
    // The first request (the whole document) is refused; the parts it is split into are answered.
    let refused = false;
    upstream.chat = [
      (res, r) => {
        const reply = refused
          ? sse(vllmStream(['- Notice is due in writing.']))
          : sse(vllmStreamError(overflow));
        refused = true;
        return reply(res, r);
      },
    ];
    const before = upstream.requests.filter((r) => r.path === '/v1/chat/completions').length;
    const stream = await summarizeStream(engine, {
      document: { paragraphs: [{ text: 'Either party gives notice in writing.', style: 'Normal' }] },
      options: { length: 'short', backend: 'team' },
    });
    const events = (await collect(stream)).map((e) => e.event);
    expect(upstream.requests.filter((r) => r.path === '/v1/chat/completions').length).toBeGreaterThan(
      before + 1,
    );
    expect(events.filter((e) => e.type === 'start')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'done' });
  });

  it('cites through the upstream: labelled prompt, no marker in any delta, checked points and coverage', async () => {
    const events = await summarize(
      sse(vllmStream(['- Rent is paid on the ', 'first day [¶', '2] of each month.'])),
    );
    const sent = upstream.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body as {
      messages: Array<{ content: string }>;
    };
    expect(sent.messages.at(-1)!.content).toContain(
      '[¶2] The tenant pays rent on the first day of each month.',
    );
    const done = events.at(-1) as Extract<SummaryEvent, { type: 'done' }>;
    expect(done.summary).toBe('- Rent is paid on the first day of each month.');
    const deltas = events.filter((e): e is Extract<SummaryEvent, { type: 'delta' }> => e.type === 'delta');
    expect(deltas.map((e) => e.text).join('')).toBe(done.summary);
    expect(done.points).toEqual([
      expect.objectContaining({
        text: 'Rent is paid on the first day of each month.',
        sources: [1],
        supported: true,
      }),
    ]);
    expect(done.coverage).toMatchObject({ by: 'headings', headings: [{ title: 'Lease', covered: true }] });
  });

  it('still answers model_missing for the local model, and 400 for a backend that is not configured', async () => {
    const post = (body: unknown) =>
      request(engine, {
        method: 'POST',
        path: '/api/summarize',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post(DOCUMENT)).status).toBe(503);
    for (const backend of ['nope', 'https://evil.example/v1']) {
      const res = await post({ ...DOCUMENT, options: { backend } });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).message).toMatch(
        backend === 'nope' ? /No backend "nope" is configured; the engine has local, team/ : /backend/,
      );
    }
  });

  it('closes the upstream request when the pane closes its connection (Stop)', async () => {
    upstream.chat = [sse(vllmStream(['- Rent ', 'is ']).slice(0, 3), { hold: true })];
    const before = upstream.requests.filter((r) => r.path === '/v1/chat/completions').length;
    const stream = await summarizeStream(engine, {
      ...DOCUMENT,
      options: { length: 'short', backend: 'team' },
    });
    for await (const { event } of stream.events) {
      if (event.type === 'delta') {
        stream.abort();
        break;
      }
    }
    // Held open by the server, the request ends only because the engine closed it.
    const closed = await upstream.chatClosed(before + 1);
    expect(closed.closedAt).not.toBeNull();
  });

  it.each([
    [
      'a stream that drops',
      sse(vllmStream(['- Rent ', 'is ']).slice(0, 3), { drop: true }),
      'upstream_stream_ended',
      /broke in the middle of the answer/,
    ],
    [
      '429 with Retry-After, every time',
      json(429, busy, { 'retry-after': '0' }),
      'upstream_busy',
      /is busy \(HTTP 429.*tried 4 times/,
    ],
    [
      'malformed lines',
      sse(['data: {"choices":[{"delta":{"content":"- Rent"}}]}\n\n', 'data: {"choices": [oops\n\n', DONE]),
      'upstream_malformed',
      /data that is not JSON/,
    ],
  ])('%s ends in a clear error event with no done', async (_name, reply, code, message) => {
    const events = await summarize(reply);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ type: 'error', code });
    expect((last as { message: string }).message).toMatch(message);
    expect(events.some((e) => e.type === 'done')).toBe(false);
  });
});

describe('Stop while the upstream lists its models (the first run on it)', () => {
  let upstream: FakeUpstream;
  let engine: TestEngine;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
    engine = await startTeamEngine(upstream);
  });
  afterAll(async () => {
    await engine.close();
    await upstream.close();
  });

  const summarizeOnTeam = () =>
    summarizeStream(engine, { ...DOCUMENT, options: { length: 'short', backend: 'team' } });

  // The probe's own bound (PROBE_MS in upstream-generator.ts) is longer than this test's: only the engine closing it on
  // Stop ends the wait in time.
  it('closes the held /models request at once, and the next run asks again', async () => {
    // A server slow to list its models: the request stays open until the engine closes it.
    const probe = held();
    upstream.models = probe.reply;
    const stopped = await summarizeOnTeam();
    expect(stopped.status).toBe(200);
    await probe.arrived;
    stopped.abort();
    await probe.closed;

    upstream.models = json(200, vllmModels('phi-3-mini', 4096));
    upstream.chat = [sse(vllmStream(['- Rent ', 'is due monthly.']))];
    const events = (await collect(await summarizeOnTeam())).map((e) => e.event);
    expect(events.at(-1)).toMatchObject({ type: 'done', summary: '- Rent is due monthly.' });
    expect(upstream.requests.filter((r) => r.path === '/v1/models')).toHaveLength(2);
  }, 15_000);
});
