/**
 * `npm run bench:profile -- [--layout ms-cpu-int4] [--size phi3-mini] [--context 512] [--tokens 17] [--reps 2]`:
 * where the engine's CPU graph spends a prompt token's and a decoded token's time, from onnxruntime's own profile
 * (per operator), and what the levers the engine controls do to decode speed: intra-op threads, thread-pool
 * spinning and the cache's type (`--kv-cache`), each setting its own session in one process, in alternating order. Writes
 * `bench/results/decode-profile.json` and its section of BENCHMARKS.md.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { InferenceSession } from 'onnxruntime-node';
import { ensureGeneratedModel } from '../models/ensure-generated-model';
import type { ModelSize } from '../models/model-sizes';
import { isRealLayout } from '../models/layouts/registry';
import { inspectModelFolder } from '../localhost-engine/inference/model-folder';
import { openSource } from '../localhost-engine/inference/optimized-model';
import { cpuGraph } from '../localhost-engine/inference/session-graph';
import { sessionOptions } from '../localhost-engine/inference/session-factory';
import { readDecoderSignature } from '../localhost-engine/inference/decoder-signature';
import { kvStrategyFor } from '../localhost-engine/inference/kv/kv-strategy';
import { DEFAULT_DECODE, generateTokens } from '../localhost-engine/inference/token-loop';
import { benchPrompt } from './bench-prompt';
import { saveResult } from './benchmarks-md';
import { machineLine, median } from './summary';

const { values } = parseArgs({
  options: {
    layout: { type: 'string', default: 'ms-cpu-int4' },
    size: { type: 'string', default: 'phi3-mini' },
    context: { type: 'string', default: '512' },
    tokens: { type: 'string', default: '17' },
    reps: { type: 'string', default: '2' },
  },
});

/** The settings compared: onnxruntime's defaults as the engine opens the session, and one lever changed each. */
const SETTINGS: Record<string, Setting> = {
  'engine default (all cores, spinning, float16 cache)': {},
  'spinning off': { spinning: false },
  'one thread': { threads: 1 },
  "the model's float32 cache (--kv-cache model)": { modelCache: true },
};

interface Setting {
  threads?: number;
  spinning?: boolean;
  modelCache?: boolean;
}

interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}

async function open(
  source: Awaited<ReturnType<typeof cpuGraph>>['source'],
  layers: number,
  setting: Setting,
  profile?: string,
): Promise<InferenceSession> {
  const options = sessionOptions('cpu', layers, setting.threads);
  const spinning = setting.spinning === false ? { intra_op: { allow_spinning: '0' } } : {};
  return openSource(source, {
    ...options,
    ...(profile ? { enableProfiling: true, profileFilePrefix: profile } : {}),
    extra: { session: spinning },
  });
}

/** Greedy decoding after a `context`-token prompt; the decode rate from the tokens' arrival times. */
async function decodeRate(session: InferenceSession, context: number, count: number): Promise<number> {
  const sig = readDecoderSignature(session, { pastInBuffer: true });
  const times: number[] = [];
  await generateTokens(
    session,
    sig,
    kvStrategyFor(sig),
    benchPrompt(context),
    { ...DEFAULT_DECODE, maxNewTokens: count, eosTokenIds: [] },
    { shouldStop: () => false, onToken: () => times.push(performance.now()) },
  );
  return (times.length - 1) / ((times.at(-1)! - times[0]) / 1000);
}

/**
 * Milliseconds per token by operator over the profile's runs `from` to `to` (session runs, in order), `perRun`
 * tokens each. Kernels inside an `If` branch are profiled themselves, so the `If` node's own time is left out of
 * the operators; what no kernel accounts for (scheduling, feeds and fetches) is its own row.
 */
function perOperator(
  events: ProfileEvent[],
  from: number,
  to: number,
  tokens: number,
): Record<string, number> {
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').slice(from, to);
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  const totals: Record<string, number> = {};
  for (const run of runs) {
    let inKernels = 0;
    for (const k of kernels) {
      if (k.ts < run.ts || k.ts > run.ts + run.dur) continue;
      const op = k.args?.op_name ?? 'unknown';
      if (op === 'If') continue;
      totals[op] = (totals[op] ?? 0) + k.dur;
      inKernels += k.dur;
    }
    totals['outside kernels'] = (totals['outside kernels'] ?? 0) + run.dur - inKernels;
  }
  return Object.fromEntries(
    Object.entries(totals)
      .map(([op, us]) => [op, Number((us / tokens / 1000).toFixed(3))] as const)
      .sort((a, b) => b[1] - a[1]),
  );
}

async function main(): Promise<void> {
  if (!isRealLayout(values.layout))
    throw new Error(`--layout must be a real export layout, not ${values.layout}`);
  const size = values.size as ModelSize;
  const context = Number(values.context);
  const tokens = Number(values.tokens);
  const dir = await ensureGeneratedModel({ size, layout: values.layout });
  const folder = await inspectModelFolder(dir, 'cpu');
  const { source, graph } = await cpuGraph(folder.modelFile, { halfCache: true });
  const modelCache = (await cpuGraph(folder.modelFile, { halfCache: false })).source;
  const layers = folder.layers ?? 0;

  const rates: Record<string, number[]> = Object.fromEntries(Object.keys(SETTINGS).map((k) => [k, []]));
  const names = Object.keys(SETTINGS);
  for (let r = 0; r < Number(values.reps); r++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + r) % names.length];
      console.error(`repetition ${r + 1}: ${name}…`);
      const setting = SETTINGS[name];
      const session = await open(setting.modelCache ? modelCache : source, layers, setting);
      await decodeRate(session, 16, 3);
      rates[name].push(Number((await decodeRate(session, context, tokens)).toFixed(2)));
      await session.release();
    }
  }

  console.error('profile…');
  const profiles = mkdtempSync(path.join(os.tmpdir(), 'localscribe-profile-'));
  let perToken: Record<string, number>;
  let perPromptToken: Record<string, number>;
  try {
    const session = await open(source, layers, {}, path.join(profiles, 'run'));
    await decodeRate(session, context, tokens);
    session.endProfiling();
    await session.release();
    const file = readdirSync(profiles).find((n) => n.endsWith('.json'));
    if (!file) throw new Error('onnxruntime wrote no profile');
    const events = JSON.parse(readFileSync(path.join(profiles, file), 'utf8')) as ProfileEvent[];
    const prefillRuns = Math.ceil(context / DEFAULT_DECODE.prefillChunk);
    perPromptToken = perOperator(events, 0, prefillRuns, context);
    perToken = perOperator(events, prefillRuns, prefillRuns + tokens - 1, tokens - 1);
  } finally {
    rmSync(profiles, { recursive: true, force: true });
  }

  saveResult('decode-profile.json', {
    date: new Date().toISOString(),
    machine: machineLine(),
    command: [
      'npm run bench:profile',
      ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : []),
    ].join(' '),
    layout: values.layout,
    size,
    context,
    tokens,
    graph: { attention: graph.attention, logits: graph.logits },
    decodeTokensPerSecond: rates,
    medians: Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, Number(median(v).toFixed(2))])),
    perTokenMs: perToken,
    perPromptTokenMs: perPromptToken,
  });
}

main().catch((err: Error) => {
  console.error(err);
  process.exitCode = 1;
});
