/**
 * Slow-loris bounds on a real HTTPS listener: a client that dribbles its request head, its body, or nothing at all
 * is disconnected by the server's own timeouts (set small here through `startEngine`'s options), while a response
 * that streams for longer than those timeouts is left alone. Synchronization is the socket's `close` event; the
 * byte interval is the only timer.
 */
import net from 'node:net';
import { collect, startTestEngine, summarizeStream, type TestEngine } from '../helpers/test-engine';
import { FakeSummarizer } from './fake-summarizer';
import { connectTls, dribble } from './raw-tls';

const HEADERS_TIMEOUT_MS = 800;
const REQUEST_TIMEOUT_MS = 1600;
const BYTE_INTERVAL_MS = 50;
/** A server that never times the client out fails the test after this, instead of hanging it. */
const GIVE_UP_MS = 15_000;

describe('slow clients', () => {
  let engine: TestEngine;

  beforeAll(async () => {
    engine = await startTestEngine('/nonexistent-model', {
      // Silent for longer than either timeout (a long prefill), then a delta every 100 ms: ~3 s in all.
      summarizer: new FakeSummarizer({ silentMs: 2 * REQUEST_TIMEOUT_MS, deltas: 10, stepMs: 100 }),
      headersTimeoutMs: HEADERS_TIMEOUT_MS,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
    });
  });
  afterAll(async () => engine.close());

  const head = (port: number, body: string): string =>
    `POST /api/summarize HTTP/1.1\r\nHost: localhost:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  // Long enough that dribbling all of it takes several times the timeouts.
  const body = JSON.stringify({ text: `A slow client. ${'x'.repeat(400)}` });

  it('disconnects a client that sends its headers one byte at a time', async () => {
    const slowHead = head(engine.port, body);
    expect(slowHead.length * BYTE_INTERVAL_MS).toBeGreaterThan(4 * HEADERS_TIMEOUT_MS);
    const result = await dribble(engine, '', slowHead, BYTE_INTERVAL_MS, GIVE_UP_MS);
    expect(result.sent).toBeLessThan(slowHead.length);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - BYTE_INTERVAL_MS);
    expect(result.response).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('disconnects a client that sends its body one byte at a time', async () => {
    expect(body.length * BYTE_INTERVAL_MS).toBeGreaterThan(4 * REQUEST_TIMEOUT_MS);
    const result = await dribble(engine, head(engine.port, body), body, BYTE_INTERVAL_MS, GIVE_UP_MS);
    expect(result.sent).toBeLessThan(body.length);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - HEADERS_TIMEOUT_MS);
    expect(result.response).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('disconnects a client that completes the TLS handshake and then sends nothing', async () => {
    const socket = await connectTls(engine);
    const started = Date.now();
    socket.on('error', () => undefined);
    const giveUp = setTimeout(() => socket.destroy(new Error('still open')), GIVE_UP_MS);
    const closedBy = await new Promise<string>((resolve) =>
      socket.once('close', () => resolve(socket.errored ? 'give-up' : 'server')),
    );
    clearTimeout(giveUp);
    expect(closedBy).toBe('server');
    expect(Date.now() - started).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - BYTE_INTERVAL_MS);
  });

  it('disconnects a TCP client that never starts the TLS handshake', async () => {
    const socket = net.connect({ host: '127.0.0.1', port: engine.port });
    const started = Date.now();
    socket.on('error', () => undefined);
    const giveUp = setTimeout(() => socket.destroy(new Error('still open')), GIVE_UP_MS);
    const closedBy = await new Promise<string>((resolve) =>
      socket.once('close', () => resolve(socket.errored ? 'give-up' : 'server')),
    );
    clearTimeout(giveUp);
    expect(closedBy).toBe('server');
    expect(Date.now() - started).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_MS - BYTE_INTERVAL_MS);
  });

  it('lets a prompt client stream a response that is silent, then lasts, for longer than both timeouts', async () => {
    const started = Date.now();
    const events = (await collect(await summarizeStream(engine, { text: 'A prompt client.' }))).map(
      (e) => e.event,
    );
    expect(Date.now() - started).toBeGreaterThan(2 * REQUEST_TIMEOUT_MS);
    expect(events[0].type).toBe('start');
    expect(events[events.length - 1].type).toBe('done');
    expect(events.filter((e) => e.type === 'delta')).toHaveLength(10);
  });
});
