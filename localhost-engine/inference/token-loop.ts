/**
 * The greedy token loop over an onnxruntime-node session.
 *
 * Why our own loop and not transformers.js' `generate`: measured on this machine's CPU on a Phi-3-mini-sized
 * int4 decoder (../GUIDE.md, "Measured here"; `npm run bench` re-measures it), the plain loop loads 20–40 %
 * faster and decodes slightly faster, and only our own loop can (a) stop between any two steps on a flag set by
 * another thread, (b) ask the graph for the last position's logits only (`num_logits_to_keep`) or prefill in
 * chunks when the graph has no such input, (c) fall back to the CPU mid-request, and (d) report prefill and
 * decode separately. transformers.js still provides the tokenizer and chat template, and is the independent
 * reference the tests compare this loop's tokens with.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import type { DecoderSession } from './decoder-session';
import * as ort from 'onnxruntime-node';
import { kvDeltaName } from '../onnx/rewrites/kv-delta';
import { KvCache } from './kv-cache';

type Feeds = Record<string, OrtTensor>;

/** What the loop needs to know about a decoder graph's inputs and outputs. */
export interface DecoderSignature {
  layers: number;
  kvHeads: number;
  headSize: number;
  kvType: 'float32' | 'float16';
  hasPositionIds: boolean;
  hasLogitsToKeep: boolean;
  /**
   * The graph's attention (GroupQueryAttention) reads a past buffer longer than the tokens it holds, so the cache
   * can be one buffer per layer sized for the whole generation, filled in place: with `kvDelta`, from the graph's
   * delta outputs (the fastest: only the new positions cross into JavaScript; `kv-cache.ts`); without, by passing the buffer as
   * a preallocated `present` output too. Otherwise each step's present is fed back as the next past.
   * `npm run bench:kv` measures the three on the phi3-mini-sized model; the cross-check tests compare them with
   * transformers.js' tokens.
   */
  sharedKvCache: boolean;
  /** The graph has `present_delta.N.key|value` outputs (onnx/rewrites/kv-delta.ts). */
  kvDelta: boolean;
}

/**
 * Reads the KV-cache layout from the session's input metadata.
 * @throws Error when the graph lacks `input_ids`, `attention_mask` or `past_key_values.N.key/value`.
 */
export function readDecoderSignature(
  session: DecoderSession,
  fallback: { kvHeads?: number; headSize?: number } = {},
): DecoderSignature {
  const names = session.inputNames;
  for (const required of [
    'input_ids',
    'attention_mask',
    'past_key_values.0.key',
    'past_key_values.0.value',
  ]) {
    if (!names.includes(required)) {
      throw new Error(
        `The model is not a decoder this engine can run: its graph has no "${required}" input.`,
      );
    }
  }
  const layers = names.filter((n) => /^past_key_values\.\d+\.key$/.test(n)).length;
  const meta = session.inputMetadata.find((m) => m.name === 'past_key_values.0.key');
  let kvHeads = fallback.kvHeads;
  let headSize = fallback.headSize;
  let kvType: DecoderSignature['kvType'] = 'float32';
  if (meta && meta.isTensor) {
    const [, heads, , size] = meta.shape;
    if (typeof heads === 'number') kvHeads = heads;
    if (typeof size === 'number') headSize = size;
    if (meta.type === 'float16') kvType = 'float16';
  }
  if (!kvHeads || !headSize) {
    throw new Error(
      'Cannot tell the KV-cache shape: the graph has symbolic head dimensions and no config says them.',
    );
  }
  return {
    layers,
    kvHeads,
    headSize,
    kvType,
    hasPositionIds: names.includes('position_ids'),
    hasLogitsToKeep: names.includes('num_logits_to_keep'),
    sharedKvCache: false,
    kvDelta: session.outputNames.includes(kvDeltaName(0, 'key')),
  };
}

/** Decoding settings; the defaults are the engine's. */
export interface DecodeSettings {
  maxNewTokens: number;
  eosTokenIds: readonly number[];
  /** HF-style repetition penalty over every token seen (prompt and output); 1 disables it. */
  repetitionPenalty: number;
  /** Bans any n-gram that already occurred (prompt and output); 0 disables it. */
  noRepeatNgramSize: number;
  /**
   * Prompt tokens per forward pass. Bounds prefill's working memory — attention scores grow with chunk × context
   * (0.5 GB for a 2,048-token prompt in one pass on Phi-3-mini, 0.13 GB in 512-token chunks), and the new keys
   * and values a pass hands to JavaScript (0.75 MB per token, held twice until copied into the cache) — and the
   * logits a pass returns when the graph cannot limit them to the last position. On Phi-3-mini at 2,048 tokens,
   * `npm run bench:memory` measured 256 against 512: 0.5 GB less at the peak, prefill as fast. 128 holds 250 MB
   * less again but costs prefill time: alternated five times each (`bench/engine-runner.ts --prefill-chunk N
   * --prompts 512,2048`), 27.7 against 28.5 tok/s at 2,048 tokens (level at 512), and `npm run bench` with 128
   * put prefill under transformers.js' (0.96× and 0.97×, against 1.01× and 1.09× with 256).
   */
  prefillChunk: number;
}

export const DEFAULT_DECODE: Omit<DecodeSettings, 'maxNewTokens' | 'eosTokenIds'> = {
  repetitionPenalty: 1.1,
  noRepeatNgramSize: 4,
  prefillChunk: 256,
};

export interface LoopHooks {
  /** Checked before every forward pass; true stops the loop (the result says `cancelled`). */
  shouldStop: () => boolean;
  /** Called for each generated token, in order, before the next step starts. */
  onToken: (tokenId: number) => void;
  /** Called after every forward pass (prefill chunks included) — the observable step counter. */
  onStep?: () => void;
}

export interface LoopResult {
  tokens: number[];
  stopReason: 'eos' | 'length' | 'cancelled';
  prefillMs: number;
  decodeMs: number;
  /** Prompt tokens whose keys and values came from `held` instead of a prompt pass. */
  reusedTokens: number;
  /** The cache this generation leaves (in-place cache graphs only), for the next one. */
  held: HeldCache | null;
}

/**
 * The KV cache a generation leaves behind: the keys and values of `ids`, positions 0 to ids.length − 1 (the
 * prompt as far as it was read, and every generated token it fed back: all but the last, unless it stopped at an
 * EOS). The next generation whose prompt starts with the same tokens reads them from here instead of running them
 * through the model again, in the same buffers when they are large enough (else in a larger copy).
 */
export interface HeldCache {
  cache: KvCache;
  ids: number[];
}

/** How many leading tokens `a` and `b` share, at most `limit`. */
export function sharedPrefix(a: readonly number[], b: readonly number[], limit: number): number {
  let n = 0;
  while (n < limit && n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

const HALF_EXP = new Float32Array(32);
for (let e = 0; e < 32; e++) HALF_EXP[e] = Math.pow(2, e - 15);

/** IEEE half → float, for graphs that return float16 logits (onnxruntime-node hands them over as Uint16Array). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * Math.pow(2, -14) * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * HALF_EXP[exp] * (1 + frac / 1024);
}

/** Copies the last row of `logits` ([1, n, vocab]) into a fresh Float32Array. */
function lastRow(logits: OrtTensor): Float32Array {
  const vocab = logits.dims[logits.dims.length - 1];
  const rows = logits.size / vocab;
  const offset = (rows - 1) * vocab;
  if (logits.type === 'float32') return (logits.data as Float32Array).slice(offset, offset + vocab);
  if (logits.type === 'float16') {
    const src = logits.data as unknown as ArrayLike<number>;
    const out = new Float32Array(vocab);
    // Float16Array (where it exists) yields numbers already; Uint16Array yields raw bits.
    const raw = src instanceof Uint16Array;
    for (let i = 0; i < vocab; i++) out[i] = raw ? halfToFloat(src[offset + i]) : src[offset + i];
    return out;
  }
  throw new Error(`Unsupported logits type ${logits.type}.`);
}

/** Applies repetition penalty and the n-gram ban in place, exactly as transformers.js' processors do. */
function applyRepetitionControl(
  row: Float32Array,
  history: number[],
  seen: Set<number>,
  s: DecodeSettings,
): void {
  if (s.repetitionPenalty !== 1) {
    for (const id of seen) {
      if (id >= row.length) continue;
      row[id] = row[id] < 0 ? row[id] * s.repetitionPenalty : row[id] / s.repetitionPenalty;
    }
  }
  const n = s.noRepeatNgramSize;
  if (n > 0 && history.length + 1 >= n) {
    const prefixStart = history.length - (n - 1);
    for (let i = 0; i + n <= history.length; i++) {
      let match = true;
      for (let j = 0; j < n - 1; j++) {
        if (history[i + j] !== history[prefixStart + j]) {
          match = false;
          break;
        }
      }
      if (match) row[history[i + n - 1]] = -Infinity;
    }
  }
}

function argmax(row: Float32Array): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < row.length; i++) {
    if (row[i] > bestValue) {
      bestValue = row[i];
      best = i;
    }
  }
  return best;
}

/** An int64 tensor of `values` (token ids, positions, masks). */
export function int64(values: ArrayLike<number>, dims: number[]): OrtTensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return new ort.Tensor('int64', data, dims);
}

/** A zeroed cache of `length` positions for one layer's keys or values. */
function cacheTensor(sig: DecoderSignature, length: number): OrtTensor {
  const dims = [1, sig.kvHeads, length, sig.headSize];
  const size = sig.kvHeads * length * sig.headSize;
  return sig.kvType === 'float16'
    ? new ort.Tensor('float16', new Uint16Array(size), dims)
    : new ort.Tensor('float32', new Float32Array(size), dims);
}

/**
 * Greedy decoding of `promptIds` on `session`.
 *
 * Guarantees: stops at an EOS id (not included in `tokens`), at `maxNewTokens`, or before the next forward pass
 * once `hooks.shouldStop()` is true; asks the graph for the last position's logits only when it can, and
 * feeds the prompt in `prefillChunk`-token passes (one pass when it is shorter). With `held` (the last
 * generation's cache, graphs with the in-place cache only), the prompt's tokens that start it the same way are
 * read from there (all but the last prompt token at most); `held` is consumed: its buffers are overwritten, and
 * the result's `held` is what to pass next.
 * @throws whatever onnxruntime throws for a failing run (the caller decides about device fallback).
 */
export async function greedyLoop(
  session: DecoderSession,
  sig: DecoderSignature,
  promptIds: readonly number[],
  settings: DecodeSettings,
  hooks: LoopHooks,
  held: HeldCache | null = null,
): Promise<LoopResult> {
  const history = [...promptIds];
  const seen = new Set(history);
  const tokens: number[] = [];
  const eos = new Set(settings.eosTokenIds);
  // Shared modes: one buffer per layer for the whole generation, sized for the prompt and every new token; with
  // delta outputs, `KvCache` feeds only the part of it a pass needs.
  const capacity = promptIds.length + settings.maxNewTokens + 1;
  const delta = sig.sharedKvCache && sig.kvDelta;
  const emptyPast = (): Feeds => {
    const feeds: Feeds = {};
    if (delta) return feeds;
    for (let l = 0; l < sig.layers; l++) {
      feeds[`past_key_values.${l}.key`] = cacheTensor(sig, sig.sharedKvCache ? capacity : 0);
      feeds[`past_key_values.${l}.value`] = cacheTensor(sig, sig.sharedKvCache ? capacity : 0);
    }
    return feeds;
  };
  let past = emptyPast();
  // The prompt's start may already be in the last generation's cache; the last prompt token always goes through
  // the model, for its logits.
  let reused = delta && held ? sharedPrefix(held.ids, promptIds, promptIds.length - 1) : 0;
  const firstPass = Math.min(Math.max(1, settings.prefillChunk), promptIds.length - reused);
  let cache = delta
    ? reused > 0
      ? held!.cache.reopened(capacity, reused, firstPass)
      : new KvCache(sig, capacity)
    : null;
  // The held buffers are this generation's now, or garbage: no reference keeps them alive past this point.
  held = null;
  // Positions the cache holds, for the next generation.
  let cached = reused;
  const logitsToKeep = sig.hasLogitsToKeep ? int64([1], []) : null;
  const deltaFetches = ['logits'];
  if (delta) {
    for (let l = 0; l < sig.layers; l++) deltaFetches.push(kvDeltaName(l, 'key'), kvDeltaName(l, 'value'));
  }

  const forward = async (ids: readonly number[], pastLength: number): Promise<OrtTensor> => {
    const total = pastLength + ids.length;
    const feeds: Feeds = {
      ...(cache ? cache.feeds(pastLength, ids.length) : past),
      input_ids: int64(ids, [1, ids.length]),
      attention_mask: int64(new Array<number>(total).fill(1), [1, total]),
    };
    if (sig.hasPositionIds) {
      feeds.position_ids = int64(
        Array.from({ length: ids.length }, (_, i) => pastLength + i),
        [1, ids.length],
      );
    }
    if (logitsToKeep) feeds.num_logits_to_keep = logitsToKeep;
    if (cache) {
      const out = await session.run(feeds, deltaFetches);
      cache.append(out, pastLength, ids.length);
      cached = total;
      hooks.onStep?.();
      return out.logits;
    }
    if (sig.sharedKvCache) {
      // The same tensors as past and preallocated present: attention writes the new positions in place, then
      // onnxruntime-node 1.30 returns a copy of every present, the whole buffer every step (why the delta outputs
      // above are faster).
      const fetches: Record<string, OrtTensor | null> = { logits: null };
      for (const [name, tensor] of Object.entries(past))
        fetches[name.replace('past_key_values.', 'present.')] = tensor;
      const out = await session.run(feeds, fetches as InferenceSession.FetchesType);
      hooks.onStep?.();
      return out.logits;
    }
    const out = await session.run(feeds);
    const next: Feeds = {};
    for (let l = 0; l < sig.layers; l++) {
      next[`past_key_values.${l}.key`] = out[`present.${l}.key`];
      next[`past_key_values.${l}.value`] = out[`present.${l}.value`];
    }
    past = next;
    hooks.onStep?.();
    return out.logits;
  };

  const prefillStart = performance.now();
  const chunk = Math.max(1, settings.prefillChunk);
  let logits: OrtTensor | null = null;
  const leave = (): HeldCache | null =>
    cache && cached > 0 ? { cache, ids: history.slice(0, cached) } : null;
  for (let start = reused; start < promptIds.length; start += chunk) {
    if (hooks.shouldStop()) {
      return {
        tokens,
        stopReason: 'cancelled',
        prefillMs: performance.now() - prefillStart,
        decodeMs: 0,
        reusedTokens: reused,
        held: leave(),
      };
    }
    try {
      logits = await forward(promptIds.slice(start, start + chunk), start);
    } catch (err) {
      if (start === reused) throw err;
      // Some graphs (GenAI exports with MultiHeadAttention) take several new tokens only with an empty past:
      // prefill those in one pass, at the cost of logits for every prompt position.
      past = emptyPast();
      if (cache) cache = new KvCache(sig, capacity);
      reused = 0;
      cached = 0;
      logits = await forward(promptIds, 0);
      break;
    }
  }
  const prefillMs = performance.now() - prefillStart;
  const decodeStart = performance.now();
  let stopReason: LoopResult['stopReason'] = 'length';
  while (logits) {
    const row = lastRow(logits);
    applyRepetitionControl(row, history, seen, settings);
    const next = argmax(row);
    if (eos.has(next)) {
      stopReason = 'eos';
      break;
    }
    tokens.push(next);
    history.push(next);
    seen.add(next);
    hooks.onToken(next);
    if (tokens.length >= settings.maxNewTokens) break;
    if (hooks.shouldStop()) {
      stopReason = 'cancelled';
      break;
    }
    logits = await forward([next], history.length - 1);
  }
  return {
    tokens,
    stopReason,
    prefillMs,
    decodeMs: performance.now() - decodeStart,
    reusedTokens: reused,
    held: leave(),
  };
}
