/**
 * How a session's keys and values travel between passes: one strategy per model, chosen once when its session
 * opens (`kvStrategyFor`), each in a small file of its own. The token loop only calls these methods.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { DecoderSignature } from '../decoder-signature';
import { InPlaceKv } from './in-place-kv';
import { PresentKv } from './present-kv';

export interface KvStrategy {
  /** For logs: `in-place` or `present`. */
  readonly name: string;
  /**
   * Starts a generation of at most `capacity` positions for `promptIds` and returns how many of its first tokens
   * the cache already holds from the last generation (never the last token, whose logits the loop needs);
   * prompt passes are at most `passSize` tokens long.
   */
  reset(promptIds: readonly number[], capacity: number, passSize: number): number;
  /** The past to feed a pass of `n` new positions after `pastLength` held ones. */
  feeds(pastLength: number, n: number): Record<string, Tensor>;
  /** The outputs to fetch (undefined: all of them). */
  readonly fetches: readonly string[] | undefined;
  /** Takes in a pass's keys and values. */
  afterRun(out: InferenceSession.OnnxValueMapType, pastLength: number, n: number): void;
  /** How many leading tokens of `ids` the next `reset` would find in the cache (at most all but the last). */
  heldPrefix(ids: readonly number[]): number;
  /** Says which tokens' keys and values the cache holds now (positions 0 … ids.length − 1), for the next one. */
  hold(ids: readonly number[]): void;
  /** Lets go of everything the cache holds. */
  release(): void;
}

/**
 * The strategy for a session: the in-place cache where the graph returns only new keys and values and reads a past
 * longer than it holds (the engine's CPU graphs), else the present fed back as the next past (GPU sessions, whose
 * presents stay on the device, and graphs the engine could not rewrite).
 */
export function kvStrategyFor(sig: DecoderSignature): KvStrategy {
  return sig.kvDelta && sig.pastInBuffer ? new InPlaceKv(sig) : new PresentKv(sig);
}

/** How many leading tokens `a` and `b` share, at most `limit`. */
export function sharedPrefix(a: readonly number[], b: readonly number[], limit: number): number {
  let n = 0;
  while (n < limit && n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
