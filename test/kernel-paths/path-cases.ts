/**
 * The float comparisons whose two sides take different paths through onnxruntime's kernels (one row against a
 * blocked product, a rewritten graph against the original, the prompt in one pass or two), run on the tiny
 * models and measured against `same-logits.ts`'s bound. The AVX2 test runs them on this CPU's own path and on
 * the AVX2 path (under valgrind, whose CPU has no AVX-512), so that both are exercised wherever the suite runs.
 */
import { directGraph } from '../helpers/direct-graph';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { kvDeltaName } from '../../localhost-engine/onnx/rewrites/kv-delta';
import { KvCache } from '../../localhost-engine/inference/kv/kv-cache';
import { lastPositionLogits } from '../../localhost-engine/onnx/rewrites/last-logits';
import { createSession } from '../../localhost-engine/inference/session-factory';
import { readDecoderSignature } from '../../localhost-engine/inference/decoder-signature';
import { emptyPast } from '../helpers/empty-past';
import { GENAI_TINY_FIXTURE } from '../helpers/genai-fixture-for-transformers';
import { passFeeds } from '../helpers/pass-feeds';
import { compareLogits, floatsOf } from '../helpers/same-logits';

export interface PathCase {
  name: string;
  /** The worst worst/tolerance over the case's comparisons (≤ 1 passes). */
  ratio: number;
  /** SHA-256 of the compared values' bits: another kernel path gives another digest. */
  digest: string;
}

type Outputs = ort.InferenceSession.OnnxValueMapType;

class Case {
  private ratio = 0;
  private readonly hash = createHash('sha256');

  constructor(readonly name: string) {}

  compare(actual: ort.Tensor | Float32Array, expected: ort.Tensor | Float32Array): void {
    const a = actual instanceof Float32Array ? { values: actual } : floatsOf(actual);
    const e =
      expected instanceof Float32Array
        ? { values: expected, precision: 'float32' as const }
        : floatsOf(expected);
    this.ratio = Math.max(this.ratio, compareLogits(a.values, e.values, e.precision).ratio);
    this.hash.update(Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength));
  }

  result(): PathCase {
    return { name: this.name, ratio: this.ratio, digest: this.hash.digest('hex') };
  }
}

const lastRow = (logits: ort.Tensor): Float32Array => {
  const { values } = floatsOf(logits);
  const vocab = logits.dims[2];
  return values.slice(values.length - vocab);
};

function presentsAsPast(layers: number, out: Outputs): Record<string, ort.Tensor> {
  const past: Record<string, ort.Tensor> = {};
  for (let l = 0; l < layers; l++) {
    for (const kind of ['key', 'value']) past[`past_key_values.${l}.${kind}`] = out[`present.${l}.${kind}`];
  }
  return past;
}

const withWeightsBeside = (file: string): ort.InferenceSession.SessionOptions => ({
  extra: { session: { model_external_initializers_file_folder_path: path.dirname(file) } },
});

/** The LM head on the last position only (onnx/rewrites/last-logits.ts) against the original's last row, pass by pass. */
async function lastLogitsRewrite(name: string, file: string, passes: number[]): Promise<PathCase> {
  const c = new Case(name);
  const original = await ort.InferenceSession.create(file);
  const last = await ort.InferenceSession.create(
    lastPositionLogits(readFileSync(file))!,
    withWeightsBeside(file),
  );
  try {
    const sig = readDecoderSignature(original);
    let past = emptyPast(sig);
    let held = 0;
    for (const n of passes) {
      const feeds = { ...past, ...passFeeds(held, n, false) };
      const [a, b] = [await original.run(feeds), await last.run(feeds)];
      c.compare(lastRow(b.logits), lastRow(a.logits));
      for (let l = 0; l < sig.layers; l++) c.compare(b[`present.${l}.key`], a[`present.${l}.key`]);
      past = presentsAsPast(sig.layers, a);
      held += n;
    }
  } finally {
    await Promise.all([original.release(), last.release()]);
  }
  return c.result();
}

/** num_logits_to_keep = 1 against 0 (every position) on the transformers.js layout. */
async function logitsToKeep(file: string): Promise<PathCase> {
  const c = new Case('num_logits_to_keep 1 against all positions');
  const session = await ort.InferenceSession.create(file);
  try {
    const sig = readDecoderSignature(session);
    const feeds = { ...emptyPast(sig), ...passFeeds(0, 12, true) };
    const one = await session.run(feeds);
    const all = await session.run({ ...feeds, num_logits_to_keep: new ort.Tensor('int64', [0n], []) });
    c.compare(lastRow(one.logits), lastRow(all.logits));
  } finally {
    await session.release();
  }
  return c.result();
}

/** A prompt in one pass against the same prompt in two (the second through the cache). */
async function promptInTwoPasses(name: string, file: string): Promise<PathCase> {
  const c = new Case(name);
  const session = await ort.InferenceSession.create(file);
  try {
    const sig = readDecoderSignature(session);
    const whole = await session.run({ ...emptyPast(sig), ...passFeeds(0, 12, sig.hasLogitsToKeep) });
    const first = await session.run({ ...emptyPast(sig), ...passFeeds(0, 11, sig.hasLogitsToKeep) });
    const second = await session.run({
      ...presentsAsPast(sig.layers, first),
      ...passFeeds(11, 1, sig.hasLogitsToKeep),
    });
    c.compare(lastRow(second.logits), lastRow(whole.logits));
  } finally {
    await session.release();
  }
  return c.result();
}

/** The engine's CPU session (direct attention, last-position logits) against the original graph. */
async function engineSession(file: string): Promise<PathCase> {
  const c = new Case("the engine's CPU session against the original graph");
  const created = await createSession(file, ['cpu'], {
    layers: 2,
    // The original's past is float32: the same feeds go to both.
    cpu: { cacheRoot: null, rewrite: true, halfCache: false },
  });
  const original = await ort.InferenceSession.create(file);
  try {
    const sig = readDecoderSignature(created.session);
    const feeds = { ...emptyPast(sig), ...passFeeds(0, 4, false) };
    c.compare(
      lastRow((await created.session.run(feeds)).logits),
      lastRow((await original.run(feeds)).logits),
    );
  } finally {
    await Promise.all([created.session.release(), original.release()]);
  }
  return c.result();
}

/** Direct attention's decoding steps (MatMuls over the cache in place) against the original attention. */
async function directAttentionSteps(file: string): Promise<PathCase> {
  const c = new Case('direct attention against GroupQueryAttention, prompt then decoding');
  const original = await ort.InferenceSession.create(file);
  const direct = await ort.InferenceSession.create(
    directGraph(readFileSync(file)).model,
    withWeightsBeside(file),
  );
  try {
    const sig = readDecoderSignature(direct);
    const cache = new KvCache(sig, 16);
    const fetches = ['logits'];
    for (let l = 0; l < sig.layers; l++) fetches.push(kvDeltaName(l, 'key'), kvDeltaName(l, 'value'));
    let exact = emptyPast(sig);
    let held = 0;
    for (const n of [6, 1, 1, 1]) {
      const common = passFeeds(held, n, sig.hasLogitsToKeep);
      const want = await original.run({ ...common, ...exact });
      const got = await direct.run({ ...common, ...cache.feeds(held, n) }, fetches);
      c.compare(lastRow(got.logits), lastRow(want.logits));
      cache.append(got, held, n);
      exact = presentsAsPast(sig.layers, want);
      held += n;
    }
  } finally {
    await Promise.all([original.release(), direct.release()]);
  }
  return c.result();
}

/** Every case, in order. */
export async function runPathCases(): Promise<PathCase[]> {
  const genai = path.join(await ensureGeneratedModel({ size: 'tiny', layout: 'genai' }), 'model.onnx');
  const transformers = path.join(
    await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' }),
    'onnx',
    'model_q4.onnx',
  );
  return [
    await lastLogitsRewrite('last-position logits rewrite (generated GenAI layout)', genai, [5, 3]),
    await lastLogitsRewrite(
      'last-position logits rewrite (GenAI builder fixture, float16)',
      path.join(GENAI_TINY_FIXTURE, 'model.onnx'),
      [5, 1],
    ),
    await logitsToKeep(transformers),
    await promptInTwoPasses('a prompt in two passes against one (GenAI layout)', genai),
    await promptInTwoPasses('a prompt in two passes against one (transformers.js layout)', transformers),
    await engineSession(genai),
    await directAttentionSteps(genai),
  ];
}
