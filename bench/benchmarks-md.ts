/**
 * Writes BENCHMARKS.md from the raw results the benchmark commands leave in bench/results/, so the document only
 * ever shows numbers a command in this repository produced.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const RESULTS = path.join(__dirname, 'results');

function read(name: string): Record<string, unknown> | null {
  const file = path.join(RESULTS, name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : null;
}

type Row = Record<string, string | number | boolean>;

function engineSection(r: Record<string, unknown>): string {
  const rows = r.rows as Row[];
  return `## Engine (\`npm run bench\`)

${String(r.date).slice(0, 10)}, ${r.machine}; device ${r.device}; ${rows[0]?.runs ?? '?'} timed runs after one warm-up
(median); ${r.maxNewTokens} output tokens per run.

The engine runs in the benchmark's process with its inference worker; each run is a real HTTPS request to
\`/api/summarize\` with the same document (its prompt length is in the table). "Load" is the worker's start,
tokenizer and session creation; "time to first token" is measured in the worker from the request's arrival; the
event-loop delay is that of the engine's main thread (where HTTP is served) while the worker generates. Peak RSS
is the whole process. The models are generated with random weights (\`npm run models:generate\`): \`tiny\` is a
few MB; \`phi3-mini\` has Phi-3-mini's real dimensions (32 layers, hidden 3072, int4 MatMulNBits, 2.8 GB on disk).

| model | device | load ms | prompt tokens | time to first token ms | prefill tok/s | decode tok/s | event-loop delay p99 / max ms | peak RSS MB |
|---|---|---|---|---|---|---|---|---|
${rows
  .map(
    (x) =>
      `| ${x.size} | ${x.device} | ${x.loadMs} | ${x.inputTokens} | ${x.ttftMs} | ${x.prefillTokensPerSecond} | ${x.decodeTokensPerSecond} | ${x.eventLoopP99Ms} / ${x.eventLoopMaxMs} | ${x.peakRssMB} |`,
  )
  .join('\n')}

Raw numbers: \`bench/results/latest.json\`.
`;
}

function paneSection(r: Record<string, unknown>): string {
  const rows = r.rows as Row[];
  const machine = r.machine as { cpus: number; cpu: string; platform: string };
  return `## Task pane under a fast stream (\`npm run bench:pane\`)

${String(r.date).slice(0, 10)}, ${machine.cpus}× ${machine.cpu}, ${machine.platform}, Chromium ${r.chromium}. A fake
summarizer behind the real engine streams ${r.deltas} deltas at ${r.deltasPerSecond}/s into the built pane; long
tasks come from \`PerformanceObserver('longtask')\`, total blocking time is the sum of (duration − 50 ms).

| CPU throttling | stream ms | long tasks | longest ms | total blocking time ms | frames/s | largest frame gap ms | all text arrived |
|---|---|---|---|---|---|---|---|
${rows
  .map(
    (x) =>
      `| ${x.cpuThrottling}× | ${x.streamMs} | ${x.longTasks} | ${x.longestTaskMs} | ${x.totalBlockingTimeMs} | ${x.fps} | ${x.maxFrameGapMs} | ${x.allTextArrived} |`,
  )
  .join('\n')}

Raw numbers: \`bench/results/pane-stream.json\`.
`;
}

function longSection(r: Record<string, unknown>): string {
  const rows = r.rows as Row[];
  return `## Long documents (\`npm run bench:long\`)

${String(r.date).slice(0, 10)}, ${r.machine}; model ${r.size} on the CPU, length "${r.length}", an empty part cache.
Documents are Debian's GPL text repeated under numbered headings. "First text" is the time from the request to
the first streamed \`delta\` (the first part's summary); the prefill share is prefill time over prefill + decode
time, summed over every generation of the run (parts, combine steps, final summary).

| words | parts | prompt tokens (all steps) | output tokens | first text s | total s | prefill share | prefill tok/s | decode tok/s |
|---|---|---|---|---|---|---|---|---|
${rows
  .map(
    (x) =>
      `| ${x.words} | ${x.parts} | ${x.inputTokens} | ${x.outputTokens} | ${x.firstTextS} | ${x.totalS} | ${x.prefillShare} | ${x.prefillTokensPerSecond} | ${x.decodeTokensPerSecond} |`,
  )
  .join('\n')}

Raw numbers: \`bench/results/long-document.json\`.
`;
}

function kvSection(r: Record<string, unknown>): string {
  const modes = r.modes as Record<string, Row>;
  const label: Record<string, string> = {
    copies: "each step's present fed back as the next past",
    shared: 'one buffer per layer as past and as preallocated present (copied back whole every step)',
    delta: 'one buffer per layer as past, only the new positions fetched (what the engine uses on the CPU)',
  };
  return `## KV cache modes (\`npm run bench:kv\`)

${String(r.date).slice(0, 10)}, ${r.machine}; model ${r.size}, ${r.promptLength}-token prompt, ${r.steps} greedy steps, the
three modes in one process on the same session, through the engine's token loop.

| mode | prefill ms | decode tok/s |
|---|---|---|
${Object.entries(modes)
  .map(([k, v]) => `| ${label[k] ?? k} | ${v.prefillMs} | ${v.decodeTokensPerSecond} |`)
  .join('\n')}

Same greedy tokens in every mode: ${r.sameTokens}. Raw numbers: \`bench/results/kv-cache.json\`.
`;
}

/** Rewrites BENCHMARKS.md from whatever results exist. */
export function writeBenchmarksMd(): void {
  const engine = read('latest.json');
  const pane = read('pane-stream.json');
  const long = read('long-document.json');
  const kv = read('kv-cache.json');
  const sections = [
    engine && engineSection(engine),
    long && longSection(long),
    kv && kv.modes && kvSection(kv),
    pane && paneSection(pane),
  ].filter(Boolean);
  writeFileSync(
    path.join(__dirname, '..', 'BENCHMARKS.md'),
    `# Benchmarks\n\nEvery figure below was written by the command named in its section; rerun it to reproduce.\n\n${sections.join('\n')}`,
  );
}
