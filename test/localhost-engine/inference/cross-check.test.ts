/**
 * An independent cross-check of the engine's greedy loop: for the same prompt ids and token budget, the tokens the
 * engine's worker generates equal those of transformers.js' own `generate` (no sampling, the same repetition
 * control) — on the generated `tiny` model (transformers.js layout, q4, `num_logits_to_keep`; symmetric int4 and,
 * as AWQ exports have, with zero points) and on the GenAI tiny
 * decoder from the fixtures (fp16 logits and KV cache, no `num_logits_to_keep`, built by someone else).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AutoModelForCausalLM, env, Tensor, type PreTrainedModel } from '@huggingface/transformers';
import { ensureGeneratedModel } from '../../../models/ensure-generated-model';
import { MODEL_SIZES } from '../../../models/model-sizes';
import { writeModelFolder } from '../../../models/write-model-folder';
import type { GenerationResult } from '../../../localhost-engine/inference/inference-worker-client';
import { ProbedWorkerClient } from '../../helpers/worker-probe';
import { REAL_LAYOUT_FILES } from '../../helpers/generated-layouts';
import { transformersOptions } from '../../helpers/transformers-options';
import { greedyMargins } from '../../helpers/greedy-margins';
import { folderAtEngineAccuracy } from '../../helpers/int8-reference-folder';
import { tolerance } from '../../helpers/same-logits';
import { DEFAULT_DECODE, type DecodeSettings } from '../../../localhost-engine/inference/token-loop';
import { loadTokenizer, promptTokenIds } from '../../../localhost-engine/inference/tokenizer';
import type { ChatMessage } from '../../../localhost-engine/summarize/prompt';
import {
  copyGenaiFixtureForTransformers,
  type GenaiFixtureCopy,
} from '../../helpers/genai-fixture-for-transformers';

const MAX_NEW_TOKENS = 24;

// The last sentence is the fixture decoder's plain-argmax loop ("criptorlb combinedarel", see the test that says it
// loops) put into the prompt, so that penalising the prompt's tokens, not only the generated ones, changes its tokens.
const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'You summarize documents. Reply with a short summary only.' },
  {
    role: 'user',
    content:
      'The committee met on Tuesday to review the budget. Spending on travel fell by a third, while the cost of ' +
      'software licences rose. The chair asked for a revised plan by the end of the month. Criptorlb combinedarel.',
  },
];

type RepetitionControl = Pick<DecodeSettings, 'repetitionPenalty' | 'noRepeatNgramSize'>;

const ENGINE_DEFAULT: RepetitionControl = {
  repetitionPenalty: DEFAULT_DECODE.repetitionPenalty,
  noRepeatNgramSize: DEFAULT_DECODE.noRepeatNgramSize,
};
const PLAIN_ARGMAX: RepetitionControl = { repetitionPenalty: 1, noRepeatNgramSize: 0 };
const PENALTY_ONLY: RepetitionControl = {
  repetitionPenalty: DEFAULT_DECODE.repetitionPenalty,
  noRepeatNgramSize: 0,
};
const NGRAM_ONLY: RepetitionControl = {
  repetitionPenalty: 1,
  noRepeatNgramSize: DEFAULT_DECODE.noRepeatNgramSize,
};

function int64Tensor(values: number[]): Tensor {
  return new Tensor(
    'int64',
    BigInt64Array.from(values, (v) => BigInt(v)),
    [1, values.length],
  );
}

/** transformers.js' greedy tokens after `promptIds` (the prompt stripped). */
async function referenceTokens(
  model: PreTrainedModel,
  promptIds: number[],
  control: RepetitionControl,
): Promise<number[]> {
  const output = (await model.generate({
    input_ids: int64Tensor(promptIds),
    attention_mask: int64Tensor(promptIds.map(() => 1)),
    max_new_tokens: MAX_NEW_TOKENS,
    do_sample: false,
    repetition_penalty: control.repetitionPenalty,
    no_repeat_ngram_size: control.noRepeatNgramSize,
  } as Parameters<PreTrainedModel['generate']>[0])) as Tensor;
  expect(output.dims[0]).toBe(1);
  const all = Array.from(output.data as BigInt64Array, Number);
  expect(all.slice(0, promptIds.length)).toEqual(promptIds);
  return all.slice(promptIds.length);
}

/** The engine's tokens through its worker, with `decode` overriding the engine's defaults. */
async function engineRun(
  client: ProbedWorkerClient,
  decode?: Partial<DecodeSettings>,
): Promise<{ result: GenerationResult; steps: number }> {
  const stepsBefore = client.steps;
  const result = await client.generate(
    { messages: MESSAGES, maxNewTokens: MAX_NEW_TOKENS },
    { onDelta: () => undefined },
    undefined,
    decode,
  );
  return { result, steps: client.steps - stepsBefore };
}

/** Both sides agree, the sequence is not degenerate, and the budget ended it (neither model emits its EOS here). */
function expectSameTokens(engine: GenerationResult, reference: number[]): void {
  expect(engine.tokenIds).toEqual(reference);
  expect(engine.tokenIds).toHaveLength(MAX_NEW_TOKENS);
  expect(engine.stopReason).toBe('length');
  expect(new Set(engine.tokenIds).size).toBeGreaterThanOrEqual(5);
}

/** Whether the reference's cache is float32. */
function isFloat32(model: PreTrainedModel): boolean {
  const past = model.sessions.model.inputMetadata.find(
    (m: { name: string }) => m.name === 'past_key_values.0.key',
  );
  return past?.type === 'float32';
}

/**
 * float16 rounding (of the logits or the cache) upstream of int4 products that round their inputs to int8 (level 4,
 * as the engine runs every layout) can move a logit by an int8 step: each run must agree with the reference's path
 * up to a step whose margin is within that bound, and where it parts, pick that step's runner-up.
 */
async function expectSameUpToNearTies(
  session: PreTrainedModel['sessions']['model'],
  promptIds: number[],
  reference: number[],
  runs: Array<{ result: GenerationResult }>,
): Promise<void> {
  const path = await greedyMargins(session, promptIds, ENGINE_DEFAULT, MAX_NEW_TOKENS);
  expect(path.map((p) => p.token)).toEqual(reference);
  for (const run of runs) {
    const ours = run.result.tokenIds;
    expect(ours).toHaveLength(MAX_NEW_TOKENS);
    const parted = ours.findIndex((t, i) => t !== reference[i]);
    if (parted < 0) continue;
    expect(path[parted].margin).toBeLessThanOrEqual(tolerance('int8-activations', path[parted].largest));
    expect(ours[parted]).toBe(path[parted].runnerUp);
  }
}

function useLocalFilesOnly(): void {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = '';
}

describe('engine greedy tokens equal transformers.js generate', () => {
  describe.each([
    ['symmetric int4, as Microsoft and transformers.js quantize', false],
    ['int4 with zero points, as AWQ exports quantize', true],
  ])('generated tiny model (transformers.js layout, q4, num_logits_to_keep), %s', (_name, zeroPoints) => {
    let dir: string;
    let work: string | undefined;
    let client: ProbedWorkerClient;
    let model: PreTrainedModel;
    let promptIds: number[];

    beforeAll(async () => {
      if (zeroPoints) {
        work = mkdtempSync(path.join(os.tmpdir(), 'ls-cross-check-'));
        dir = work;
        writeModelFolder(dir, { ...MODEL_SIZES.tiny, zeroPoints }, 'transformers', 'test');
      } else {
        dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
      }
      useLocalFilesOnly();
      client = new ProbedWorkerClient({ modelDir: dir, device: 'cpu', kvCache: 'model' });
      const [tokenizer, loadedModel] = await Promise.all([
        loadTokenizer(dir),
        AutoModelForCausalLM.from_pretrained(dir, { local_files_only: true, dtype: 'q4', device: 'cpu' }),
        client.ensureLoaded(),
      ]);
      model = loadedModel;
      promptIds = promptTokenIds(tokenizer, MESSAGES);
      expect(client.state).toBe('ready');
      expect(model.sessions.model.inputNames).toContain('num_logits_to_keep');
    });

    afterAll(async () => {
      await client?.close();
      await model?.dispose();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it('with the engine default repetition control (penalty 1.1, no-repeat 4-grams)', async () => {
      const { result, steps } = await engineRun(client);
      expect(result.usage.inputTokens).toBe(promptIds.length);
      // One prefill pass (the graph keeps only the last position's logits), then one pass per further token.
      expect(steps).toBe(1 + MAX_NEW_TOKENS - 1);
      expectSameTokens(result, await referenceTokens(model, promptIds, ENGINE_DEFAULT));
    });

    it('with repetition control off (plain argmax)', async () => {
      // The same prompt again: the engine reads all of it but the last token from the prompt cache.
      const { result } = await engineRun(client, PLAIN_ARGMAX);
      expect(result.usage.cachedInputTokens).toBe(promptIds.length - 1);
      expectSameTokens(result, await referenceTokens(model, promptIds, PLAIN_ARGMAX));
    });
  });

  describe('GenAI tiny decoder from the fixtures (fp16, no num_logits_to_keep)', () => {
    let fixture: GenaiFixtureCopy;
    let client: ProbedWorkerClient;
    let model: PreTrainedModel;
    let promptIds: number[];

    beforeAll(async () => {
      fixture = copyGenaiFixtureForTransformers();
      useLocalFilesOnly();
      client = new ProbedWorkerClient({ modelDir: fixture.dir, device: 'cpu' });
      const [tokenizer, loadedModel] = await Promise.all([
        loadTokenizer(fixture.dir),
        AutoModelForCausalLM.from_pretrained(fixture.dir, fixture.fromPretrainedOptions),
        client.ensureLoaded(),
      ]);
      model = loadedModel;
      promptIds = promptTokenIds(tokenizer, MESSAGES);
      expect(client.state).toBe('ready');
      const session = model.sessions.model;
      expect(session.inputNames).not.toContain('num_logits_to_keep');
      expect(
        session.inputMetadata.find((m: { name: string }) => m.name === 'past_key_values.0.key'),
      ).toMatchObject({ type: 'float16' });
      expect(session.outputMetadata.find((m: { name: string }) => m.name === 'logits')).toMatchObject({
        type: 'float16',
      });
      // Long enough that a 3-token prefill chunk takes several passes.
      expect(promptIds.length).toBeGreaterThan(10);
    });

    afterAll(async () => {
      await client?.close();
      await model?.dispose();
      fixture?.remove();
    });

    it('with the engine default repetition control, prompt prefilled in one pass', async () => {
      const { result, steps } = await engineRun(client);
      expect(result.usage.inputTokens).toBe(promptIds.length);
      expect(steps).toBe(1 + MAX_NEW_TOKENS - 1);
      expectSameTokens(result, await referenceTokens(model, promptIds, ENGINE_DEFAULT));
    });

    it.each([
      ['off (plain argmax)', PLAIN_ARGMAX],
      ['penalty 1.1 only', PENALTY_ONLY],
      ['no-repeat 4-grams only', NGRAM_ONLY],
    ])('with repetition control %s', async (_name, control) => {
      const { result } = await engineRun(client, control);
      expectSameTokens(result, await referenceTokens(model, promptIds, control));
    });

    it('is a model whose plain argmax loops, so each repetition control changes its tokens', async () => {
      const plain = (await engineRun(client, PLAIN_ARGMAX)).result.tokenIds;
      const penalty = (await engineRun(client, PENALTY_ONLY)).result.tokenIds;
      const ngram = (await engineRun(client, NGRAM_ONLY)).result.tokenIds;
      expect(new Set(plain).size).toBeLessThan(plain.length);
      expect(penalty).not.toEqual(plain);
      expect(ngram).not.toEqual(plain);
      expect(ngram).not.toEqual(penalty);
    });

    // This graph's MultiHeadAttention mask subgraph (/model/attn_mask_reformat/input_ids_subgraph/Expand) only
    // takes several new tokens when the past is empty, so a prefill chunk after the first fails in onnxruntime
    // ("invalid expand shape") unless the engine prefills such graphs another way.
    it('prefilling in 3-token chunks gives the same tokens as one pass', async () => {
      const whole = await engineRun(client);
      const chunked = await engineRun(client, { prefillChunk: 3 });
      expect(chunked.result.tokenIds).toEqual(whole.result.tokenIds);
      expectSameTokens(chunked.result, await referenceTokens(model, promptIds, ENGINE_DEFAULT));
    });
  });

  describe('generated tiny model, GenAI layout (GroupQueryAttention, no num_logits_to_keep)', () => {
    let client: ProbedWorkerClient;
    let promptIds: number[];

    beforeAll(async () => {
      const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'genai' });
      // No prompt cache: the chunked run must read its whole prompt through the past, not from the last run.
      client = new ProbedWorkerClient({
        modelDir: dir,
        device: 'cpu',
        promptCacheIdleMs: 0,
        kvCache: 'model',
      });
      const [tokenizer] = await Promise.all([loadTokenizer(dir), client.ensureLoaded()]);
      promptIds = promptTokenIds(tokenizer, MESSAGES);
      expect(client.state).toBe('ready');
      expect(promptIds.length % 3).not.toBe(0);
    });

    afterAll(async () => {
      await client?.close();
    });

    it('prefilling in 3-token chunks through the past cache gives the same tokens as one pass', async () => {
      const whole = await engineRun(client);
      const chunked = await engineRun(client, { prefillChunk: 3 });
      expect(whole.steps).toBe(1 + MAX_NEW_TOKENS - 1);
      expect(chunked.steps).toBe(Math.ceil(promptIds.length / 3) + MAX_NEW_TOKENS - 1);
      expectSameTokens(chunked.result, whole.result.tokenIds);
    });
  });

  // The copies of the exports users download: each runs the engine's own attention over its cache in place.
  describe.each(REAL_LAYOUT_FILES.map(([layout, file]) => [layout, file]))(
    'generated tiny %s',
    (layout, file) => {
      let client: ProbedWorkerClient;
      let halfClient: ProbedWorkerClient;
      let model: PreTrainedModel;
      let promptIds: number[];
      let reference: ReturnType<typeof folderAtEngineAccuracy> | undefined;

      beforeAll(async () => {
        const dir = await ensureGeneratedModel({ size: 'tiny', layout });
        reference = folderAtEngineAccuracy(dir, file);
        useLocalFilesOnly();
        // No prompt cache: the chunked run must read its whole prompt through the past, not from the last run.
        client = new ProbedWorkerClient({
          modelDir: dir,
          device: 'cpu',
          promptCacheIdleMs: 0,
          kvCache: 'model',
        });
        // The engine's default: a float32 model's cache kept in float16.
        halfClient = new ProbedWorkerClient({ modelDir: dir, device: 'cpu', promptCacheIdleMs: 0 });
        const [tokenizer, loadedModel] = await Promise.all([
          loadTokenizer(dir),
          // The reference runs the int4 products at the engine's accuracy level, so its tokens are comparable.
          AutoModelForCausalLM.from_pretrained(reference.dir, {
            local_files_only: true,
            device: 'cpu',
            ...transformersOptions(layout),
          } as Parameters<typeof AutoModelForCausalLM.from_pretrained>[1]),
          client.ensureLoaded(),
          halfClient.ensureLoaded(),
        ]);
        model = loadedModel;
        promptIds = promptTokenIds(tokenizer, MESSAGES);
      });

      afterAll(async () => {
        await client?.close();
        await halfClient?.close();
        await model?.dispose();
        reference?.remove();
      });

      it("runs the engine's direct attention over the in-place cache, with last-position logits", () => {
        expect(client.path).toMatchObject({
          attention: 'direct',
          logits: 'last-position',
          kv: 'in-place',
          cache: 'as-exported',
          notes: [],
        });
      });

      it("generates transformers.js' tokens, the prompt in one pass and in 3-token passes", async () => {
        const reference = await referenceTokens(model, promptIds, ENGINE_DEFAULT);
        const whole = await engineRun(client);
        expect(whole.steps).toBe(1 + MAX_NEW_TOKENS - 1);
        const chunked = await engineRun(client, { prefillChunk: 3 });
        expect(chunked.steps).toBe(Math.ceil(promptIds.length / 3) + MAX_NEW_TOKENS - 1);
        const session = model.sessions.model;
        if (session.outputMetadata.find((m: { name: string }) => m.name === 'logits')?.type !== 'float16') {
          expectSameTokens(whole.result, reference);
          expectSameTokens(chunked.result, reference);
          return;
        }
        await expectSameUpToNearTies(session, promptIds, reference, [whole, chunked]);
      });

      it("with the default float16 cache, generates transformers.js' tokens up to a near-tie", async () => {
        expect(halfClient.path?.cache).toBe(isFloat32(model) ? 'float16' : 'as-exported');
        const reference = await referenceTokens(model, promptIds, ENGINE_DEFAULT);
        const whole = await engineRun(halfClient);
        const chunked = await engineRun(halfClient, { prefillChunk: 3 });
        await expectSameUpToNearTies(model.sessions.model, promptIds, reference, [whole, chunked]);
      });
    },
  );
});
