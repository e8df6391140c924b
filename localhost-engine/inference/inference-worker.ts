/**
 * The inference worker: owns the onnxruntime-node session and the tokenizer, and runs one generation at a time.
 * It runs on its own thread because `session.run` blocks the thread it runs on; the engine's event loop stays
 * free for health checks, Stop and other requests.
 */
import { parentPort } from 'node:worker_threads';
import type { Device } from '../api/schemas';
import { planParts, type TokenCounter } from '../summarize/chunker';
import { inspectModelFolder, type ModelFolder } from './model-folder';
import { createSession, deviceCandidates, type CpuModelOptions } from './session-factory';
import type { DecoderSession } from './decoder-session';
import { IncrementalDecoder } from './text-stream';
import {
  DEFAULT_DECODE,
  greedyLoop,
  readDecoderSignature,
  sharedPrefix,
  type DecoderSignature,
  type HeldCache,
} from './token-loop';
import { loadTokenizer, promptTokenIds, type ChatTokenizer } from './tokenizer';
import {
  CONTROL,
  PROMPT_CACHE_IDLE_MS,
  type FromWorker,
  type GenerateRequest,
  type LoadRequest,
  type ToWorker,
} from './worker-protocol';

interface Loaded {
  folder: ModelFolder;
  session: DecoderSession;
  sig: DecoderSignature;
  device: Device;
  tokenizer: ChatTokenizer;
  control: Int32Array;
  intraOpThreads?: number;
  cpuCache: CpuModelOptions;
  /** The last generation's KV cache (CPU, in-place cache graphs), until the next one or `promptCacheIdleMs`. */
  held: HeldCache | null;
  heldTimer: NodeJS.Timeout | null;
  promptCacheIdleMs: number;
}

let loaded: Loaded | null = null;

function post(message: FromWorker): void {
  parentPort!.postMessage(message);
}

async function load(req: LoadRequest): Promise<void> {
  const started = performance.now();
  if (loaded) takeHeld(loaded);
  const folder = await inspectModelFolder(
    req.modelDir,
    req.device === 'cpu' || req.device === 'auto' ? 'cpu' : 'gpu',
  );
  const candidates = deviceCandidates(req.device);
  const cpuCache: CpuModelOptions = {
    cacheRoot: req.optimizedModelsDir,
    kvDelta: folder.sharedKvCache,
  };
  const [created, tokenizer] = await Promise.all([
    createSession(folder.modelFile, candidates, folder.layers ?? 0, req.intraOpThreads, cpuCache),
    loadTokenizer(folder.dir),
  ]);
  for (const f of created.failures)
    post({ type: 'device-fallback', from: f.device, to: created.device, reason: f.reason });
  if (req.injectRunFailure) injectRunFailure(created, req.injectRunFailure);
  const sig = readDecoderSignature(created.session, {
    kvHeads: folder.kvHeads ?? undefined,
    headSize: folder.headSize ?? undefined,
  });
  // The in-place cache needs the CPU provider's memory; a GPU provider keeps its own cache on the device.
  sig.sharedKvCache = folder.sharedKvCache && created.device === 'cpu';
  loaded = {
    folder,
    session: created.session,
    sig,
    device: created.device,
    tokenizer,
    control: new Int32Array(req.control),
    intraOpThreads: req.intraOpThreads,
    cpuCache,
    held: null,
    heldTimer: null,
    promptCacheIdleMs: req.promptCacheIdleMs ?? PROMPT_CACHE_IDLE_MS,
  };
  post({
    type: 'loaded',
    modelId: folder.id,
    layout: folder.layout,
    contextLength: folder.contextLength,
    device: created.device,
    loadMs: performance.now() - started,
    optimized: created.optimized ?? null,
  });
}

/**
 * Fault injection for tests (no GPU here): the session claims `fault.device`, and its first `run` rejects with
 * `fault.message` before running, so the fallback to the CPU below is exercised end to end.
 */
function injectRunFailure(
  created: { session: DecoderSession; device: Device },
  fault: { device: Device; message: string },
): void {
  const session = created.session;
  const run = session.run.bind(session);
  let failed = false;
  session.run = ((...args: Parameters<typeof run>) => {
    if (failed) return run(...args);
    failed = true;
    return Promise.reject(new Error(fault.message));
  }) as typeof session.run;
  created.device = fault.device;
}

/** Replaces a failing GPU session with a CPU one; the caller retries the generation. */
async function fallBackToCpu(model: Loaded, reason: string): Promise<void> {
  const from = model.device;
  const cpu = await createSession(
    model.folder.modelFile,
    ['cpu'],
    model.sig.layers,
    model.intraOpThreads,
    model.cpuCache,
  );
  await model.session.release().catch(() => undefined);
  model.session = cpu.session;
  model.device = 'cpu';
  model.sig.sharedKvCache = model.folder.sharedKvCache;
  model.sig.kvDelta = readDecoderSignature(cpu.session, model.sig).kvDelta;
  post({ type: 'device-fallback', from, to: 'cpu', reason });
}

async function generate(req: GenerateRequest): Promise<void> {
  const model = loaded;
  if (!model) {
    post({ type: 'failed', id: req.id, code: 'model_not_loaded', message: 'The model is not loaded.' });
    return;
  }
  const started = performance.now();
  const promptIds = req.promptIds ?? promptTokenIds(model.tokenizer, req.messages);
  const budget = model.folder.contextLength;
  const room = budget - promptIds.length;
  if (room < (req.minNewTokens ?? req.maxNewTokens)) {
    post({
      type: 'failed',
      id: req.id,
      code: 'input_too_long',
      inputTokens: promptIds.length,
      message: `The text is ${promptIds.length} tokens with the instructions; this model reads at most ${budget} tokens at once, including room for a ${req.minNewTokens ?? req.maxNewTokens}-token summary. Select fewer paragraphs or choose a shorter summary.`,
    });
    return;
  }
  const maxNewTokens = Math.min(req.maxNewTokens, room);
  post({
    type: 'started',
    id: req.id,
    inputTokens: promptIds.length,
    cachedInputTokens: model.held ? sharedPrefix(model.held.ids, promptIds, promptIds.length - 1) : 0,
    maxNewTokens,
    device: model.device,
  });

  const settings = {
    ...DEFAULT_DECODE,
    ...req.decode,
    maxNewTokens,
    eosTokenIds: req.ignoreEos ? [] : model.folder.eosTokenIds,
  };
  // Text already sent survives a device fallback: the retry on the CPU re-generates it silently.
  let sentChars = 0;
  for (;;) {
    const decoder = new IncrementalDecoder((ids) => model.tokenizer.decode(ids));
    let firstTokenAt = 0;
    let emittedChars = 0;
    const emit = (text: string): void => {
      if (!text) return;
      const start = emittedChars;
      emittedChars += text.length;
      if (emittedChars <= sentChars) return;
      const fresh = text.slice(Math.max(0, sentChars - start));
      sentChars = emittedChars;
      post({ type: 'delta', id: req.id, text: fresh });
    };
    try {
      // The held cache is the loop's from here (not referenced here, so that the loop can let it go): a
      // generation that throws leaves none.
      const result = await greedyLoop(
        model.session,
        model.sig,
        promptIds,
        settings,
        {
          shouldStop: () => Atomics.load(model.control, CONTROL.cancelId) === req.id,
          onStep: () => {
            Atomics.add(model.control, CONTROL.steps, 1);
            // Fault injection for tests: die between two steps, as a worker that crashes does.
            if (Atomics.compareExchange(model.control, CONTROL.crashAfterStep, 1, 0) === 1) process.exit(70);
          },
          onToken: (id) => {
            if (!firstTokenAt) firstTokenAt = performance.now();
            emit(decoder.push(id));
          },
        },
        takeHeld(model),
      );
      keepHeld(model, result.held);
      emit(decoder.flush());
      const outputTokens = result.tokens.length;
      post({
        type: 'finished',
        id: req.id,
        text: decoder.text,
        tokenIds: result.tokens,
        stopReason: result.stopReason,
        usage: {
          inputTokens: promptIds.length,
          cachedInputTokens: result.reusedTokens,
          outputTokens,
          ttftMs: firstTokenAt ? firstTokenAt - started : 0,
          prefillMs: result.prefillMs,
          decodeMs: result.decodeMs,
          prefillTokensPerSecond:
            result.prefillMs > 0 ? ((promptIds.length - result.reusedTokens) / result.prefillMs) * 1000 : 0,
          decodeTokensPerSecond:
            outputTokens > 1 && result.decodeMs > 0 ? ((outputTokens - 1) / result.decodeMs) * 1000 : 0,
          totalMs: performance.now() - started,
        },
      });
      return;
    } catch (err) {
      if (model.device === 'cpu') throw err;
      await fallBackToCpu(model, (err as Error).message);
    }
  }
}

/** The held cache, now the caller's (none is left with the model). */
function takeHeld(model: Loaded): HeldCache | null {
  if (model.heldTimer) clearTimeout(model.heldTimer);
  const held = model.held;
  model.held = null;
  model.heldTimer = null;
  return held;
}

/** Keeps a generation's cache for the next one, for `promptCacheIdleMs` of idleness. */
function keepHeld(model: Loaded, held: HeldCache | null): void {
  if (!held || model.promptCacheIdleMs <= 0) return;
  model.held = held;
  model.heldTimer = setTimeout(() => takeHeld(model), model.promptCacheIdleMs);
  model.heldTimer.unref();
}

/** A token counter that remembers its counts (one plan call asks for the same paragraphs several times). */
function counter(tokenizer: ChatTokenizer): TokenCounter {
  const memo = new Map<string, number>();
  return {
    count: (text) => {
      let n = memo.get(text);
      if (n === undefined) memo.set(text, (n = tokenizer.encode(text).length));
      return n;
    },
    cut: (text, maxTokens) => {
      const ids = tokenizer.encode(text);
      const pieces: string[] = [];
      for (let i = 0; i < ids.length; i += maxTokens)
        pieces.push(tokenizer.decode(ids.slice(i, i + maxTokens)));
      return pieces;
    },
  };
}

function withModel(id: number, use: (model: Loaded) => FromWorker): void {
  if (!loaded) post({ type: 'failed', id, code: 'model_not_loaded', message: 'The model is not loaded.' });
  else post(use(loaded));
}

parentPort!.on('message', (msg: ToWorker) => {
  const run = async (): Promise<void> => {
    if (msg.type === 'load') await load(msg);
    else if (msg.type === 'generate') await generate(msg);
    else if (msg.type === 'count') {
      withModel(msg.id, (m) => {
        const prompts = msg.prompts.map((p) => promptTokenIds(m.tokenizer, p));
        return {
          type: 'counted',
          id: msg.id,
          tokens: prompts.map((ids) => ids.length),
          cached: prompts.map((ids) => (m.held ? sharedPrefix(m.held.ids, ids, ids.length - 1) : 0)),
        };
      });
    } else if (msg.type === 'plan') {
      withModel(msg.id, (m) => {
        const count = counter(m.tokenizer);
        return {
          type: 'planned',
          id: msg.id,
          plans: msg.budgets.map((b) => planParts(msg.paragraphs, count, b)),
        };
      });
    }
  };
  run().catch((err: Error) => {
    if (msg.type === 'load') post({ type: 'load-failed', message: err.message });
    else post({ type: 'failed', id: msg.id, code: 'inference_failed', message: err.message });
  });
});
