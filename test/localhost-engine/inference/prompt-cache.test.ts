/**
 * The prompt cache: a generation leaves its KV cache behind, and the next one whose prompt starts with the same
 * tokens reads them from there instead of running them through the model again. Checked on the generated tiny
 * model through the engine's own graph: the tokens equal a fresh generation's, only the new tokens are fed, a
 * cancelled prompt's read part is kept, a larger generation gets a copy; and through the inference worker, which
 * reports the cached tokens (before a generation too, for the plan's estimate) and keeps none when told to.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { ensureGeneratedModel } from '../../../models/ensure-generated-model';
import { kvRewrite } from '../../../localhost-engine/inference/session-graph';
import { InferenceWorkerClient } from '../../../localhost-engine/inference/inference-worker-client';
import { sessionOptions } from '../../../localhost-engine/inference/session-factory';
import {
  readDecoderSignature,
  type DecoderSignature,
} from '../../../localhost-engine/inference/decoder-signature';
import {
  DEFAULT_DECODE,
  generateTokens,
  type DecodeSettings,
  type LoopResult,
} from '../../../localhost-engine/inference/token-loop';
import { InPlaceKv } from '../../../localhost-engine/inference/kv/in-place-kv';
import type { ChatMessage } from '../../../localhost-engine/summarize/prompt';
import { GENERATED_LAYOUTS } from '../../helpers/generated-layouts';

/** Token ids 300.. and 900.., distinct enough that the tiny model's outputs depend on them. */
const ids = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + 7 * i);
const PROMPT = ids(300, 40);

describe.each(GENERATED_LAYOUTS)('the prompt cache in the token loop (%s layout)', (layout, file) => {
  let session: InferenceSession;
  let sig: DecoderSignature;
  let kv: InPlaceKv;
  /** Tokens fed to the model, pass by pass. */
  let fed: number[][] = [];
  /** Makes the next pass fail, as onnxruntime does when a run fails. */
  let failNext = false;

  beforeAll(async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout });
    const graph = kvRewrite(readFileSync(path.join(dir, file)), { halfCache: true }).bytes!;
    const opened = await ort.InferenceSession.create(graph, {
      ...sessionOptions('cpu', 0),
      extra: {
        session: { model_external_initializers_file_folder_path: path.dirname(path.join(dir, file)) },
      },
    });
    sig = readDecoderSignature(opened, { pastInBuffer: true });
    expect(sig.kvDelta).toBe(true);
    kv = new InPlaceKv(sig);
    const run = opened.run.bind(opened);
    session = opened;
    session.run = ((feeds: Record<string, ort.Tensor>, ...rest: unknown[]) => {
      fed.push(Array.from(feeds.input_ids.data as BigInt64Array, Number));
      if (failNext) {
        failNext = false;
        return Promise.reject(new Error('injected failure'));
      }
      return (run as (...a: unknown[]) => unknown)(feeds, ...rest);
    }) as typeof session.run;
  });
  afterAll(async () => session?.release());

  /** A generation after the last one (`reuse`: with what it left in the cache), and what it leaves. */
  const generate = async (
    prompt: number[],
    reuse: 'reuse' | 'fresh',
    over: Partial<DecodeSettings> = {},
    stopAfterPasses = Infinity,
  ): Promise<LoopResult & { fed: number[][]; held: InPlaceKv['held'] }> => {
    if (reuse === 'fresh') kv.release();
    fed = [];
    const result = await generateTokens(
      session,
      sig,
      kv,
      prompt,
      { ...DEFAULT_DECODE, maxNewTokens: 8, eosTokenIds: [], ...over },
      { shouldStop: () => fed.length >= stopAfterPasses, onToken: () => undefined },
    );
    return { ...result, fed, held: kv.held };
  };

  it('leaves the keys and values of the prompt and of every token it fed', async () => {
    const first = await generate(PROMPT, 'fresh');
    expect(first.tokens).toHaveLength(8);
    expect(first.reusedTokens).toBe(0);
    // The last token was never fed: its keys and values are not in the cache.
    expect(first.held?.ids).toEqual([...PROMPT, ...first.tokens.slice(0, -1)]);
  });

  it('reads a shared prefix from the cache and feeds only the rest, with the tokens of a fresh generation', async () => {
    await generate(PROMPT, 'fresh');
    const next = [...PROMPT.slice(0, 30), ...ids(900, 12)];
    const reused = await generate(next, 'reuse');
    // Continuing from the generated text (the prompt and the answer, then more) reuses all of it.
    const followUp = [...reused.held!.ids, ...ids(950, 5)];
    const after = await generate(followUp, 'reuse');
    const fresh = await generate(next, 'fresh');
    expect(reused.reusedTokens).toBe(30);
    expect(reused.fed[0]).toEqual(next.slice(30));
    expect(reused.fed.slice(1)).toEqual(reused.tokens.slice(0, -1).map((t) => [t]));
    expect(fresh.fed[0]).toEqual(next);
    expect(reused.tokens).toEqual(fresh.tokens);
    expect(after.reusedTokens).toBe(reused.held!.ids.length);
    expect(after.tokens).toEqual((await generate(followUp, 'fresh')).tokens);
  });

  it('feeds at least the last prompt token again, for its logits, when the whole prompt is cached', async () => {
    const first = await generate(PROMPT, 'fresh');
    const again = await generate(PROMPT, 'reuse');
    expect(again.reusedTokens).toBe(PROMPT.length - 1);
    expect(again.fed[0]).toEqual(PROMPT.slice(-1));
    expect(again.tokens).toEqual(first.tokens);
  });

  it('starts afresh when nothing is shared', async () => {
    const first = await generate(PROMPT, 'fresh');
    const other = await generate(ids(901, 20), 'reuse');
    expect(other.reusedTokens).toBe(0);
    expect(other.fed[0]).toEqual(ids(901, 20));
    expect(other.held?.cache).not.toBe(first.held?.cache);
    expect(other.tokens).toEqual((await generate(ids(901, 20), 'fresh')).tokens);
  });

  it('writes into the held buffers when they are large enough, after the shared prefix', async () => {
    const first = await generate(PROMPT, 'fresh', { maxNewTokens: 30 });
    const next = [...PROMPT.slice(0, 25), ...ids(900, 10)];
    const reused = await generate(next, 'reuse', { maxNewTokens: 8 });
    expect(reused.reusedTokens).toBe(25);
    expect(reused.held?.cache).toBe(first.held?.cache);
    expect(reused.tokens).toEqual((await generate(next, 'fresh', { maxNewTokens: 8 })).tokens);
  });

  it("throws a failing first pass's error after a reuse, and leaves no other pass run", async () => {
    await generate(PROMPT, 'fresh');
    failNext = true;
    await expect(generate(PROMPT, 'reuse')).rejects.toThrow('injected failure');
    expect(fed).toHaveLength(1);
    // Nothing is left in a cache a failed pass may have half written.
    expect(kv.held).toBeNull();
  });

  it('keeps the part of a prompt read before a cancellation, and the next run goes on from there', async () => {
    const cancelled = await generate(PROMPT, 'fresh', { prefillChunk: 16 }, 2);
    expect(cancelled.stopReason).toBe('cancelled');
    expect(cancelled.held?.ids).toEqual(PROMPT.slice(0, 32));
    const resumed = await generate(PROMPT, 'reuse', { prefillChunk: 16 });
    expect(resumed.reusedTokens).toBe(32);
    expect(resumed.fed[0]).toEqual(PROMPT.slice(32));
    expect(resumed.tokens).toEqual((await generate(PROMPT, 'fresh', { prefillChunk: 16 })).tokens);
  });

  it('copies the prefix into a larger cache when the next generation needs more room', async () => {
    const first = await generate(PROMPT, 'fresh', { maxNewTokens: 2 });
    const longer = await generate(PROMPT, 'reuse', { maxNewTokens: 30 });
    expect(longer.reusedTokens).toBe(PROMPT.length - 1);
    expect(longer.held?.cache).not.toBe(first.held?.cache);
    expect(longer.held!.cache.capacity).toBeGreaterThan(first.held!.cache.capacity);
    expect(longer.tokens).toEqual((await generate(PROMPT, 'fresh', { maxNewTokens: 30 })).tokens);
  });
});

describe('the prompt cache in the inference worker', () => {
  const MESSAGES: ChatMessage[] = [
    { role: 'system', content: 'You summarize documents faithfully.' },
    {
      role: 'user',
      content: 'Summarize: the committee met on Tuesday and approved the budget for next year.',
    },
  ];
  const clients: InferenceWorkerClient[] = [];
  const open = async (promptCacheIdleMs?: number): Promise<InferenceWorkerClient> => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const client = new InferenceWorkerClient({ modelDir: dir, device: 'cpu', promptCacheIdleMs });
    clients.push(client);
    await client.ensureLoaded();
    return client;
  };
  const run = (client: InferenceWorkerClient) =>
    client.generate({ messages: MESSAGES, maxNewTokens: 12 }, { onDelta: () => undefined });
  afterAll(async () => Promise.all(clients.map((c) => c.close())));

  it('reports the prompt tokens read from the cache, and writes the same text', async () => {
    const client = await open();
    expect((await client.countPromptsAndCache([MESSAGES])).cached).toEqual([0]);
    const first = await run(client);
    // Before the next generation, the worker says what it would read from the cache: the same prompt all but its
    // last token, a prompt with another user message only the system message and what precedes the user's text.
    const other: ChatMessage[] = [MESSAGES[0], { role: 'user', content: 'Something else entirely.' }];
    const counted = await client.countPromptsAndCache([MESSAGES, other]);
    expect(counted.cached[0]).toBe(counted.tokens[0] - 1);
    expect(counted.cached[1]).toBeGreaterThan(0);
    expect(counted.cached[1]).toBeLessThan(counted.tokens[1] - 1);
    const second = await run(client);
    expect(first.usage.cachedInputTokens).toBe(0);
    expect(second.usage.cachedInputTokens).toBe(second.usage.inputTokens - 1);
    expect(second.text).toBe(first.text);
    expect(second.tokenIds).toEqual(first.tokenIds);
  });

  it('keeps no cache when told to keep it for 0 ms', async () => {
    const client = await open(0);
    await run(client);
    expect((await client.countPromptsAndCache([MESSAGES])).cached).toEqual([0]);
    expect((await run(client)).usage.cachedInputTokens).toBe(0);
  });
});
