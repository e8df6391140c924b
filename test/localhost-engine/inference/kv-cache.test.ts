/**
 * The token loop's KV cache: the past it feeds is `[1, kv_heads, stride, head_size]` over its own buffers, a
 * prompt pass gets exactly the room it fills, decoding gets room to grow into, and growing (or reopening for the
 * next generation) keeps every head's held positions where the graph expects them.
 */
import type { InferenceSession } from 'onnxruntime-node';
import * as ort from 'onnxruntime-node';
import { KvCache, type KvLayout } from '../../../localhost-engine/inference/kv/kv-cache';
import { kvDeltaName } from '../../../localhost-engine/onnx/rewrites/kv-delta';

const layout: KvLayout = { layers: 2, kvHeads: 3, headSize: 4, kvType: 'float32' };

/** Delta outputs whose every number says where it belongs: layer, kind, head, position, dimension. */
function deltas(pastLength: number, n: number): InferenceSession.OnnxValueMapType {
  const out: Record<string, ort.Tensor> = {};
  for (let l = 0; l < layout.layers; l++) {
    for (const [k, kind] of (['key', 'value'] as const).entries()) {
      const data = new Float32Array(layout.kvHeads * n * layout.headSize);
      for (let h = 0; h < layout.kvHeads; h++) {
        for (let p = 0; p < n; p++) {
          for (let d = 0; d < layout.headSize; d++) {
            data[(h * n + p) * layout.headSize + d] = code(l, k, h, pastLength + p, d);
          }
        }
      }
      out[kvDeltaName(l, kind)] = new ort.Tensor('float32', data, [1, layout.kvHeads, n, layout.headSize]);
    }
  }
  return out;
}

const code = (layer: number, kind: number, head: number, position: number, dim: number): number =>
  layer * 1e6 + kind * 1e5 + head * 1e4 + position * 10 + dim;

/** Checks that the past fed for the next pass holds positions [0, held) of every head where they belong. */
function expectHeld(cache: KvCache, past: Record<string, ort.Tensor>, held: number): void {
  for (let l = 0; l < layout.layers; l++) {
    for (const [k, kind] of (['key', 'value'] as const).entries()) {
      const tensor = past[`past_key_values.${l}.${kind}`];
      expect(tensor.dims).toEqual([1, layout.kvHeads, cache.stride, layout.headSize]);
      const data = tensor.data as Float32Array;
      for (let h = 0; h < layout.kvHeads; h++) {
        for (let p = 0; p < held; p++) {
          const at = (h * cache.stride + p) * layout.headSize;
          expect(Array.from(data.subarray(at, at + layout.headSize))).toEqual(
            [0, 1, 2, 3].map((d) => code(l, k, h, p, d)),
          );
        }
      }
    }
  }
}

describe('KvCache', () => {
  it('gives a prompt pass exactly the room it fills, and decoding room to grow into', () => {
    const cache = new KvCache(layout, 200);
    expect(cache.feeds(0, 5)['past_key_values.0.key'].dims).toEqual([1, 3, 5, 4]);
    cache.append(deltas(0, 5), 0, 5);
    expect(cache.feeds(5, 7)['past_key_values.1.value'].dims).toEqual([1, 3, 12, 4]);
    cache.append(deltas(5, 7), 5, 7);
    // 13 positions needed, plus about 2·√13 to grow into.
    expect(cache.feeds(12, 1)['past_key_values.0.key'].dims).toEqual([1, 3, 13 + 8, 4]);
    // Within that room the same tensors are fed again: no new views, no moves.
    const before = cache.feeds(12, 1);
    cache.append(deltas(12, 1), 12, 1);
    expect(cache.feeds(13, 1)).toBe(before);
  });

  it("keeps every head's held positions when it grows, through prompt passes and decoding", () => {
    const cache = new KvCache(layout, 60);
    let held = 0;
    for (const n of [4, 4, 3, ...Array<number>(40).fill(1)]) {
      const past = cache.feeds(held, n);
      expectHeld(cache, past, held);
      cache.append(deltas(held, n), held, n);
      held += n;
    }
    expect(held).toBe(51);
    expectHeld(cache, cache.feeds(held, 1), held);
    // Decoding's room stops at the capacity.
    expect(cache.stride).toBeLessThanOrEqual(60);
  });

  it('reopens for the next generation with the shared prefix of every head, in place or in a larger copy', () => {
    const filled = (): KvCache => {
      const cache = new KvCache(layout, 40);
      let held = 0;
      for (const n of [6, ...Array<number>(10).fill(1)]) {
        cache.feeds(held, n);
        cache.append(deltas(held, n), held, n);
        held += n;
      }
      return cache;
    };
    // Fits: the same buffers, the stride made the room of the next prompt pass (9 held + 5 new), so that pass sees
    // only the positions it attends to; the stride shrinks here (each head moves down, first head first).
    const cache = filled();
    expect(cache.stride).toBeGreaterThan(16);
    const same = cache.reopened(30, 9, 5);
    expect(same).toBe(cache);
    expect(same.stride).toBe(14);
    const past = same.feeds(9, 5);
    expect(same.stride).toBe(14);
    expectHeld(same, past, 9);
    // Growing to it works as well (each head moves up, last head first).
    const small = new KvCache(layout, 40);
    small.feeds(0, 6);
    small.append(deltas(0, 6), 0, 6);
    expectHeld(small, small.reopened(40, 6, 20).feeds(6, 20), 6);
    // Larger than its capacity: a new cache with the prefix copied.
    const old = filled();
    const larger = old.reopened(80, 12, 60);
    expect(larger).not.toBe(old);
    expect(larger.capacity).toBe(80);
    expect(larger.stride).toBe(72);
    expectHeld(larger, larger.feeds(12, 60), 12);
    // Only positions it holds can be kept, and only a pass that fits.
    expect(() => filled().reopened(30, 41, 1)).toThrow(RangeError);
    expect(() => filled().reopened(30, 10, 21)).toThrow(/holds 30 positions; this pass needs 31/);
  });

  it('refuses a pass beyond its capacity', () => {
    const cache = new KvCache(layout, 10);
    cache.feeds(0, 10);
    expect(() => cache.feeds(10, 1)).toThrow(/holds 10 positions; this pass needs 11/);
  });
});
