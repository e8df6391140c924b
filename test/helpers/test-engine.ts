/**
 * A real engine over HTTPS on an ephemeral loopback port, and a client that reads its NDJSON stream line by line
 * as the bytes arrive, recording which network read carried each event.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { SummaryEvent } from '../../localhost-engine/api/schemas';
import { makeSelfSignedCertificate } from '../../localhost-engine/certificates';
import { startEngine, type RunningEngine, type StartOptions } from '../../localhost-engine/server';
import type { EngineConfig } from '../../localhost-engine/config';
import type { DeviceOption } from '../../localhost-engine/inference/worker-protocol';
import type { UpstreamConfig } from '../../localhost-engine/upstream/upstream-config';

const CERT_DIR = path.join(__dirname, '..', '..', '.cache', 'test-certs');

/** A self-signed localhost certificate, made once and cached (git-ignored). */
export async function testCertificate(): Promise<{ key: string; cert: string }> {
  const key = path.join(CERT_DIR, 'localhost.key');
  const cert = path.join(CERT_DIR, 'localhost.crt');
  if (!existsSync(key) || !existsSync(cert)) {
    const made = await makeSelfSignedCertificate();
    mkdirSync(CERT_DIR, { recursive: true });
    writeFileSync(key, made.key);
    writeFileSync(cert, made.cert);
  }
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

export interface TestEngine extends RunningEngine {
  ca: string;
}

/** An engine's settings for tests: loopback, the CPU, no certificate files, `port` 0 unless given. */
export function testEngineConfig(modelDir: string, overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    port: 0,
    host: '127.0.0.1',
    modelDir,
    device: 'cpu',
    certFile: null,
    keyFile: null,
    optimizedCopy: true,
    kvCache: 'float16',
    ...overrides,
  };
}

/** Starts an engine on port 0 with the test certificate (and any `upstreams`); `close()` it in `afterAll`. */
export async function startTestEngine(
  modelDir: string,
  opts: StartOptions & { device?: DeviceOption; upstreams?: UpstreamConfig[] } = {},
): Promise<TestEngine> {
  const tls = await testCertificate();
  const engine = await startEngine(
    testEngineConfig(modelDir, { device: opts.device ?? 'cpu', upstreams: opts.upstreams }),
    { logger: false, tls, ...opts },
  );
  return { ...engine, ca: tls.cert };
}

/**
 * The options of one HTTPS request to the engine: loopback, verified against the test CA, addressed as
 * `localhost:PORT` (extra `headers` may override that), one connection per request.
 */
export function engineRequestOptions(
  engine: TestEngine,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): https.RequestOptions {
  return {
    host: '127.0.0.1',
    servername: 'localhost',
    port: engine.port,
    method,
    path,
    ca: engine.ca,
    headers: { host: `localhost:${engine.port}`, ...headers },
    signal,
    agent: false,
  };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface RequestOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  signal?: AbortSignal;
}

/** One HTTPS request to the engine, verified against the test CA, addressed as `localhost:PORT` by default. */
export function request(engine: TestEngine, opts: RequestOptions): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      engineRequestOptions(engine, opts.method ?? 'GET', opts.path, opts.headers, opts.signal),
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export interface StreamedEvent {
  event: SummaryEvent;
  /** The index of the network read that completed this line. */
  chunk: number;
}

export interface SummarizeStream {
  status: number;
  events: AsyncIterable<StreamedEvent>;
  /** Closes the connection (the engine must cancel the work). */
  abort(): void;
}

/** POSTs to /api/summarize and yields events as their lines complete. */
export function summarizeStream(engine: TestEngine, body: unknown): Promise<SummarizeStream> {
  const controller = new AbortController();
  return new Promise((resolve, reject) => {
    const req = https.request(
      engineRequestOptions(
        engine,
        'POST',
        '/api/summarize',
        { 'content-type': 'application/json' },
        controller.signal,
      ),
      (res) => {
        async function* events(): AsyncGenerator<StreamedEvent> {
          let buffer = '';
          let chunk = 0;
          res.setEncoding('utf8');
          try {
            for await (const data of res as AsyncIterable<string>) {
              chunk += 1;
              buffer += data;
              let nl: number;
              while ((nl = buffer.indexOf('\n')) >= 0) {
                const line = buffer.slice(0, nl);
                buffer = buffer.slice(nl + 1);
                if (line.trim()) yield { event: JSON.parse(line) as SummaryEvent, chunk };
              }
            }
          } catch (err) {
            if (!controller.signal.aborted) throw err;
          }
          if (buffer.trim()) yield { event: JSON.parse(buffer) as SummaryEvent, chunk };
        }
        resolve({ status: res.statusCode ?? 0, events: events(), abort: () => controller.abort() });
      },
    );
    req.on('error', (err) => {
      if (!controller.signal.aborted) reject(err);
    });
    req.end(JSON.stringify(body));
  });
}

/** Reads a whole stream into an array. */
export async function collect(stream: SummarizeStream): Promise<StreamedEvent[]> {
  const out: StreamedEvent[] = [];
  for await (const e of stream.events) out.push(e);
  return out;
}
