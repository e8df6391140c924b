/**
 * `npm run bench:pane` (a benchmark, not a test): the built pane in headless Chromium, served by a real engine
 * whose summarizer is a fake that streams 200 deltas per second for about 5 s. Records the page's long tasks
 * (`PerformanceObserver({ type: 'longtask' })`), the total blocking time (the sum of `duration − 50 ms`) and the
 * frame rate during the stream, without and with Chromium's 4× CPU throttling (a slow laptop's stand-in).
 *
 * Needs `npm run build:taskpane` first and Chromium at /usr/bin/chromium. Writes bench/results/pane-stream.json.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SummaryEvent } from '../../localhost-engine/api/schemas';
import type { ModelHealth, SummaryRequest, Summarizer } from '../../localhost-engine/summarize/summarizer';
import { CHROMIUM, launchChromium } from '../helpers/pane-browser';
import { startTestEngine } from '../helpers/test-engine';
import { writeBenchmarksMd } from '../../bench/benchmarks-md';
import { SIMULATION_GLOBAL, wordSimulationBundle } from '../helpers/word-simulation-bundle';

const ROOT = path.resolve(__dirname, '..', '..');
const PANE_HTML = path.join(ROOT, 'dist', 'taskpane', 'taskpane.html');
const OUT = path.join(ROOT, 'bench', 'results', 'pane-stream.json');

const DELTAS_PER_SECOND = 200;
const STREAM_SECONDS = 5;
const TOTAL_DELTAS = DELTAS_PER_SECOND * STREAM_SECONDS;
const WORDS = ['the', 'quarterly', 'revenue', 'grew', 'by', 'eight', 'percent', 'while', 'costs', 'fell'];

/** Streams `TOTAL_DELTAS` deltas at `DELTAS_PER_SECOND`, paced by the wall clock, then `done`. */
class PacedFakeSummarizer implements Summarizer {
  health(): ModelHealth {
    return { id: 'fake-paced', state: 'ready', device: 'cpu', error: null };
  }

  async *stream(request: SummaryRequest, signal: AbortSignal): AsyncIterable<SummaryEvent> {
    yield {
      type: 'start',
      requestId: request.requestId,
      model: 'fake-paced',
      device: 'cpu',
      plan: { parts: 1, paragraphs: 1, inputTokens: 100 },
    };
    const started = Date.now();
    let sent = 0;
    let summary = '';
    while (sent < TOTAL_DELTAS) {
      if (signal.aborted) return;
      const due = Math.min(TOTAL_DELTAS, Math.floor(((Date.now() - started) / 1000) * DELTAS_PER_SECOND));
      for (; sent < due; sent++) {
        const text = `${WORDS[sent % WORDS.length]}${sent % 40 === 39 ? '.\n' : ' '}`;
        summary += text;
        yield { type: 'delta', text };
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const totalMs = Date.now() - started;
    yield {
      type: 'done',
      summary,
      usage: {
        inputTokens: 100,
        outputTokens: TOTAL_DELTAS,
        loadMs: 0,
        ttftMs: 0,
        prefillTokensPerSecond: 0,
        decodeTokensPerSecond: TOTAL_DELTAS / (totalMs / 1000),
        totalMs,
      },
    };
  }

  async close(): Promise<void> {}
}

interface PageMeasure {
  startedAt: number;
  streamMs: number;
  longTasks: Array<{ start: number; duration: number }>;
  frames: number;
  maxFrameGapMs: number;
  finalChars: number;
}

interface Row {
  cpuThrottling: number;
  streamMs: number;
  longTasks: number;
  longestTaskMs: number;
  totalBlockingTimeMs: number;
  fps: number;
  maxFrameGapMs: number;
  allTextArrived: boolean;
  /** Each long task as `startMs:durationMs`, the start counted from the Summarize click. */
  longTaskTimes: string;
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`No ${CHROMIUM}: apt-get install chromium`);
  if (!existsSync(PANE_HTML)) throw new Error(`${PANE_HTML} is missing: run npm run build:taskpane`);
  const bundle = await wordSimulationBundle();
  const engine = await startTestEngine(path.join(ROOT, '.cache', 'no-model'), {
    summarizer: new PacedFakeSummarizer(),
  });
  const browser = await launchChromium();
  const chromiumVersion = browser.version();
  const rows: Row[] = [];
  try {
    for (const rate of [1, 4]) {
      const context = await browser.newContext({
        ignoreHTTPSErrors: true,
        viewport: { width: 360, height: 900 },
      });
      const page = await context.newPage();
      await page.route('**/*', (route) =>
        ['localhost', '127.0.0.1'].includes(new URL(route.request().url()).hostname)
          ? route.continue()
          : route.abort('blockedbyclient'),
      );
      // tsx compiles with esbuild's keepNames, which wraps the functions passed to page.evaluate in `__name(…)`.
      await page.addInitScript({ content: 'globalThis.__name = (f) => f;' });
      await page.addInitScript({ content: bundle });
      await page.addInitScript({
        content: `(() => {
          const sim = window.${SIMULATION_GLOBAL}.createWordSimulation({ apiVersion: '1.4', paragraphs: [
            { text: 'Report', style: 'Title' }, 'Revenue grew.', 'Costs fell.' ] });
          sim.install(window);
          window.__sim = sim;
        })();`,
      });
      const cdp = await context.newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate });
      await page.goto(`${engine.url}/`);
      await page.getByText('Engine connected').waitFor({ timeout: 30_000 });
      await page.getByLabel('Output').selectOption({ label: 'Do not insert' });

      // Observers from the click on: long tasks, frames, and the end of the stream (the view stops being busy).
      await page.evaluate(() => {
        const w = window as unknown as { __bench: Record<string, unknown> };
        const bench = {
          start: performance.now(),
          end: 0,
          longTasks: [] as Array<{ start: number; duration: number }>,
          frames: 0,
          maxFrameGap: 0,
        };
        w.__bench = bench;
        new PerformanceObserver((list) => {
          for (const e of list.getEntries())
            bench.longTasks.push({ start: e.startTime, duration: e.duration });
        }).observe({ type: 'longtask', buffered: true });
        let last = performance.now();
        const frame = (now: number): void => {
          if (bench.end) return;
          bench.frames += 1;
          bench.maxFrameGap = Math.max(bench.maxFrameGap, now - last);
          last = now;
          requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
        const view = document.querySelector('[data-testid="summary-text"]')!;
        let seenBusy = false;
        new MutationObserver(() => {
          const busy = view.getAttribute('aria-busy') === 'true';
          if (busy) seenBusy = true;
          else if (seenBusy && !bench.end) bench.end = performance.now();
        }).observe(view, { attributes: true, attributeFilter: ['aria-busy'] });
      });
      await page.getByRole('button', { name: 'Summarize' }).click();
      await page.waitForFunction(
        () => (window as unknown as { __bench: { end: number } }).__bench.end > 0,
        null,
        {
          timeout: 60_000,
          polling: 250,
        },
      );
      const m: PageMeasure = await page.evaluate(() => {
        const b = (
          window as unknown as {
            __bench: {
              start: number;
              end: number;
              longTasks: Array<{ start: number; duration: number }>;
              frames: number;
              maxFrameGap: number;
            };
          }
        ).__bench;
        return {
          startedAt: b.start,
          streamMs: b.end - b.start,
          longTasks: b.longTasks.filter((t) => t.start + t.duration >= b.start && t.start <= b.end),
          frames: b.frames,
          maxFrameGapMs: b.maxFrameGap,
          finalChars: document.querySelector('[data-testid="summary-text"]')?.textContent?.length ?? 0,
        };
      });
      const expectedChars = Array.from(
        { length: TOTAL_DELTAS },
        (_, i) => `${WORDS[i % WORDS.length]}${i % 40 === 39 ? '.\n' : ' '}`,
      ).join('').length;
      rows.push({
        cpuThrottling: rate,
        streamMs: Math.round(m.streamMs),
        longTasks: m.longTasks.length,
        longestTaskMs: Math.round(Math.max(0, ...m.longTasks.map((t) => t.duration))),
        totalBlockingTimeMs: Math.round(m.longTasks.reduce((s, t) => s + Math.max(0, t.duration - 50), 0)),
        fps: Math.round((m.frames / (m.streamMs / 1000)) * 10) / 10,
        maxFrameGapMs: Math.round(m.maxFrameGapMs),
        // The view shows the final summary, which is the deltas joined (whitespace may be trimmed).
        allTextArrived: m.finalChars >= expectedChars - 2,
        longTaskTimes: m.longTasks
          .map((t) => `${Math.round(t.start - m.startedAt)}:${Math.round(t.duration)}`)
          .join(' '),
      });
      await context.close();
    }
  } finally {
    await browser.close();
    await engine.close();
  }

  console.log(`Pane stream: ${TOTAL_DELTAS} deltas at ${DELTAS_PER_SECOND}/s into the built pane (Chromium)`);
  console.table(rows);
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(
    OUT,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, platform: process.platform },
        chromium: chromiumVersion,
        deltasPerSecond: DELTAS_PER_SECOND,
        deltas: TOTAL_DELTAS,
        rows,
      },
      null,
      2,
    )}\n`,
  );
  writeBenchmarksMd();
  console.log(`Wrote ${path.relative(process.cwd(), OUT)} and BENCHMARKS.md`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
