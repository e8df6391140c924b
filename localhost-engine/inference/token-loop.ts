/**
 * The greedy token loop over an onnxruntime-node session: prefill, then decode, nothing else. How keys and values
 * travel between passes is the session's `KvStrategy`; how the next token is chosen is `GreedyPicker`.
 *
 * Why our own loop and not transformers.js' `generate`: only our own loop can stop between any two passes on a
 * flag set by another thread, ask the graph for the last position's logits only, prefill in passes, keep the
 * cache where the engine's graphs read it in place, fall back to the CPU mid-request, and report prefill and
 * decode separately (BENCHMARKS.md compares the two on each real export layout).
 */
import type { Tensor } from 'onnxruntime-node';
import type { DecoderSession } from './decoder-session';
import type { DecoderSignature } from './decoder-signature';
import type { KvStrategy } from './kv/kv-strategy';
import { GreedyPicker, type RepetitionControl } from './logits-processing';
import { int64, lastRow } from './tensors';

/** Decoding settings; the defaults are the engine's. */
export interface DecodeSettings extends RepetitionControl {
  maxNewTokens: number;
  eosTokenIds: readonly number[];
  /**
   * Prompt tokens per forward pass: bounds prefill's working memory (attention scores grow with pass × context)
   * and how long a Stop waits; `npm run bench:memory` and BENCHMARKS.md have the measurements behind 256.
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
  /** Called after every forward pass (prefill passes included). */
  onStep?: () => void;
}

export interface LoopResult {
  tokens: number[];
  stopReason: 'eos' | 'length' | 'cancelled';
  prefillMs: number;
  decodeMs: number;
  /** Prompt tokens whose keys and values came from the cache instead of a prompt pass. */
  reusedTokens: number;
}

/**
 * Greedy decoding of `promptIds` on `session`, its keys and values kept by `kv`.
 *
 * Guarantees: stops at an EOS id (not included in `tokens`), at `maxNewTokens`, or before the next forward pass
 * once `hooks.shouldStop()` is true; asks the graph for the last position's logits only when it can; feeds the
 * prompt in `prefillChunk`-token passes after what `kv` already holds; leaves `kv` holding every position it
 * computed (for the next generation), or nothing when a pass throws.
 * @throws whatever onnxruntime throws for a failing run (the caller decides about device fallback).
 */
export async function generateTokens(
  session: DecoderSession,
  sig: DecoderSignature,
  kv: KvStrategy,
  promptIds: readonly number[],
  settings: DecodeSettings,
  hooks: LoopHooks,
): Promise<LoopResult> {
  const picker = new GreedyPicker(promptIds, settings);
  const tokens: number[] = [];
  const eos = new Set(settings.eosTokenIds);
  const capacity = promptIds.length + settings.maxNewTokens + 1;
  const chunk = Math.max(1, settings.prefillChunk);
  let reused = kv.reset(promptIds, capacity, chunk);
  // Positions the cache holds, for the next generation.
  let cached = reused;
  const logitsToKeep = sig.hasLogitsToKeep ? int64([1], []) : null;

  const forward = async (ids: readonly number[], pastLength: number): Promise<Tensor> => {
    const total = pastLength + ids.length;
    const feeds: Record<string, Tensor> = {
      ...kv.feeds(pastLength, ids.length),
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
    const out = kv.fetches ? await session.run(feeds, kv.fetches) : await session.run(feeds);
    kv.afterRun(out, pastLength, ids.length);
    cached = total;
    hooks.onStep?.();
    return out.logits;
  };
  const finish = (stopReason: LoopResult['stopReason'], prefillMs: number, decodeMs: number): LoopResult => {
    kv.hold(picker.sequence.slice(0, cached));
    return { tokens, stopReason, prefillMs, decodeMs, reusedTokens: reused };
  };

  try {
    const prefillStart = performance.now();
    let logits: Tensor | null = null;
    for (let start = reused; start < promptIds.length; start += chunk) {
      if (hooks.shouldStop()) return finish('cancelled', performance.now() - prefillStart, 0);
      try {
        logits = await forward(promptIds.slice(start, start + chunk), start);
      } catch (err) {
        if (start === reused) throw err;
        // Some graphs (GenAI exports with MultiHeadAttention) take several new tokens only with an empty past:
        // prefill those in one pass, at the cost of logits for every prompt position.
        reused = kv.reset([], capacity, promptIds.length);
        cached = 0;
        logits = await forward(promptIds, 0);
        break;
      }
    }
    const prefillMs = performance.now() - prefillStart;
    const decodeStart = performance.now();
    let stopReason: LoopResult['stopReason'] = 'length';
    while (logits) {
      const next = picker.pick(lastRow(logits));
      if (eos.has(next)) {
        stopReason = 'eos';
        break;
      }
      tokens.push(next);
      picker.accept(next);
      hooks.onToken(next);
      if (tokens.length >= settings.maxNewTokens) break;
      if (hooks.shouldStop()) {
        stopReason = 'cancelled';
        break;
      }
      logits = await forward([next], picker.sequence.length - 1);
    }
    return finish(stopReason, prefillMs, performance.now() - decodeStart);
  } catch (err) {
    kv.release();
    throw err;
  }
}
