/**
 * `npm run bench:long`: long documents on the CPU — time to the first streamed text, total time, and the share
 * of prefill and decode — for documents of several lengths, through the real engine; each document is then
 * summarized again in another style, as a user trying another style does.
 *
 *   npm run bench:long                               # phi3-mini ms-cpu-int4, 1,000 / 5,000 / 20,000 words
 *   npm run bench:long -- --size tiny --words 1000 --words 50000
 *
 * Writes bench/results/long-document.json and rewrites BENCHMARKS.md.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { SummaryEvent, SummaryStyle } from '../localhost-engine/api/schemas';
import { localSummarizer } from '../localhost-engine/summarize/document-summarizer';
import { ensureGeneratedModel } from '../models/ensure-generated-model';
import type { ModelSize } from '../models/model-sizes';
import { isRealLayout } from '../models/layouts/registry';
import { licenceDocument } from '../test/helpers/long-document';
import { startTestEngine, summarizeStream, type TestEngine } from '../test/helpers/test-engine';
import { BENCH_OPTIMIZED_DIR } from './bench-home';
import { saveResult } from './benchmarks-md';
import { machineLine } from './summary';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'phi3-mini' },
    layout: { type: 'string', default: 'ms-cpu-int4' },
    words: { type: 'string', multiple: true },
    length: { type: 'string', default: 'short' },
  },
});
const size = values.size as ModelSize;
if (!isRealLayout(values.layout))
  throw new Error(`--layout must be a real export layout, not ${values.layout}`);
const layout = values.layout;
const wordCounts = (values.words ?? ['1000', '5000', '20000']).map(Number);

/** Writes the rows so far (a long run that is stopped keeps what it measured) and rewrites BENCHMARKS.md. */
function save(rows: Array<Record<string, number | string>>): void {
  saveResult('long-document.json', {
    date: new Date().toISOString(),
    machine: machineLine(),
    size,
    layout,
    command: [
      'npm run bench:long',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    length: values.length,
    rows,
  });
}

/** One summary of a `words`-word document in `style`, timed from the request. */
async function summarizeOnce(
  engine: TestEngine,
  words: number,
  run: string,
  style: SummaryStyle,
): Promise<Record<string, number | string>> {
  const started = performance.now();
  let firstDelta = 0;
  let parts = 0;
  let done: Extract<SummaryEvent, { type: 'done' }> | undefined;
  const stream = await summarizeStream(engine, {
    document: { paragraphs: licenceDocument(words) },
    options: { style, length: values.length },
  });
  for await (const { event } of stream.events) {
    if (event.type === 'delta' && !firstDelta) firstDelta = performance.now() - started;
    if (event.type === 'start') parts = event.plan.parts;
    if (event.type === 'done') done = event;
    if (event.type === 'error') throw new Error(event.message);
  }
  if (!done) throw new Error('no done event');
  const u = done.usage;
  const cached = u.cachedInputTokens ?? 0;
  const prefillS = u.prefillTokensPerSecond > 0 ? (u.inputTokens - cached) / u.prefillTokensPerSecond : 0;
  const decodeS = u.outputTokens > 1 ? (u.outputTokens - 1) / u.decodeTokensPerSecond : 0;
  return {
    words,
    run,
    parts,
    cachedParts: u.cachedParts ?? 0,
    inputTokens: u.inputTokens,
    cachedInputTokens: cached,
    outputTokens: u.outputTokens,
    firstTextS: Number((firstDelta / 1000).toFixed(1)),
    totalS: Number((u.totalMs / 1000).toFixed(1)),
    prefillShare: Number((prefillS / (prefillS + decodeS)).toFixed(2)),
    prefillTokensPerSecond: Number(u.prefillTokensPerSecond.toFixed(1)),
    decodeTokensPerSecond: Number(u.decodeTokensPerSecond.toFixed(2)),
  };
}

async function main(): Promise<void> {
  const modelDir = await ensureGeneratedModel({ size, layout });
  // A fresh cache: every part is computed, as on a first run.
  const summarizer = localSummarizer({
    modelDir,
    device: 'cpu',
    cacheDir: mkdtempSync(path.join(os.tmpdir(), 'ls-bench-')),
    optimizedModelsDir: BENCH_OPTIMIZED_DIR,
  });
  // 20,000 words on a 2-core CPU take longer than the engine's default bound: lift it for the benchmark.
  const engine = await startTestEngine(modelDir, { summarizer, maxRequestMs: 6 * 60 * 60_000 });
  const rows: Array<Record<string, number | string>> = [];
  try {
    await summarizer.generator.warmUp();
    for (const words of wordCounts) {
      // The document as a user first summarizes it, then the same document in another style: its parts' summaries
      // come from the part cache and the prompt's start (the document, or the parts' summaries) from the prompt
      // cache, so only the new instructions go through the model before the answer.
      for (const [run, style] of [
        ['first', 'key-points'],
        ['another style', 'paragraph'],
      ] as const) {
        const row = await summarizeOnce(engine, words, run, style);
        rows.push(row);
        console.log(JSON.stringify(row));
        save(rows);
      }
    }
  } finally {
    await engine.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
