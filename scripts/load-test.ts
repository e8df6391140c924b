/**
 * Load test (issue 6; a script, not a CI test): N concurrent clients for S seconds against a real engine on the
 * generated tiny model, started in this process. Counts what the queue admits and refuses (429/503), checks that
 * every admitted request ends with `done`, samples the process's RSS (the inference worker is a thread of this
 * process, so it is included) and the latency of /api/health every second, and prints a summary.
 *
 *   npx tsx scripts/load-test.ts [--clients 50] [--seconds 60] [--max-waiting 2] [--length short]
 *                                [--backoff-ms 200] [--honor-retry-after]
 *
 * Exits 1 when an admitted request ended without `done`, a request failed at the network level, or any status
 * other than 200/429/503 came back.
 */
import https from 'node:https';
import { makeSelfSignedCertificate } from '../localhost-engine/certificates';
import { startEngine } from '../localhost-engine/server';
import { ensureGeneratedModel } from '../models/ensure-generated-model';
import { testEngineConfig } from '../test/helpers/test-engine';

interface Flags {
  clients: number;
  seconds: number;
  maxWaiting: number;
  length: 'short' | 'medium' | 'long';
  backoffMs: number;
  honorRetryAfter: boolean;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    clients: 50,
    seconds: 60,
    maxWaiting: 2,
    length: 'short',
    backoffMs: 200,
    honorRetryAfter: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    if (name === '--clients') flags.clients = Number(value());
    else if (name === '--seconds') flags.seconds = Number(value());
    else if (name === '--max-waiting') flags.maxWaiting = Number(value());
    else if (name === '--length') flags.length = value() as Flags['length'];
    else if (name === '--backoff-ms') flags.backoffMs = Number(value());
    else if (name === '--honor-retry-after') flags.honorRetryAfter = true;
    else throw new Error(`unknown flag ${name}`);
  }
  return flags;
}

const DOCUMENT = {
  document: {
    paragraphs: [
      { text: 'Quarterly report', style: 'Title', outlineLevel: 1, isListItem: false, inTable: false },
      { text: 'Revenue grew by twelve percent while costs stayed flat.', style: 'Normal' },
      { text: 'Hiring slowed in the second half.', style: 'ListParagraph', isListItem: true },
      { text: 'Region | Revenue', style: 'Normal', inTable: true },
    ],
  },
};

interface Outcome {
  status: number;
  /** For 200: `done`, `error:<code>` or `no terminal event`. */
  end?: string;
  retryAfter?: number;
  ms: number;
  /** For 200: ms until the `start` event (queue wait plus prefill). */
  startMs?: number;
}

function post(port: number, ca: string, body: string): Promise<Outcome> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        method: 'POST',
        path: '/api/summarize',
        ca,
        agent: false,
        headers: { host: `localhost:${port}`, 'content-type': 'application/json' },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        let text = '';
        let startMs: number | undefined;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (startMs === undefined && text.includes('"type":"start"')) startMs = performance.now() - started;
        });
        res.on('error', reject);
        res.on('end', () => {
          const ms = performance.now() - started;
          if (status !== 200) {
            const retry = Number(res.headers['retry-after']);
            return resolve({ status, ms, retryAfter: Number.isFinite(retry) ? retry : undefined });
          }
          const lines = text.split('\n').filter((l) => l.trim());
          const last = lines.length
            ? (JSON.parse(lines[lines.length - 1]) as { type: string; code?: string })
            : null;
          const end =
            last?.type === 'done'
              ? 'done'
              : last?.type === 'error'
                ? `error:${last.code}`
                : 'no terminal event';
          resolve({ status, end, ms, startMs });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function getHealth(port: number, ca: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          host: '127.0.0.1',
          servername: 'localhost',
          port,
          path: '/api/health',
          ca,
          agent: false,
          headers: { host: `localhost:${port}` },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(performance.now() - started));
        },
      )
      .on('error', reject);
  });
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const modelDir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
  const tls = await makeSelfSignedCertificate();
  const engine = await startEngine(testEngineConfig(modelDir), {
    logger: false,
    tls,
    maxWaiting: flags.maxWaiting,
  });
  const { port } = engine;
  const ca = tls.cert;
  const rssBefore = process.memoryUsage().rss;
  // Warm up: the model loads on the first request, which should not count against the queue.
  await post(port, ca, JSON.stringify({ text: 'Warm up.', options: { length: 'short' } }));
  const rssAfterLoad = process.memoryUsage().rss;

  const rss: number[] = [];
  const healthMs: number[] = [];
  let healthFailures = 0;
  const sampler = setInterval(() => {
    rss.push(process.memoryUsage().rss);
    getHealth(port, ca).then(
      (ms) => healthMs.push(ms),
      () => (healthFailures += 1),
    );
  }, 1000);

  const outcomes: Outcome[] = [];
  const networkErrors: string[] = [];
  const body = JSON.stringify({ ...DOCUMENT, options: { length: flags.length } });
  const deadline = Date.now() + flags.seconds * 1000;
  const startedAt = performance.now();
  console.log(
    `${flags.clients} clients for ${flags.seconds} s against https://localhost:${port} (maxWaiting ${flags.maxWaiting}, length ${flags.length})…`,
  );

  async function client(): Promise<void> {
    while (Date.now() < deadline) {
      try {
        const o = await post(port, ca, body);
        outcomes.push(o);
        if (o.status === 429 || o.status === 503) {
          const wait =
            flags.honorRetryAfter && o.retryAfter !== undefined
              ? o.retryAfter * 1000
              : flags.backoffMs * (0.5 + Math.random());
          await new Promise((r) => setTimeout(r, Math.min(wait, Math.max(0, deadline - Date.now()))));
        }
      } catch (err) {
        networkErrors.push((err as Error).message);
      }
    }
  }
  await Promise.all(Array.from({ length: flags.clients }, () => client()));
  const wallS = (performance.now() - startedAt) / 1000;
  clearInterval(sampler);
  rss.push(process.memoryUsage().rss);
  const finalHealth = await getHealth(port, ca).catch(() => NaN);
  await engine.close();
  const rssAfterClose = process.memoryUsage().rss;

  const accepted = outcomes.filter((o) => o.status === 200);
  const ends = new Map<string, number>();
  for (const o of accepted) ends.set(o.end ?? '?', (ends.get(o.end ?? '?') ?? 0) + 1);
  const byStatus = new Map<number, number>();
  for (const o of outcomes) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
  const other = [...byStatus.entries()].filter(([s]) => s !== 200 && s !== 429 && s !== 503);
  const notDone = accepted.filter((o) => o.end !== 'done').length;
  const retryAfters = [
    ...new Set(outcomes.flatMap((o) => (o.retryAfter !== undefined ? [o.retryAfter] : []))),
  ];

  const rows: Array<[string, string]> = [
    ['clients × seconds', `${flags.clients} × ${flags.seconds} (wall ${wallS.toFixed(1)} s)`],
    ['requests', String(outcomes.length + networkErrors.length)],
    ['accepted (200)', `${accepted.length} (${(accepted.length / wallS).toFixed(1)}/s)`],
    ['  ended with done', String(ends.get('done') ?? 0)],
    [
      '  ended otherwise',
      notDone
        ? [...ends.entries()]
            .filter(([k]) => k !== 'done')
            .map(([k, n]) => `${k}: ${n}`)
            .join(', ')
        : '0',
    ],
    [
      '  time to start p50 / p95 / max',
      `${percentile(
        accepted.map((o) => o.startMs ?? 0),
        50,
      ).toFixed(0)} / ${percentile(
        accepted.map((o) => o.startMs ?? 0),
        95,
      ).toFixed(0)} / ${Math.max(0, ...accepted.map((o) => o.startMs ?? 0)).toFixed(0)} ms`,
    ],
    [
      '  total p50 / p95 / max',
      `${percentile(
        accepted.map((o) => o.ms),
        50,
      ).toFixed(0)} / ${percentile(
        accepted.map((o) => o.ms),
        95,
      ).toFixed(0)} / ${Math.max(0, ...accepted.map((o) => o.ms)).toFixed(0)} ms`,
    ],
    [
      'refused 429 (queue full)',
      `${byStatus.get(429) ?? 0} (Retry-After: ${retryAfters.join(', ') || '-'} s)`,
    ],
    ['refused 503', String(byStatus.get(503) ?? 0)],
    [
      'refusal latency p50 / p95',
      `${percentile(
        outcomes.filter((o) => o.status !== 200).map((o) => o.ms),
        50,
      ).toFixed(0)} / ${percentile(
        outcomes.filter((o) => o.status !== 200).map((o) => o.ms),
        95,
      ).toFixed(0)} ms`,
    ],
    ['other statuses', other.length ? other.map(([s, n]) => `${s}: ${n}`).join(', ') : '0'],
    [
      'network errors',
      networkErrors.length
        ? `${networkErrors.length} (${[...new Set(networkErrors)].slice(0, 3).join('; ')})`
        : '0',
    ],
    [
      'health p50 / max (1/s during load)',
      `${percentile(healthMs, 50).toFixed(0)} / ${Math.max(0, ...healthMs).toFixed(0)} ms, ${healthFailures} failed, after: ${finalHealth.toFixed(0)} ms`,
    ],
    ['RSS before / after model load', `${mb(rssBefore)} / ${mb(rssAfterLoad)}`],
    ['RSS during load max / final', `${mb(Math.max(...rss))} / ${mb(rss[rss.length - 1])}`],
    [
      'RSS first 10 s max / last 10 s max',
      `${mb(Math.max(...rss.slice(0, 10)))} / ${mb(Math.max(...rss.slice(-10)))}`,
    ],
    ['RSS after close', mb(rssAfterClose)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n'));
  const ok = notDone === 0 && networkErrors.length === 0 && other.length === 0 && accepted.length > 0;
  console.log(ok ? 'OK' : 'FAILED');
  process.exitCode = ok ? 0 : 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
