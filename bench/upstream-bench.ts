/**
 * `npm run bench:upstream`: what the engine costs in front of an upstream model server. A pacer process
 * (`upstream-pacer.ts`) streams deltas at 200 per second, each stamped with when it was written; the client reads
 * them straight from the pacer and through a real engine process (`localscribe serve --upstream …`, HTTPS,
 * `/api/summarize`), alternately, and compares each delta's latency and the rate it arrives at. Then Stop: the
 * client closes its connection mid-summary and the pacer reports when the engine's upstream request closed.
 *
 *   npm run bench:upstream [-- --deltas 1000 --rate 200 --reps 3 --stops 10]
 *
 * Writes bench/results/upstream.json and rewrites BENCHMARKS.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { testCertificate } from '../test/helpers/test-engine';
import { saveResult } from './benchmarks-md';
import { machineLine, median } from './summary';

const { values } = parseArgs({
  options: {
    deltas: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '200' },
    reps: { type: 'string', default: '3' },
    stops: { type: 'string', default: '10' },
  },
});
const DELTAS = Number(values.deltas);
const RATE = Number(values.rate);
const REPS = Number(values.reps);
const STOPS = Number(values.stops);
const REPO = path.join(__dirname, '..');

const now = (): number => performance.timeOrigin + performance.now();

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

/** A child process running a TypeScript file under tsx; its stdout read line by line, or dropped (`quiet`). */
function start(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {},
): { child: ChildProcess; lines: AsyncIterator<string> | null } {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', ...args], {
    cwd: REPO,
    env: options.env ?? process.env,
    // The engine logs every request: its output is not read, so it must not fill a pipe and stall it.
    stdio: ['ignore', options.quiet ? 'ignore' : 'pipe', 'inherit'],
  });
  const lines = options.quiet
    ? null
    : readline.createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return { child, lines };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

interface Target {
  /** Sends the request; calls `onLine` with each line of the answer as it arrives. */
  open(onLine: (line: string) => void): { done: Promise<void>; abort: () => void };
}

function direct(port: number): Target {
  return {
    open(onLine) {
      const req = http.request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { 'content-type': 'application/json' },
      });
      return {
        done: readLines(req, onLine, JSON.stringify({ model: 'pacer', messages: [], stream: true })),
        abort: () => req.destroy(),
      };
    },
  };
}

function throughEngine(port: number, ca: string): Target {
  return {
    open(onLine) {
      const req = https.request({
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        ca,
        method: 'POST',
        path: '/api/summarize',
        headers: { host: `localhost:${port}`, 'content-type': 'application/json' },
        agent: false,
      });
      const body = JSON.stringify({
        text: 'The tenant pays rent on the first day of each month.',
        options: { length: 'long', backend: 'upstream' },
      });
      return { done: readLines(req, onLine, body), abort: () => req.destroy() };
    },
  };
}

function readLines(req: http.ClientRequest, onLine: (line: string) => void, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          onLine(buffer.slice(0, nl));
          buffer = buffer.slice(nl + 1);
        }
      });
      res.on('end', resolve);
      res.on('error', resolve);
    });
    req.on('error', (err) => (req.destroyed ? resolve() : reject(err)));
    req.end(body);
  });
}

/** The stamp in a line (an SSE chunk or an NDJSON delta): the pacer's clock when it wrote the delta. */
function stamp(line: string): number | null {
  const m = /"(?:content|text)":"t(\d+\.\d+) "/.exec(line);
  return m ? Number(m[1]) : null;
}

/** One stream read to the end: each delta's latency (ms, on the client's clock) and the rate they arrived at. */
async function measure(target: Target, offset: number): Promise<{ latencies: number[]; perSecond: number }> {
  const latencies: number[] = [];
  const arrivals: number[] = [];
  await target.open((line) => {
    const sent = stamp(line);
    if (sent === null) return;
    const at = now();
    arrivals.push(at);
    latencies.push(at - (sent - offset));
  }).done;
  if (latencies.length !== DELTAS) throw new Error(`expected ${DELTAS} deltas, got ${latencies.length}`);
  return { latencies, perSecond: ((arrivals.length - 1) / (arrivals.at(-1)! - arrivals[0])) * 1000 };
}

/** The pacer's clock minus this one's, from the quickest of 20 round trips (half of it is the uncertainty). */
async function clockOffset(port: number): Promise<{ offset: number; uncertaintyMs: number }> {
  let best = { offset: 0, rtt: Infinity };
  for (let i = 0; i < 20; i++) {
    const t0 = now();
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/clock', agent: false }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    const t1 = now();
    if (t1 - t0 < best.rtt)
      best = { offset: (JSON.parse(body) as { now: number }).now - (t0 + t1) / 2, rtt: t1 - t0 };
  }
  return { offset: best.offset, uncertaintyMs: round(best.rtt / 2, 3) };
}

async function waitForHealth(port: number, ca: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      https
        .get(
          {
            host: '127.0.0.1',
            servername: 'localhost',
            port,
            ca,
            path: '/api/health',
            headers: { host: `localhost:${port}` },
            agent: false,
          },
          (res) => {
            res.resume();
            resolve(res.statusCode === 200);
          },
        )
        .on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the engine did not start');
}

function summary(latencies: number[], rates: number[]) {
  return {
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      max: round(Math.max(...latencies)),
    },
    deltasPerSecond: round(median(rates)),
  };
}

async function main(): Promise<void> {
  const machine = machineLine();
  console.log(machine);
  const pacer = start([
    path.join(__dirname, 'upstream-pacer.ts'),
    '--deltas',
    String(DELTAS),
    '--rate',
    String(RATE),
  ]);
  const pacerLines = pacer.lines!;
  const pacerPort = (JSON.parse((await pacerLines.next()).value as string) as { port: number }).port;
  // The closes of completions cut short, as the pacer reports them: one per Stop trial, in order.
  const cutShort: number[] = [];
  let closed: () => void = () => undefined;
  void (async () => {
    for (let r = await pacerLines.next(); !r.done; r = await pacerLines.next()) {
      const close = JSON.parse(r.value) as { closedAt: number; finished: boolean };
      if (!close.finished) cutShort.push(close.closedAt);
      closed();
    }
  })();
  const nextCutShort = (count: number): Promise<number> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (cutShort.length > count) resolve(cutShort[count]);
        else closed = check;
      };
      check();
    });
  const tls = await testCertificate();
  const enginePort = await freePort();
  const home = mkdtempSync(path.join(os.tmpdir(), 'ls-bench-upstream-'));
  const certDir = path.join(REPO, '.cache', 'test-certs');
  const engine = start(
    [
      path.join(REPO, 'localhost-engine', 'cli.ts'),
      'serve',
      '--port',
      String(enginePort),
      '--cert',
      path.join(certDir, 'localhost.crt'),
      '--key',
      path.join(certDir, 'localhost.key'),
      '--model',
      path.join(home, 'no-local-model'),
      '--upstream',
      `http://127.0.0.1:${pacerPort}/v1`,
      '--upstream-model',
      'pacer',
    ],
    { env: { ...process.env, LOCALSCRIBE_HOME: home }, quiet: true },
  );
  try {
    await waitForHealth(enginePort, tls.cert);
    const { offset, uncertaintyMs } = await clockOffset(pacerPort);
    const targets = { direct: direct(pacerPort), engine: throughEngine(enginePort, tls.cert) };
    // A first round of each warms connections and code up; it is not counted.
    await measure(targets.direct, offset);
    await measure(targets.engine, offset);
    const runs = {
      direct: { latencies: [] as number[], rates: [] as number[] },
      engine: { latencies: [] as number[], rates: [] as number[] },
    };
    for (let rep = 0; rep < REPS; rep++) {
      for (const name of rep % 2 === 0 ? (['direct', 'engine'] as const) : (['engine', 'direct'] as const)) {
        const run = await measure(targets[name], offset);
        runs[name].latencies.push(...run.latencies);
        runs[name].rates.push(run.perSecond);
        console.log(
          JSON.stringify({
            rep,
            name,
            p99: round(percentile(run.latencies, 99)),
            perSecond: round(run.perSecond),
          }),
        );
      }
    }
    const stops: number[] = [];
    for (let i = 0; i < STOPS; i++) {
      const before = cutShort.length;
      let seen = 0;
      let abortedAt = 0;
      let request: { done: Promise<void>; abort: () => void } | null = null;
      request = targets.engine.open((line) => {
        if (stamp(line) !== null && ++seen === 20) {
          abortedAt = now();
          request!.abort();
        }
      });
      await request.done;
      stops.push((await nextCutShort(before)) - offset - abortedAt);
    }
    const straight = summary(runs.direct.latencies, runs.direct.rates);
    const through = summary(runs.engine.latencies, runs.engine.rates);
    const result = {
      date: new Date().toISOString(),
      machine,
      command: `npm run bench:upstream -- --deltas ${DELTAS} --rate ${RATE} --reps ${REPS} --stops ${STOPS}`,
      rate: RATE,
      deltas: DELTAS,
      reps: REPS,
      clockUncertaintyMs: uncertaintyMs,
      direct: straight,
      engine: through,
      addedMs: {
        p50: round(through.latencyMs.p50 - straight.latencyMs.p50),
        p99: round(through.latencyMs.p99 - straight.latencyMs.p99),
      },
      throughputLoss: round(1 - through.deltasPerSecond / straight.deltasPerSecond, 4),
      stopMs: { trials: STOPS, p50: round(median(stops)), max: round(Math.max(...stops)) },
    };
    console.log(JSON.stringify(result, null, 2));
    saveResult('upstream.json', result);
  } finally {
    engine.child.kill('SIGTERM');
    pacer.child.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
