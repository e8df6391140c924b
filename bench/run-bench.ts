/**
 * `npm run bench`: the engine measured as a client sees it — a real HTTPS engine in this process, its worker on a
 * generated model — plus the event loop's delay while the worker generates.
 *
 *   npm run bench                       # tiny and phi3-mini (generated and cached on first use, ~2.8 GB)
 *   npm run bench -- --size tiny        # one size
 *   npm run bench -- --runs 3 --device cpu
 *
 * Writes bench/results/latest.json and rewrites BENCHMARKS.md (bench/benchmarks-md.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ensureGeneratedModel } from '../models/ensure-generated-model';
import type { ModelSize } from '../models/model-sizes';
import type { SummaryEvent, Usage } from '../localhost-engine/api/schemas';
import type { DeviceOption } from '../localhost-engine/inference/worker-protocol';
import { WorkerSummarizer } from '../localhost-engine/summarize/worker-summarizer';
import { collect, startTestEngine, summarizeStream } from '../test/helpers/test-engine';
import { writeBenchmarksMd } from './benchmarks-md';

const { values } = parseArgs({
  options: {
    size: { type: 'string', multiple: true },
    runs: { type: 'string', default: '2' },
    device: { type: 'string', default: 'cpu' },
    'max-new-tokens': { type: 'string', default: '32' },
  },
});
const sizes = (values.size ?? ['tiny', 'phi3-mini']) as ModelSize[];
const runs = Number(values.runs);
const device = values.device as DeviceOption;
const maxNewTokens = Number(values['max-new-tokens']);

/** About 1,200 prompt tokens of contract-like English under four headings, built from a fixed text so every run is the same. */
function benchDocument(): {
  document: { paragraphs: Array<Record<string, unknown>> };
  options: Record<string, string>;
} {
  const sentences = [
    'The supplier shall deliver the goods described in Schedule A within thirty days of each purchase order.',
    'Payment is due forty-five days after the invoice date, and late payments accrue interest at two percent per month.',
    'Either party may terminate this agreement with ninety days written notice if the other party materially breaches it.',
    'All confidential information remains the property of the disclosing party and must be returned on request.',
  ];
  const paragraphs: Array<Record<string, unknown>> = [];
  for (let section = 1; section <= 4; section++) {
    paragraphs.push({ text: `Section ${section}`, style: 'Heading1', outlineLevel: 1 });
    for (let p = 0; p < 3; p++) {
      const rotated = [...sentences.slice(p), ...sentences.slice(0, p)];
      paragraphs.push({ text: rotated.join(' '), style: 'Normal' });
    }
  }
  return { document: { paragraphs }, options: { style: 'key-points', length: 'short' } };
}

interface RunResult extends Usage {
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
}

async function benchSize(size: ModelSize): Promise<Record<string, unknown>> {
  const modelDir = await ensureGeneratedModel({ size, layout: 'transformers' });
  const summarizer = new WorkerSummarizer({ modelDir, device, maxNewTokens });
  const engine = await startTestEngine(modelDir, { summarizer, device });
  try {
    const loadStart = performance.now();
    await summarizer.warmUp();
    const loadWallMs = performance.now() - loadStart;
    const results: RunResult[] = [];
    for (let r = 0; r < runs + 1; r++) {
      const histogram = monitorEventLoopDelay({ resolution: 1 });
      histogram.enable();
      const events = await collect(await summarizeStream(engine, benchDocument()));
      histogram.disable();
      const done = events
        .map((e) => e.event)
        .find((e): e is Extract<SummaryEvent, { type: 'done' }> => e.type === 'done');
      if (!done) throw new Error(`run ${r} did not finish: ${JSON.stringify(events.at(-1)?.event)}`);
      // The first run warms the kernels and the prompt shape; it is not counted.
      if (r > 0) {
        results.push({
          ...done.usage,
          eventLoopP99Ms: histogram.percentile(99) / 1e6,
          eventLoopMaxMs: histogram.max / 1e6,
        });
      }
    }
    const median = (
      key: 'ttftMs' | 'prefillTokensPerSecond' | 'decodeTokensPerSecond' | 'totalMs',
    ): number => {
      const sorted = results.map((x) => x[key]).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)];
    };
    return {
      size,
      device: summarizer.health().device,
      loadMs: Math.round(loadWallMs),
      inputTokens: results[0].inputTokens,
      outputTokens: results[0].outputTokens,
      ttftMs: Math.round(median('ttftMs')),
      prefillTokensPerSecond: Number(median('prefillTokensPerSecond').toFixed(1)),
      decodeTokensPerSecond: Number(median('decodeTokensPerSecond').toFixed(1)),
      totalMs: Math.round(median('totalMs')),
      eventLoopP99Ms: Number(Math.max(...results.map((x) => x.eventLoopP99Ms)).toFixed(1)),
      eventLoopMaxMs: Number(Math.max(...results.map((x) => x.eventLoopMaxMs)).toFixed(1)),
      peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
      runs: results.length,
    };
  } finally {
    await engine.close();
  }
}

async function main(): Promise<void> {
  const machine = `${os.cpus().length}× ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.arch()}, Node ${process.version}`;
  const rows: Array<Record<string, unknown>> = [];
  for (const size of sizes) {
    const row = await benchSize(size);
    rows.push(row);
    console.log(JSON.stringify(row));
  }
  const report = { date: new Date().toISOString(), machine, device, maxNewTokens, rows };
  mkdirSync(path.join(__dirname, 'results'), { recursive: true });
  writeFileSync(path.join(__dirname, 'results', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeBenchmarksMd();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
