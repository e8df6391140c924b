/**
 * One LocalScribe engine summarizing through a second one's `/v1`: both real HTTPS servers, the second running real
 * inference on the tiny model. A long document goes start to done in parts (sections, then the part cache on a
 * second run), and every socket the process opens is recorded: the engine connects to nothing but the upstream it
 * was given, and an engine without one connects to nothing at all.
 */
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SummaryEvent } from '../../../localhost-engine/api/schemas';
import { backendSummarizer } from '../../../localhost-engine/summarize/backend-summarizer';
import type { UpstreamConfig } from '../../../localhost-engine/upstream/upstream-config';
import { ensureGeneratedModel } from '../../../models/ensure-generated-model';
import { licenceDocument } from '../../helpers/long-document';
import { localGenerator } from '../../helpers/local-generator';
import {
  collect,
  request,
  startTestEngine,
  summarizeStream,
  type TestEngine,
} from '../../helpers/test-engine';

/** Records the destination of every TCP connection the process starts while `run` runs. */
async function connections<T>(
  run: () => Promise<T>,
): Promise<{ result: T; ports: Set<number>; hosts: Set<string> }> {
  const ports = new Set<number>();
  const hosts = new Set<string>();
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const [first, second] = args;
    const options = (typeof first === 'object' && first !== null ? first : { port: first, host: second }) as {
      port?: number | string;
      host?: string;
      path?: string;
    };
    if (options.path) hosts.add(`pipe:${options.path}`);
    else {
      ports.add(Number(options.port));
      hosts.add(String(options.host ?? 'localhost'));
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;
  try {
    return { result: await run(), ports, hosts };
  } finally {
    net.Socket.prototype.connect = connect;
  }
}

describe('a LocalScribe engine summarizing through another LocalScribe engine', () => {
  let server: TestEngine;
  let client: TestEngine;
  let modelId: string;

  beforeAll(async () => {
    server = await startTestEngine(await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' }));
    await localGenerator(server.summarizer).warmUp();
    modelId = localGenerator(server.summarizer).info().model;
    const upstream: UpstreamConfig = {
      id: 'second',
      // The test certificate names localhost; the engine answers to that name.
      baseUrl: `https://localhost:${server.port}/v1`,
      model: modelId,
      // A small context, so that a document of a few pages goes in parts.
      contextLength: 1024,
      apiKeyEnv: null,
      ca: server.ca,
      allowHttp: false,
    };
    const missing = path.join(mkdtempSync(path.join(os.tmpdir(), 'ls-client-')), 'no-local-model');
    const summarizer = backendSummarizer(
      { modelDir: missing, device: 'cpu', cacheDir: mkdtempSync(path.join(os.tmpdir(), 'ls-client-cache-')) },
      [upstream],
    );
    client = await startTestEngine(missing, { summarizer, modelStore: null });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  const body = {
    document: { paragraphs: licenceDocument(1500) },
    options: { length: 'short', backend: 'second' },
  };

  it('goes start to done in parts with sections, then reads the parts from its cache, connecting only to the upstream', async () => {
    const {
      result: events,
      ports,
      hosts,
    } = await connections(async () =>
      (await collect(await summarizeStream(client, body))).map((e) => e.event),
    );
    const start = events.find((e) => e.type === 'start') as Extract<SummaryEvent, { type: 'start' }>;
    expect(start).toMatchObject({
      model: modelId,
      device: null,
      backend: { id: 'second', kind: 'upstream', remote: false },
    });
    expect(start.plan.parts).toBeGreaterThan(1);
    const sections = events.filter(
      (e): e is Extract<SummaryEvent, { type: 'section' }> => e.type === 'section',
    );
    expect(sections).toHaveLength(start.plan.parts);
    expect(sections[0].paragraphs[0]).toBe(0);
    expect(sections.at(-1)!.paragraphs[1]).toBe(body.document.paragraphs.length - 1);
    const done = events.at(-1) as Extract<SummaryEvent, { type: 'done' }>;
    expect(done.type).toBe('done');
    // The second engine counted the prompts with its own tokenizer, and fewer than the first one's estimate.
    const upstream = done.usage.upstream!;
    expect(upstream.reportedRequests).toBe(upstream.requests);
    // One request per part, then the final step (after combining groups when the part summaries do not fit).
    expect(upstream.requests).toBeGreaterThanOrEqual(start.plan.parts + 1);
    expect(upstream.promptTokens).toBeLessThan(upstream.estimatedPromptTokens);
    expect(done.usage.inputTokens).toBe(upstream.promptTokens);
    // The test's own connections go to the first engine; the first engine's go to the second, and nowhere else.
    expect([...ports].sort()).toEqual([client.port, server.port].sort());
    expect([...hosts].every((h) => ['127.0.0.1', 'localhost'].includes(h))).toBe(true);

    const again = (
      await collect(
        await summarizeStream(client, { ...body, options: { ...body.options, style: 'paragraph' } }),
      )
    ).map((e) => e.event);
    const second = again.at(-1) as Extract<SummaryEvent, { type: 'done' }>;
    expect(second.type).toBe('done');
    expect(second.usage.cachedParts).toBe(start.plan.parts);
    // No part is asked for again: only the combining (if any) and final steps, in the new style.
    expect(second.usage.upstream!.requests).toBeGreaterThanOrEqual(1);
    expect(second.usage.upstream!.requests).toBeLessThanOrEqual(upstream.requests - start.plan.parts);
  });

  it('an engine without upstreams opens no connection at all while it summarizes', async () => {
    const { result: events, ports } = await connections(async () =>
      (
        await collect(
          await summarizeStream(server, {
            text: 'The tenant pays rent monthly.',
            options: { length: 'short' },
          }),
        )
      ).map((e) => e.event),
    );
    expect(events.at(-1)!.type).toBe('done');
    // Only the test's own connection to that engine.
    expect([...ports]).toEqual([server.port]);
    const health = JSON.parse((await request(server, { path: '/api/health' })).body);
    expect(health.backends.map((b: { id: string }) => b.id)).toEqual(['local']);
  });
});
