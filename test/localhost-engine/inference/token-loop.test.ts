/**
 * The token loop's stopping rules on a scripted session: which logits come back is chosen by the test, so EOS,
 * the length cap, cancellation and repetition control are each pinned down exactly.
 */
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { readDecoderSignature } from '../../../localhost-engine/inference/decoder-signature';
import {
  generateTokens,
  type DecodeSettings,
  type LoopHooks,
} from '../../../localhost-engine/inference/token-loop';
import { kvStrategyFor } from '../../../localhost-engine/inference/kv/kv-strategy';
import { kvDeltaName } from '../../../localhost-engine/onnx/rewrites/kv-delta';

const VOCAB = 16;

/**
 * A session whose next argmax is `script[step]`; it records every feed and fetch. With `deltas` it returns the
 * new positions' keys and values (`present_delta.0.*`, as the engine's CPU graphs do) instead of the present.
 */
function scriptedSession(script: number[], withLogitsToKeep = true, deltas = false) {
  const feeds: Array<Record<string, ort.Tensor>> = [];
  const fetchesSeen: string[][] = [];
  const inputNames = [
    'input_ids',
    'attention_mask',
    'position_ids',
    'past_key_values.0.key',
    'past_key_values.0.value',
  ];
  if (withLogitsToKeep) inputNames.push('num_logits_to_keep');
  const session = {
    inputNames,
    outputNames: deltas
      ? ['logits', kvDeltaName(0, 'key'), kvDeltaName(0, 'value')]
      : ['logits', 'present.0.key', 'present.0.value'],
    inputMetadata: [
      { name: 'past_key_values.0.key', isTensor: true, type: 'float32', shape: ['batch', 2, 'past', 4] },
    ],
    async run(f: Record<string, ort.Tensor>, fetches?: string[]) {
      feeds.push(f);
      if (fetches) fetchesSeen.push(fetches);
      const target = script[Math.min(feeds.length - 1, script.length - 1)];
      const rows = f.input_ids.dims[1];
      const logits = new Float32Array(rows * VOCAB);
      logits[(rows - 1) * VOCAB + target] = 5;
      logits[(rows - 1) * VOCAB + ((target + 1) % VOCAB)] = 4.9;
      const total = deltas ? rows : f.attention_mask.dims[1];
      const kv = new ort.Tensor('float32', new Float32Array(2 * total * 4), [1, 2, total, 4]);
      const [key, value] = deltas
        ? [kvDeltaName(0, 'key'), kvDeltaName(0, 'value')]
        : ['present.0.key', 'present.0.value'];
      return { logits: new ort.Tensor('float32', logits, [1, rows, VOCAB]), [key]: kv, [value]: kv };
    },
  };
  return { session: session as unknown as InferenceSession, feeds, fetchesSeen };
}

const settings = (over: Partial<DecodeSettings> = {}): DecodeSettings => ({
  maxNewTokens: 10,
  eosTokenIds: [15],
  repetitionPenalty: 1,
  noRepeatNgramSize: 0,
  prefillChunk: 512,
  ...over,
});

/** The loop over `session` with the strategy its signature picks. */
function loop(
  session: InferenceSession,
  prompt: number[],
  s: DecodeSettings,
  hooks: Partial<LoopHooks> = {},
  pastInBuffer = false,
) {
  const sig = readDecoderSignature(session, { pastInBuffer });
  return generateTokens(session, sig, kvStrategyFor(sig), prompt, s, {
    shouldStop: () => false,
    onToken: () => undefined,
    ...hooks,
  });
}

describe('generateTokens', () => {
  it('stops at an EOS id without emitting it, feeding positions and the cache forward', async () => {
    const { session, feeds } = scriptedSession([3, 4, 5, 15]);
    const tokens: number[] = [];
    const result = await loop(session, [1, 2], settings(), { onToken: (t) => tokens.push(t) });
    expect(result).toMatchObject({ tokens: [3, 4, 5], stopReason: 'eos' });
    expect(tokens).toEqual([3, 4, 5]);
    expect(feeds).toHaveLength(4);
    expect(Array.from(feeds[0].position_ids.data as BigInt64Array)).toEqual([0n, 1n]);
    expect(Array.from(feeds[2].position_ids.data as BigInt64Array)).toEqual([3n]);
    expect(feeds[2].attention_mask.dims).toEqual([1, 4]);
    expect(feeds[2]['past_key_values.0.key'].dims).toEqual([1, 2, 3, 4]);
    expect(Array.from(feeds[0].num_logits_to_keep.data as BigInt64Array)).toEqual([1n]);
  });

  it('stops at the length cap', async () => {
    const { session } = scriptedSession([1, 2, 3, 4, 5, 6, 7, 8]);
    const result = await loop(session, [1], settings({ maxNewTokens: 3 }));
    expect(result).toMatchObject({ tokens: [1, 2, 3], stopReason: 'length' });
  });

  it('stops before the next forward pass once asked to', async () => {
    const { session, feeds } = scriptedSession([1, 2, 3, 4, 5, 6, 7, 8]);
    let stop = false;
    const result = await loop(session, [1], settings(), {
      shouldStop: () => stop,
      onToken: (t) => {
        if (t === 2) stop = true;
      },
    });
    expect(result).toMatchObject({ tokens: [1, 2], stopReason: 'cancelled' });
    expect(feeds).toHaveLength(2);
  });

  it('prefills in chunks through the cache when the graph cannot limit its logits', async () => {
    const { session, feeds } = scriptedSession([0, 0, 7, 15], false);
    const result = await loop(session, [1, 2, 3, 4, 5], settings({ prefillChunk: 2 }));
    expect(result.tokens).toEqual([7]);
    expect(feeds.map((f) => f.input_ids.dims[1])).toEqual([2, 2, 1, 1]);
    expect(Array.from(feeds[2].position_ids.data as BigInt64Array)).toEqual([4n]);
  });

  it('prefills in chunks even when the graph keeps only the last logits, which bounds prefill memory', async () => {
    const { session, feeds } = scriptedSession([0, 0, 7, 15]);
    expect(readDecoderSignature(session).hasLogitsToKeep).toBe(true);
    const result = await loop(session, [1, 2, 3, 4, 5], settings({ prefillChunk: 2 }));
    expect(result.tokens).toEqual([7]);
    expect(feeds.map((f) => f.input_ids.dims[1])).toEqual([2, 2, 1, 1]);
    expect(feeds.map((f) => f.attention_mask.dims[1])).toEqual([2, 4, 5, 6]);
  });

  it('with delta outputs, feeds views of one buffer per layer and fetches only the new keys and values', async () => {
    const { session, feeds, fetchesSeen } = scriptedSession([3, 4, 15], true, true);
    const result = await loop(session, [1, 2], settings({ maxNewTokens: 5 }), {}, true);
    expect(result.tokens).toEqual([3, 4]);
    expect(fetchesSeen).toEqual(
      new Array(3).fill(['logits', kvDeltaName(0, 'key'), kvDeltaName(0, 'value')]),
    );
    const buffers = feeds.map((f) => (f['past_key_values.0.key'].data as Float32Array).buffer);
    expect(new Set(buffers).size).toBe(1);
    // A prompt pass sees exactly the room it fills; decoding sees spare positions, masked by the mask's length.
    expect(feeds[0]['past_key_values.0.key'].dims).toEqual([1, 2, 2, 4]);
    expect(feeds[1]['past_key_values.0.key'].dims[2]).toBeGreaterThan(3);
    expect(feeds[2].attention_mask.dims).toEqual([1, 4]);
  });

  it('bans a repeated 2-gram so the runner-up wins', async () => {
    // The script wants 3 after 2 again; with 2-grams banned the loop must pick the runner-up (4).
    const { session } = scriptedSession([2, 3, 2, 3, 15]);
    const result = await loop(session, [9], settings({ noRepeatNgramSize: 2 }));
    expect(result.tokens.slice(0, 4)).toEqual([2, 3, 2, 4]);
  });
});
