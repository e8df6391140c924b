/**
 * The token loop's KV cache when the graph has KV delta outputs: one buffer per layer and kind, allocated once
 * for a generation (and kept for the next one when it starts with the same tokens: `reopened`, the prompt cache: `in-place-kv.ts`),
 * that the loop fills from each pass's new keys and values.
 *
 * The past fed to the graph views the start of each buffer as `[1, kv_heads, stride, head_size]`: each head's
 * rows are `stride` positions apart, and the positions from the past's length to `stride` are unused (the graph
 * masks them). Within a generation the stride grows only when a pass needs room, by moving each head's rows to
 * their new place inside the same buffer, so the graph never reads (or, for GroupQueryAttention, copies and
 * zero-fills) a past sized for the whole generation:
 * - a prompt pass gets exactly the room it fills, so its attention reads nothing unused;
 * - decoding grows the stride by about 2·√length positions at a time, which balances the cost of moving the
 *   cache (once per growth) against reading unused positions (every step).
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import * as ort from 'onnxruntime-node';
import { kvDeltaName } from '../../onnx/rewrites/kv-delta';

export interface KvLayout {
  layers: number;
  kvHeads: number;
  headSize: number;
  kvType: 'float32' | 'float16';
}

type Buffer = Float32Array | Uint16Array;

/**
 * `data` as the same kind of array as `target`, its bits untouched: where the runtime has Float16Array (Node 24),
 * onnxruntime-common hands float16 outputs over as one, and setting its values into a Uint16Array would convert them.
 */
function sameKind(target: Buffer, data: ArrayBufferView): Buffer {
  if (data instanceof target.constructor) return data as Buffer;
  return target instanceof Uint16Array
    ? new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2)
    : new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
}

export class KvCache {
  /** Positions between one head's rows and the next's in every buffer. */
  stride = 0;
  private readonly buffers: Array<{ key: Buffer; value: Buffer }> = [];
  private past: Record<string, OrtTensor> | null = null;

  /** @param capacity the most positions the generation can hold (prompt, new tokens and one spare). */
  constructor(
    private readonly layout: KvLayout,
    readonly capacity: number,
  ) {
    const size = layout.kvHeads * capacity * layout.headSize;
    const make = (): Buffer => (layout.kvType === 'float16' ? new Uint16Array(size) : new Float32Array(size));
    for (let l = 0; l < layout.layers; l++) this.buffers.push({ key: make(), value: make() });
  }

  /**
   * Makes room for a pass of `n` new positions after `pastLength` held ones and returns the past to feed it.
   * @throws RangeError when the pass does not fit in the capacity.
   */
  feeds(pastLength: number, n: number): Record<string, OrtTensor> {
    const needed = pastLength + n;
    if (needed > this.capacity) {
      throw new RangeError(`the KV cache holds ${this.capacity} positions; this pass needs ${needed}`);
    }
    if (needed > this.stride) {
      const room = n > 1 ? needed : needed + Math.ceil(2 * Math.sqrt(needed));
      this.grow(Math.min(this.capacity, room), pastLength);
    }
    if (!this.past) {
      const { kvHeads, headSize, kvType, layers } = this.layout;
      const dims = [1, kvHeads, this.stride, headSize];
      const length = kvHeads * this.stride * headSize;
      const past: Record<string, OrtTensor> = {};
      for (let l = 0; l < layers; l++) {
        for (const kind of ['key', 'value'] as const) {
          const data = this.buffers[l][kind].subarray(0, length);
          past[`past_key_values.${l}.${kind}`] =
            kvType === 'float16'
              ? new ort.Tensor('float16', data as Uint16Array, dims)
              : new ort.Tensor('float32', data as Float32Array, dims);
        }
      }
      this.past = past;
    }
    return this.past;
  }

  /** Writes a pass's new positions, [pastLength, pastLength + n), from its delta outputs. */
  append(out: InferenceSession.OnnxValueMapType, pastLength: number, n: number): void {
    const { kvHeads, headSize, layers } = this.layout;
    const rowSize = n * headSize;
    for (let l = 0; l < layers; l++) {
      for (const kind of ['key', 'value'] as const) {
        const target = this.buffers[l][kind];
        const source = sameKind(target, out[kvDeltaName(l, kind)].data as ArrayBufferView);
        for (let h = 0; h < kvHeads; h++) {
          target.set(
            source.subarray(h * rowSize, (h + 1) * rowSize),
            (h * this.stride + pastLength) * headSize,
          );
        }
      }
    }
  }

  /**
   * This cache, or a larger copy of it, for the next generation (up to `capacity` positions) whose prompt starts
   * with this cache's first `held` positions: they stay, every head's where the graph expects them, and the stride
   * becomes `held + next`, the room the next generation's first prompt pass (of `next` tokens) fills, so that pass
   * sees only the positions it attends to. The rest of the buffers is stale and masked, as usual.
   * @throws RangeError when the cache holds fewer than `held` positions, or `held + next` exceeds `capacity`.
   */
  reopened(capacity: number, held: number, next: number): KvCache {
    if (held > this.stride)
      throw new RangeError(`the KV cache holds ${this.stride} positions; ${held} were asked for`);
    if (held + next > capacity)
      throw new RangeError(`the KV cache holds ${capacity} positions; this pass needs ${held + next}`);
    if (capacity <= this.capacity) {
      this.grow(held + next, held);
      return this;
    }
    const larger = new KvCache(this.layout, capacity);
    larger.stride = held + next;
    const { kvHeads, headSize } = this.layout;
    this.buffers.forEach((pair, l) => {
      for (const kind of ['key', 'value'] as const) {
        for (let h = 0; h < kvHeads; h++) {
          const from = h * this.stride * headSize;
          larger.buffers[l][kind].set(
            pair[kind].subarray(from, from + held * headSize),
            h * larger.stride * headSize,
          );
        }
      }
    });
    return larger;
  }

  /**
   * Moves every head's first `held` positions from the current stride to `stride`: last head first when the
   * stride grows, first head first when it shrinks, so that no row is overwritten before it moves.
   */
  private grow(stride: number, held: number): void {
    const { kvHeads, headSize } = this.layout;
    if (held > 0 && stride !== this.stride) {
      const heads = Array.from({ length: kvHeads - 1 }, (_, i) => i + 1);
      if (stride > this.stride) heads.reverse();
      for (const pair of this.buffers) {
        for (const buffer of [pair.key, pair.value]) {
          for (const h of heads) {
            buffer.copyWithin(
              h * stride * headSize,
              h * this.stride * headSize,
              (h * this.stride + held) * headSize,
            );
          }
        }
      }
    }
    this.stride = stride;
    this.past = null;
  }
}
