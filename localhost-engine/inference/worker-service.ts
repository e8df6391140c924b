/**
 * The inference worker's work: owns the onnxruntime-node session, its KV strategy and the tokenizer, and answers
 * the engine's messages one at a time. It runs on its own thread because `session.run` blocks the thread it runs
 * on; the engine's event loop stays free for health checks, Stop and other requests.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Device } from '../api/schemas';
import { planParts, type TokenCounter } from '../summarize/chunker';
import type { DecoderSession } from './decoder-session';
import { readDecoderSignature, type DecoderSignature } from './decoder-signature';
import { kvStrategyFor, type KvStrategy } from './kv/kv-strategy';
import { inspectModelFolder, type ModelFolder } from './model-folder';
import {
  createSession,
  deviceCandidates,
  type CpuModelOptions,
  type CreatedSession,
} from './session-factory';
import { IncrementalDecoder } from './text-stream';
import { DEFAULT_DECODE, generateTokens } from './token-loop';
import { loadTokenizer, promptTokenIds, type ChatTokenizer } from './tokenizer';
import {
  CONTROL,
  PROMPT_CACHE_IDLE_MS,
  type FromWorker,
  type GenerateRequest,
  type LoadRequest,
  type ToWorker,
} from './worker-protocol';

/** Ways to watch or steer the worker from a test or benchmark entry (`test/helpers/hooked-worker.ts`). */
export interface WorkerHooks {
  /** Replaces the session the worker opened, and the device it reports. */
  wrapSession?: (opened: { session: DecoderSession; device: Device }) => {
    session: DecoderSession;
    device: Device;
  };
  /** After every forward pass. */
  onStep?: () => void;
  /** A request's prompt token ids and stop tokens, where the hooks decide them; null: the chat template's. */
  prompt?: (req: GenerateRequest) => { ids: number[]; eosTokenIds: number[] } | null;
}

interface Model {
  folder: ModelFolder;
  session: DecoderSession;
  sig: DecoderSignature;
  kv: KvStrategy;
  device: Device;
  tokenizer: ChatTokenizer;
  control: Int32Array;
  intraOpThreads?: number;
  cpuOptions: CpuModelOptions;
  /** Lets the KV strategy's held cache go after `promptCacheIdleMs` of idleness. */
  idleTimer: NodeJS.Timeout | null;
  promptCacheIdleMs: number;
}

/** Serves the engine's messages on `port` until the thread ends. */
export function serveInferenceWorker(port: MessagePort, hooks: WorkerHooks = {}): void {
  let model: Model | null = null;
  const post = (message: FromWorker): void => port.postMessage(message);

  /** The session as the hooks see it, its signature and its KV strategy. */
  const open = (created: CreatedSession, folder: ModelFolder) => {
    const { session, device } = hooks.wrapSession?.(created) ?? created;
    const sig = readDecoderSignature(session, {
      kvHeads: folder.kvHeads ?? undefined,
      headSize: folder.headSize ?? undefined,
      pastInBuffer: created.graph.pastInBuffer,
    });
    return { session, device, sig, kv: kvStrategyFor(sig) };
  };

  const load = async (req: LoadRequest): Promise<void> => {
    const started = performance.now();
    model?.kv.release();
    const folder = await inspectModelFolder(
      req.modelDir,
      req.device === 'cpu' || req.device === 'auto' ? 'cpu' : 'gpu',
    );
    const cpuOptions: CpuModelOptions = {
      cacheRoot: req.optimizedModelsDir,
      rewrite: true,
      halfCache: (req.kvCache ?? 'float16') === 'float16',
    };
    const [created, tokenizer] = await Promise.all([
      createSession(folder.modelFile, deviceCandidates(req.device), {
        layers: folder.layers ?? 0,
        intraOpThreads: req.intraOpThreads,
        cpu: cpuOptions,
      }),
      loadTokenizer(folder.dir),
    ]);
    for (const f of created.failures)
      post({ type: 'device-fallback', from: f.device, to: created.device, reason: f.reason });
    const opened = open(created, folder);
    model = {
      folder,
      ...opened,
      tokenizer,
      control: new Int32Array(req.control),
      intraOpThreads: req.intraOpThreads,
      cpuOptions,
      idleTimer: null,
      promptCacheIdleMs: req.promptCacheIdleMs ?? PROMPT_CACHE_IDLE_MS,
    };
    post({
      type: 'loaded',
      modelId: folder.id,
      layout: folder.layout,
      contextLength: folder.contextLength,
      device: opened.device,
      loadMs: performance.now() - started,
      optimized: created.optimized ?? null,
      path: { kv: opened.kv.name, ...created.graph },
    });
  };

  /** Replaces a failing GPU session with a CPU one; the caller retries the generation. */
  const fallBackToCpu = async (m: Model, reason: string): Promise<void> => {
    const from = m.device;
    const cpu = await createSession(m.folder.modelFile, ['cpu'], {
      layers: m.sig.layers,
      intraOpThreads: m.intraOpThreads,
      cpu: m.cpuOptions,
    });
    await m.session.release().catch(() => undefined);
    Object.assign(m, open(cpu, m.folder));
    post({ type: 'device-fallback', from, to: 'cpu', reason });
  };

  const generate = async (req: GenerateRequest): Promise<void> => {
    const m = model;
    if (!m) {
      post({ type: 'failed', id: req.id, code: 'model_not_loaded', message: 'The model is not loaded.' });
      return;
    }
    if (m.idleTimer) clearTimeout(m.idleTimer);
    const started = performance.now();
    const prompt = hooks.prompt?.(req) ?? {
      ids: promptTokenIds(m.tokenizer, req.messages),
      eosTokenIds: m.folder.eosTokenIds,
    };
    const budget = m.folder.contextLength;
    const room = budget - prompt.ids.length;
    const minNewTokens = req.minNewTokens ?? req.maxNewTokens;
    if (room < minNewTokens) {
      post({
        type: 'failed',
        id: req.id,
        code: 'input_too_long',
        inputTokens: prompt.ids.length,
        message: `The text is ${prompt.ids.length} tokens with the instructions; this model reads at most ${budget} tokens at once, including room for a ${minNewTokens}-token summary. Select fewer paragraphs or choose a shorter summary.`,
      });
      return;
    }
    const maxNewTokens = Math.min(req.maxNewTokens, room);
    post({
      type: 'started',
      id: req.id,
      inputTokens: prompt.ids.length,
      cachedInputTokens: m.kv.heldPrefix(prompt.ids),
      maxNewTokens,
      device: m.device,
    });
    const settings = { ...DEFAULT_DECODE, ...req.decode, maxNewTokens, eosTokenIds: prompt.eosTokenIds };
    // Text already sent survives a device fallback: the retry on the CPU re-generates it silently.
    let sentChars = 0;
    for (;;) {
      const decoder = new IncrementalDecoder((ids) => m.tokenizer.decode(ids));
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
        const result = await generateTokens(m.session, m.sig, m.kv, prompt.ids, settings, {
          shouldStop: () => Atomics.load(m.control, CONTROL.cancelId) === req.id,
          onStep: hooks.onStep,
          onToken: (id) => {
            if (!firstTokenAt) firstTokenAt = performance.now();
            emit(decoder.push(id));
          },
        });
        keepForIdle(m);
        emit(decoder.flush());
        const outputTokens = result.tokens.length;
        const ran = prompt.ids.length - result.reusedTokens;
        post({
          type: 'finished',
          id: req.id,
          text: decoder.text,
          tokenIds: result.tokens,
          stopReason: result.stopReason,
          usage: {
            inputTokens: prompt.ids.length,
            cachedInputTokens: result.reusedTokens,
            outputTokens,
            ttftMs: firstTokenAt ? firstTokenAt - started : 0,
            prefillMs: result.prefillMs,
            decodeMs: result.decodeMs,
            prefillTokensPerSecond: result.prefillMs > 0 ? (ran / result.prefillMs) * 1000 : 0,
            decodeTokensPerSecond:
              outputTokens > 1 && result.decodeMs > 0 ? ((outputTokens - 1) / result.decodeMs) * 1000 : 0,
            totalMs: performance.now() - started,
          },
        });
        return;
      } catch (err) {
        if (m.device === 'cpu') throw err;
        await fallBackToCpu(m, (err as Error).message);
      }
    }
  };

  /** Keeps the last generation's cache for the next one, for `promptCacheIdleMs` of idleness. */
  const keepForIdle = (m: Model): void => {
    if (m.promptCacheIdleMs <= 0) {
      m.kv.release();
      return;
    }
    m.idleTimer = setTimeout(() => m.kv.release(), m.promptCacheIdleMs);
    m.idleTimer.unref();
  };

  const withModel = (id: number, use: (m: Model) => FromWorker): void => {
    if (!model) post({ type: 'failed', id, code: 'model_not_loaded', message: 'The model is not loaded.' });
    else post(use(model));
  };

  port.on('message', (msg: ToWorker) => {
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
            cached: prompts.map((ids) => m.kv.heldPrefix(ids)),
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
