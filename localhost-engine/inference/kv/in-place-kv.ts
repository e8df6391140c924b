/**
 * One buffer per layer and kind, allocated for a generation and filled from each pass's delta outputs
 * (`kv-cache.ts`): only the new positions cross into JavaScript. What it holds after a generation (the prompt as
 * far as it was read, and the answer fed back) stays for the next one, whose prompt may start the same way (the
 * prompt cache): those positions are read from here instead of run through the model again.
 */
import type { InferenceSession, Tensor } from 'onnxruntime-node';
import type { DecoderSignature } from '../decoder-signature';
import { KvCache } from './kv-cache';
import { sharedPrefix, type KvStrategy } from './kv-strategy';
import { kvDeltaName } from '../../onnx/rewrites/kv-delta';

export class InPlaceKv implements KvStrategy {
  readonly name = 'in-place';
  readonly fetches: readonly string[];
  private cache: KvCache | null = null;
  /** The tokens whose keys and values `cache` holds, position by position. */
  private ids: readonly number[] = [];

  constructor(private readonly sig: DecoderSignature) {
    const fetches = ['logits'];
    for (let l = 0; l < sig.layers; l++) fetches.push(kvDeltaName(l, 'key'), kvDeltaName(l, 'value'));
    this.fetches = fetches;
  }

  reset(promptIds: readonly number[], capacity: number, passSize: number): number {
    const reused = this.cache ? this.heldPrefix(promptIds) : 0;
    const firstPass = Math.min(passSize, promptIds.length - reused);
    // The held buffers are this generation's now (or garbage): nothing else refers to them.
    this.cache =
      reused > 0 ? this.cache!.reopened(capacity, reused, firstPass) : new KvCache(this.sig, capacity);
    this.ids = [];
    return reused;
  }

  feeds(pastLength: number, n: number): Record<string, Tensor> {
    return this.cache!.feeds(pastLength, n);
  }

  afterRun(out: InferenceSession.OnnxValueMapType, pastLength: number, n: number): void {
    this.cache!.append(out, pastLength, n);
  }

  /** What the cache holds between generations: the buffers and the tokens whose keys and values are in them. */
  get held(): { cache: KvCache; ids: readonly number[] } | null {
    return this.cache && this.ids.length > 0 ? { cache: this.cache, ids: this.ids } : null;
  }

  heldPrefix(ids: readonly number[]): number {
    return sharedPrefix(this.ids, ids, ids.length - 1);
  }

  hold(ids: readonly number[]): void {
    this.ids = ids.length > 0 ? [...ids] : [];
    if (this.ids.length === 0) this.cache = null;
  }

  release(): void {
    this.cache = null;
    this.ids = [];
  }
}
