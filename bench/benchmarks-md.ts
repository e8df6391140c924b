/**
 * Writes BENCHMARKS.md from the raw results the benchmark commands leave in bench/results/, so the document only
 * ever shows numbers a command in this repository produced.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const RESULTS = path.join(__dirname, 'results');

function read(name: string): Record<string, unknown> | null {
  const file = path.join(RESULTS, name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : null;
}

type Row = Record<string, string | number | boolean>;

export interface EngineReport {
  date: string;
  machine: string;
  command: string;
  size: string;
  /** The generated copy of a real export the run used; absent in reports from before the real layouts. */
  layout?: string;
  device: string;
  /** GPU runs: the GPU's name. */
  gpu?: string;
  reps: number;
  newTokens: number;
  /** Absent in reports from before it was recorded, when it was 512. */
  prefillChunk?: number;
  modelDiskMB: number;
  /** The CPU's; null on a GPU run. */
  ceilings: { threads: number; copyGBps: number; readGBps: number; int4Gflops: number } | null;
  costs: { weightBytesPerToken: number; kvBytesPerContextToken: number; flopsPerPromptToken: number };
  load: Record<string, number | number[] | string | boolean>;
  perPrompt: Array<{
    promptTokens: number;
    engine: { ttftMs: number; prefill: number; decode: number };
    transformers: { ttftMs: number; prefill: number; decode: number };
    /** The CPU peers, where the run measured them. */
    plain?: { ttftMs: number; prefill: number; decode: number } | null;
    llama?: { ttftMs: number; prefill: number; decode: number } | null;
    ratio: { prefill: number; decode: number; ttft: number };
    bound: { prefill: number; decode: number } | null;
    ofBound: { prefill: number; decode: number } | null;
    sameTokens: boolean;
  }>;
  memory: {
    enginePeakRssMB: number;
    transformersPeakRssMB: number;
    engineOverDisk: number;
    peerPeakRssMB?: Record<string, number>;
  };
  eventLoopP99Ms: number;
  transformersEventLoopP99Ms: number;
}

/** The CPU's ceilings and what they bound, for a CPU run. */
function ceilingsParagraph(r: EngineReport): string {
  const c = r.ceilings;
  if (!c) return '';
  const mb = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;
  return `Ceilings, measured in the same run (\`bench/ceilings.ts\`): ${c.threads} threads copying memory move ${c.copyGBps} GB/s
(read + write) and read ${c.readGBps} GB/s (comparing two equal buffers); onnxruntime's int4 \`MatMulNBits\` kernel (block 32, accuracy level 4)
computes ${c.int4Gflops} GFLOP/s on a 2,048-row product. Decoding must read ${mb(r.costs.weightBytesPerToken)}
of weights per token plus ${(r.costs.kvBytesPerContextToken / 1024).toFixed(0)} KiB of fp32 cache per token of context (mean
context of the run), which bounds decode at read bandwidth ÷ those bytes; prefill costs
${Number((r.costs.flopsPerPromptToken / 1e9).toPrecision(2))} GFLOP per token in matrix products, bounded by the kernel's rate.

`;
}

/** The sides a report measured, in column order, with how to read each prompt's medians. */
function sides(r: EngineReport) {
  type Medians = { ttftMs: number; prefill: number; decode: number };
  type Prompt = EngineReport['perPrompt'][number];
  const all: Array<{ name: string; of: (p: Prompt) => Medians | null | undefined }> = [
    { name: 'the plain loop', of: (p) => p.plain },
    { name: 'transformers.js', of: (p) => p.transformers },
    { name: 'llama.cpp', of: (p) => p.llama },
  ];
  return all.filter((side) => r.perPrompt.some((p) => side.of(p)));
}

/** The rates side by side, with the CPU's bounds where the run measured them. */
function ratesTable(r: EngineReport): string {
  const bounds = r.ceilings !== null;
  const peers = sides(r);
  const cells = (bound: number | undefined, ofBound: number | undefined): string =>
    bounds ? ` ${bound} | ${ofBound} |` : '';
  const x = (a: number, b: number | undefined): string => (b ? `${(a / b).toFixed(2)}×` : '');
  const row = (
    label: string,
    mine: number,
    theirs: Array<number | undefined>,
    ratio: (t: number | undefined) => string,
    tail: string,
  ) =>
    `| ${label} | ${mine} | ${theirs.map((t) => t ?? '').join(' | ')} | ${theirs.map(ratio).join(' | ')} |${tail}`;
  const rows: string[] = [];
  for (const p of r.perPrompt) {
    const theirs = peers.map((s) => s.of(p)?.prefill);
    rows.push(
      row(
        `prefill tok/s, ${p.promptTokens}-token prompt`,
        p.engine.prefill,
        theirs,
        (t) => x(p.engine.prefill, t),
        cells(p.bound?.prefill, p.ofBound?.prefill),
      ),
    );
  }
  for (const p of r.perPrompt) {
    const ms = peers.map((s) => s.of(p)?.ttftMs);
    const seconds = (t: number | undefined) => (t === undefined ? undefined : Number((t / 1000).toFixed(1)));
    const ratios = ms.map((t) => (t ? `${(p.engine.ttftMs / t).toFixed(2)}× the time` : ''));
    rows.push(
      `| time to first token s, ${p.promptTokens}-token prompt | ${seconds(p.engine.ttftMs)} | ${ms.map((t) => seconds(t) ?? '').join(' | ')} | ${ratios.join(' | ')} |${bounds ? ' | |' : ''}`,
    );
  }
  for (const p of r.perPrompt) {
    const theirs = peers.map((s) => s.of(p)?.decode);
    rows.push(
      row(
        `decode tok/s over ${r.newTokens} tokens after ${p.promptTokens}`,
        p.engine.decode,
        theirs,
        (t) => x(p.engine.decode, t),
        cells(p.bound?.decode, p.ofBound?.decode),
      ),
    );
  }
  const names = peers.map((s) => s.name);
  return `| | engine | ${names.join(' | ')} | ${names.map((n) => `engine ÷ ${n}`).join(' | ')} |${bounds ? ' bound | engine ÷ bound |' : ''}
|---|---|${names.map(() => '---|').join('')}${names.map(() => '---|').join('')}${bounds ? '---|---|' : ''}
${rows.join('\n')}`;
}

function sameTokensLine(r: EngineReport): string {
  const line = `Same greedy tokens from the engine and transformers.js (the same repetition control): ${r.perPrompt.map((p) => `${p.promptTokens}-token prompt ${p.sameTokens}`).join(', ')}.`;
  if (r.perPrompt.every((p) => p.sameTokens) || r.device !== 'cpu') return line;
  return `${line} Where they differ, they part after a few tokens: the engine's decoding attention
sums in another order than the exported attention op (the same logits to float rounding, 1e-5, on a two-layer model of
these dimensions with the int4 kernel in fp32 mode), and the kernel's accuracy level 4 rounds its inputs to int8,
which turns that rounding into logit differences of about 0.4 on this model of random weights, enough to flip
its many near-ties. The tests compare
the engine's tokens with transformers.js' on the tiny models, where they agree.`;
}

function loadTable(r: EngineReport): string {
  const l = r.load;
  const s = (ms: unknown): string => `${(Number(ms) / 1000).toFixed(1)} s`;
  const starts = (l.warmStartsMs as number[]).length;
  const rows = [
    `| ${l.coldEvicted === false ? 'cold (a fresh process; the page cache could not be dropped on this OS)' : "cold (the model's files dropped from the page cache first)"} | ${s(l.coldEngineMs)} | ${s(l.coldTransformersMs)} | ${l.ratioCold}× faster |`,
    `| warm (median of ${starts} starts in a row) | ${s(l.warmEngineMs)} | ${s(l.warmTransformersMs)} | ${l.ratioWarm}× faster |`,
    `| ${starts === 10 ? 'tenth start' : `start ${starts}`} ÷ first of those | ${l.tenthOverFirstWarm} | | |`,
  ];
  if (l.firstStartMs !== undefined) {
    rows.push(
      `| the engine without its optimized copy (warm) | ${s(l.warmWithoutCopyMs)} | | |`,
      `| the very first start on a machine (builds the optimized copy, once) | ${s(l.firstStartMs)} | | |`,
    );
  }
  return `| load (model + tokenizer, fresh process) | engine | transformers.js | ratio |
|---|---|---|---|
${rows.join('\n')}

Warm starts in order (ms): ${(l.warmStartsMs as number[]).join(', ')}.${l.optimized !== undefined ? ` Optimized copy: ${l.optimized}.` : ''}`;
}

/**
 * The section for one `npm run bench` report, read from `bench/results/<file>`; its heading says the layout (or
 * model), the device and, for a report from before the real layouts, the machine.
 */
export function engineSection(r: EngineReport, file: string): string {
  const gpu = r.device !== 'cpu';
  const cpuName = r.machine.split(',')[0];
  const layoutTitle = r.layout
    ? `## \`${r.layout}\` (${r.size}): the engine against ${sides(r)
        .map((x) => x.name)
        .join(
          ', ',
        )}${r.ceilings ? " and this machine's limits" : ''} (\`npm run bench -- --layout ${r.layout}${r.size === 'phi3-mini' ? '' : ` --size ${r.size}`}\`)`
    : null;
  const title =
    layoutTitle && !gpu
      ? layoutTitle
      : gpu
        ? `## Engine against transformers.js through ${r.device === 'webgpu' ? 'WebGPU' : 'DirectML'} on ${r.gpu ?? 'a GPU'}, model \`${r.size}\`${r.layout ? `, layout \`${r.layout}\`` : ''} (\`npm run bench -- --device ${r.device}${r.layout ? ` --layout ${r.layout}` : ''}\`)`
        : `## Engine against transformers.js on the CPU, model \`${r.size}\`, ${cpuName} (\`npm run bench\`)`;
  const where = gpu
    ? `${r.gpu ?? 'a GPU'} through onnxruntime-node's ${r.device} provider, on a host with ${r.machine}`
    : r.machine;
  const memory = gpu
    ? `Peak memory (RSS of the whole process, main thread and worker; the GPU's own memory is not in it): engine ${r.memory.enginePeakRssMB} MiB, transformers.js ${r.memory.transformersPeakRssMB} MiB.`
    : `Peak memory (RSS of the whole process, main thread and worker): engine ${r.memory.enginePeakRssMB} MiB
(${r.memory.engineOverDisk}× the model's ${r.modelDiskMB} MiB on disk), ${Object.entries(
        r.memory.peerPeakRssMB ?? { 'transformers.js': r.memory.transformersPeakRssMB },
      )
        .filter(([name]) => name !== 'engine')
        .map(
          ([name, mb]) =>
            `${name === 'transformers' ? 'transformers.js' : name === 'plain' ? 'the plain loop' : name} ${mb} MiB`,
        )
        .join(', ')}.`;
  const what = gpu
    ? `On the GPU the engine runs the model's graph as it is: each step's \`present.*\` stays on the GPU
(\`preferredOutputLocation: 'gpu-buffer'\`, \`inference/session-factory.ts\`) and is fed back as the next past, and
only the last position's logits come back to JavaScript; prefill runs in ${r.prefillChunk ?? 512}-token passes.
onnxruntime-node 1.30 binds no output it is handed on the GPU (its IO binding ignores preallocated outputs), so
every step allocates each layer's present anew and attention copies the whole past into it.`
    : `What bounds the engine: prefill runs onnxruntime's int4 kernel in ${r.prefillChunk ?? 512}-token passes, close to that kernel's
rate, with the model's fused attention. Decode reads the weights once per token and the engine's cache
once, in place (\`onnx/rewrites/direct-attention.ts\`; the exported attention op writes a present as long as the
past and copies the past into it, every layer of every step), plus onnxruntime's own overheads (thread-pool
hand-offs on ${r.ceilings?.threads ?? 'its'} cores, activation quantization for the int4 kernel). Memory holds the packed weights
(memory-mapped from the optimized copy; onnxruntime's packed layout adds a per-block sum to the int4 data), the
engine's cache (float16: ${(r.costs.kvBytesPerContextToken / 2048).toFixed(0)} KiB per token of context; each decoding step widens one layer's past
to float32 at a time), one layer's present at a time during a prompt pass,
and one prefill pass's working set; \`npm run bench:memory\` (below) breaks a generation's peak down.`;
  return `${title}

${r.date.slice(0, 10)}, ${where}; model \`${r.size}\` (generated, random weights, ${r.modelDiskMB} MiB on disk), device ${r.device};
command \`${r.command}\`; ${r.reps} ${r.reps === 1 ? 'repetition' : 'repetitions, alternating which side runs first'}, each side in a fresh process
(medians shown). Every side gets the same prompt tokens and decodes greedily, ${r.newTokens} new tokens, stop tokens
ignored; the engine is its inference worker as the server runs it (\`bench/engine-runner.ts\`), transformers.js is
its own \`generate\` (\`bench/transformers-js-runner.ts\`), both with the same repetition penalty (1.1) and 4-gram ban.${
    r.perPrompt.some((p) => p.plain)
      ? `
The plain loop (\`bench/plain-loop-runner.ts\`) runs the exported graph with \`session.run\`, the prompt in one pass and
each step's presents fed back, plain argmax: the floor any runtime should clear.`
      : ''
  }${
    r.perPrompt.some((p) => p.llama)
      ? `
llama.cpp is node-llama-cpp 3.21.1 (\`bench/llama-cpp-runner.ts\`; \`npm run bench:install-llama\`) on a GGUF Q4_0 the
generator writes from the same weights, greedy, with its defaults as Ollama and LM Studio run it on a CPU (flash
attention auto, float16 KV cache).`
      : ''
  }

${ceilingsParagraph(r)}${ratesTable(r)}

${sameTokensLine(r)}

${loadTable(r)}

${memory}
Event-loop delay p99 while generating: engine ${r.eventLoopP99Ms} ms (its main thread, where HTTP is served),
transformers.js ${r.transformersEventLoopP99Ms} ms (it runs on the main thread).

${what}

Raw numbers: \`bench/results/${file}\`.
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

${String(r.date).slice(0, 10)}, ${r.machine}; model ${r.size}${r.layout ? ` in the \`${r.layout}\` layout` : ''} on the CPU, length "${r.length}", an empty part cache${r.command ? `; command \`${r.command}\`` : ''}.
Documents are Debian's GPL text repeated under numbered headings, each summarized as key points ("first"), then
again as a paragraph ("another style"), one engine for the whole run. "First text" is the time from the request to
the first streamed \`delta\` (the first part's summary, or the final one when every part is cached); "cached" counts the part summaries read from the part
cache and the prompt tokens read from the prompt cache (the last generation's keys and values) instead of run
through the model; the prefill share is prefill time over prefill + decode time, and prefill tok/s counts the
tokens run through the model, both summed over every generation of the run (parts, combine steps, final summary).

| words | run | parts (cached) | prompt tokens, all steps (cached) | output tokens | first text s | total s | prefill share | prefill tok/s | decode tok/s |
|---|---|---|---|---|---|---|---|---|---|
${rows
  .map(
    (x) =>
      `| ${x.words} | ${x.run ?? 'first'} | ${x.parts} (${x.cachedParts ?? 0}) | ${x.inputTokens} (${x.cachedInputTokens ?? 0}) | ${x.outputTokens} | ${x.firstTextS} | ${x.totalS} | ${x.prefillShare} | ${x.prefillTokensPerSecond} | ${x.decodeTokensPerSecond} |`,
  )
  .join('\n')}

Raw numbers: \`bench/results/long-document.json\`.
`;
}

function memorySection(r: Record<string, unknown>): string {
  const rows = r.rows as Row[];
  const disk = Number(r.diskMB);
  return `## Where the CPU engine's memory goes (\`npm run bench:memory\`)

${String(r.date).slice(0, 10)}, ${r.machine}; model ${r.size}${r.layout ? ` in the \`${r.layout}\` layout` : ''} (${disk} MiB on disk), a ${r.promptTokens}-token prompt and
${r.newTokens} new tokens, each row in a fresh process through the engine's token loop, on the graph opened
directly (not the optimized copy); command \`${r.command}\`. "Loaded" is the RSS once the session is open (the
weights as onnxruntime keeps them, and Node); "cache" is the engine's KV buffers for the prompt and every new
token; "rest" is peak − loaded − cache: onnxruntime's working memory and what a pass leaves behind. "present
kept" is the graph with \`present.*\` still outputs beside the delta outputs: onnxruntime then holds every layer's
present, a second copy of the cache, until the pass ends. "slices" frees each layer's present right after its new
positions are sliced out. "engine" is the engine's CPU graph (\`inference/session-graph.ts\`): its decoding attention
reads the past in place and makes no present (\`onnx/rewrites/direct-attention.ts\`); its prompt passes run as
"slices" does; it keeps a float32 model's cache in float16 (each layer's past widened to float32 inside its own
step), and "--kv-cache model" keeps the model's float32. Decode rates here
come from ${Number(r.newTokens) - 1} steps in each process and vary from run to run; \`npm run bench\` measures decode.

| graph | prefill pass | loaded MiB | cache MiB | peak MiB | rest MiB | peak ÷ disk | prefill tok/s | decode tok/s |
|---|---|---|---|---|---|---|---|---|
${rows
  .map(
    (x) =>
      `| ${x.graph} | ${x.chunk} tokens | ${x.loadedRssMB} | ${x.cacheMB} | ${x.peakRssMB} | ${x.restMB} | ${(Number(x.peakRssMB) / disk).toFixed(2)}× | ${x.prefillTokensPerSecond} | ${x.decodeTokensPerSecond} |`,
  )
  .join('\n')}

Raw numbers: \`bench/results/memory.json\`.
`;
}

function logitsSection(r: Record<string, unknown>): string {
  const rates = r.prefillTokensPerSecond as Record<'everyPosition' | 'lastPosition', number[]>;
  const medians = r.medians as Record<'everyPosition' | 'lastPosition', number>;
  return `## Logits for the last position only, on a GenAI-layout graph (\`npm run bench:logits\`)

${String(r.date).slice(0, 10)}, ${r.machine}; model ${r.size} in the GenAI layout (no \`num_logits_to_keep\`), a
${r.promptTokens}-token prompt in the engine's prompt passes, both graphs open in one process and run in alternating
order through the engine's token loop; command \`${r.command}\`. "Every position" is the engine's graph as it was
before \`onnx/rewrites/last-logits.ts\`: the LM head runs on every position of every prompt pass and its logits
come back to JavaScript; "last position" slices the LM head's input to the last position first.

| graph | prefill tok/s, each run in order | median |
|---|---|---|
| every position | ${rates.everyPosition.join(', ')} | ${medians.everyPosition.toFixed(2)} |
| last position | ${rates.lastPosition.join(', ')} | ${medians.lastPosition.toFixed(2)} (${(medians.lastPosition / medians.everyPosition).toFixed(3)}×) |

Same first token on both: ${r.sameFirstToken}. Raw numbers: \`bench/results/last-logits.json\`.
`;
}

function attentionSection(r: Record<string, unknown>): string {
  type Summary = Record<'keysFirst' | 'queryFirst' | 'values', { medianMs: number; readGBps: number }>;
  const contexts = r.contexts as Array<{
    positions: number;
    cacheMiB: number;
    summary: Summary;
    largestDifference: number;
  }>;
  const row = (name: string, pick: (s: Summary) => { medianMs: number; readGBps: number }): string =>
    `| ${name} | ${contexts.map((c) => `${pick(c.summary).medianMs} ms (${pick(c.summary).readGBps} GB/s)`).join(' | ')} |`;
  return `## Decoding attention: the query against the past's keys (\`npm run bench:attention\`)

${String(r.date).slice(0, 10)}, ${r.machine}; the cache of model ${r.size} (${r.layers} layers of ${r.kvHeads} key heads
× ${r.headSize}, ${r.group} query ${Number(r.group) === 1 ? 'row' : 'rows'} per key head), each layer's own buffer; every form its own session with
the engine's CPU options, in one process; each rep runs every form twice in a row and keeps the second run, the
forms in alternating order; command \`${r.command}\`. Milliseconds per decoding step (every layer; median of the
kept runs), and the rate the keys or values are read at. "Keys first" (pastK·qᵀ, then the small
result transposed) is how the engine's decoding attention read the keys until 2026-11-27; "query first" (q·pastKᵀ,
the transpose folded into the product) is how \`onnx/rewrites/direct-attention.ts\` reads them now. The values'
product reads as many bytes, for reference.

| form | ${contexts.map((c) => `${c.positions} tokens of context (${c.cacheMiB} MiB of keys)`).join(' | ')} |
|---|${contexts.map(() => '---|').join('')}
${row('keys first: pastK·qᵀ', (s) => s.keysFirst)}
${row('query first: q·pastKᵀ', (s) => s.queryFirst)}
${row('values: p·pastV', (s) => s.values)}

Largest difference between the two key forms' scores (every layer): ${contexts.map((c) => c.largestDifference.toExponential(1)).join(', ')}. Raw numbers: \`bench/results/attention.json\`.
`;
}

function profileSection(r: Record<string, unknown>): string {
  const rates = r.decodeTokensPerSecond as Record<string, number[]>;
  const medians = r.medians as Record<string, number>;
  const shares = (perToken: Record<string, number>): Map<string, { ms: number; share: number }> => {
    const total = Object.values(perToken).reduce((a, b) => a + b, 0);
    return new Map(Object.entries(perToken).map(([op, ms]) => [op, { ms, share: (ms / total) * 100 }]));
  };
  const cell = (x: { ms: number; share: number } | undefined): string =>
    x ? `${x.ms} (${x.share.toFixed(1)} %)` : '';
  const decode = shares(r.perTokenMs as Record<string, number>);
  const prefill = shares(r.perPromptTokenMs as Record<string, number>);
  const graph = r.graph as { attention: string; logits: string };
  const base = Object.values(medians)[0];
  return `## Where a decoded token's time goes, and the levers (\`npm run bench:profile\`)

${String(r.date).slice(0, 10)}, ${r.machine}; layout \`${r.layout}\` at ${r.size} size, the engine's CPU graph (attention
\`${graph.attention}\`, logits \`${graph.logits}\`, without the optimized copy), ${r.tokens} tokens decoded greedily after a
${r.context}-token prompt through the engine's token loop; command \`${r.command}\`. Each setting is its own session in
one process, in alternating order.

| setting | decode tok/s, each run in order | median | ÷ default |
|---|---|---|---|
${Object.keys(rates)
  .map((k) => `| ${k} | ${rates[k].join(', ')} | ${medians[k]} | ${(medians[k] / base).toFixed(2)}× |`)
  .join('\n')}

onnxruntime's profile of the default setting, milliseconds per token and share of the time, for the prompt passes
and the decode steps (kernels inside the decoding branch counted as themselves; "outside kernels" is the rest of
each run: scheduling, feeds, fetches); operators under 1 % of both left out:

| operator | per prompt token | per decoded token |
|---|---|---|
${[...new Set([...decode.keys(), ...prefill.keys()])]
  .filter((op) => [decode.get(op), prefill.get(op)].some((x) => x && x.share >= 1))
  .map((op) => `| ${op} | ${cell(prefill.get(op))} | ${cell(decode.get(op))} |`)
  .join('\n')}

Raw numbers: \`bench/results/decode-profile.json\`.
`;
}

function upstreamSection(r: Record<string, unknown>): string {
  type Side = { latencyMs: { p50: number; p99: number; max: number }; deltasPerSecond: number };
  const direct = r.direct as Side;
  const engine = r.engine as Side;
  const added = r.addedMs as { p50: number; p99: number };
  const stop = r.stopMs as { trials: number; p50: number; max: number };
  const row = (name: string, x: Side): string =>
    `| ${name} | ${x.deltasPerSecond} | ${x.latencyMs.p50} | ${x.latencyMs.p99} | ${x.latencyMs.max} |`;
  return `## The engine in front of an upstream model server (\`npm run bench:upstream\`)

${String(r.date).slice(0, 10)}, ${r.machine}; command \`${r.command}\`. A pacer process (\`bench/upstream-pacer.ts\`)
streams ${r.deltas} deltas at ${r.rate} per second in vLLM's chunk shapes, each stamped with when it was written; the
client reads them straight from the pacer, and through a real engine process (\`localscribe serve --upstream …\`,
HTTPS, \`/api/summarize\`), ${r.reps} times each in alternating order after one uncounted round of each. Latency is
from the pacer's write to the client's read of the delta (the two processes' clocks agree to ±${r.clockUncertaintyMs} ms);
deltas per second is the median over the runs.

| path | deltas/s | latency p50 ms | p99 ms | max ms |
|---|---|---|---|---|
${row('straight from the pacer', direct)}
${row('through the engine', engine)}

The engine adds ${added.p50} ms at the median and ${added.p99} ms at p99 per delta (target ≤ 5 ms), and loses
${(Number(r.throughputLoss) * 100).toFixed(2)} % of the rate (target ≤ 1 %). Stop: the client closed its connection after 20 deltas; the
engine's request to the pacer closed ${stop.p50} ms later at the median and ${stop.max} ms at most, over ${stop.trials} trials
(target ≤ 200 ms).

Raw numbers: \`bench/results/upstream.json\`.
`;
}

/** Rewrites BENCHMARKS.md from whatever results exist. */
export function writeBenchmarksMd(): void {
  const extraEngine = readdirSync(RESULTS).filter((n) => /^engine-.+\.json$/.test(n));
  const pane = read('pane-stream.json');
  const long = read('long-document.json');
  const memory = read('memory.json');
  const logits = read('last-logits.json');
  const attention = read('attention.json');
  const upstream = read('upstream.json');
  const profile = read('decode-profile.json');
  const sections = [
    ...extraEngine.map((file) => engineSection(read(file) as unknown as EngineReport, file)),
    long && longSection(long),
    memory && memorySection(memory),
    logits && logitsSection(logits),
    attention && attentionSection(attention),
    profile && profileSection(profile),
    pane && paneSection(pane),
    upstream && upstreamSection(upstream),
  ].filter(Boolean);
  writeFileSync(
    path.join(__dirname, '..', 'BENCHMARKS.md'),
    `# Benchmarks\n\nEvery figure below was written by the command named in its section; rerun it to reproduce.\n\n${sections.join('\n')}`,
  );
}

/** Writes one bench's raw results to `bench/results/<file>` and rewrites BENCHMARKS.md from all of them. */
export function saveResult(file: string, result: unknown): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, file), `${JSON.stringify(result, null, 2)}\n`);
  writeBenchmarksMd();
}
