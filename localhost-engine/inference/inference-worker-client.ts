/**
 * The engine-side handle of the inference worker: starts it, loads the model, runs one generation at a time,
 * cancels through shared memory, and replaces a worker that dies.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Device, ModelState, Paragraph } from '../api/schemas';
import type { Part } from '../summarize/chunker';
import type { ChatMessage } from '../summarize/prompt';
import { userDataDir } from '../paths';
import type { OptimizedModel } from './optimized-model';
import type { DecodeSettings } from './token-loop';
import {
  CONTROL,
  type DeviceOption,
  type KvCacheOption,
  type FromWorker,
  type GenerationUsage,
  type WorkerPath,
  type ToWorker,
} from './worker-protocol';

export interface WorkerClientOptions {
  modelDir: string;
  device: DeviceOption;
  intraOpThreads?: number;
  /** Called with every device change (fallbacks included), for logs. */
  onDeviceFallback?: (from: Device, to: Device, reason: string) => void;
  /**
   * The worker thread's entry and its `workerData`; default: the engine's own (`inference-worker.ts`). Tests and
   * benchmarks start one with hooks (`test/helpers/hooked-worker.ts`).
   */
  worker?: { script: string; data?: unknown };
  /**
   * Where optimized CPU copies of models are kept (`optimized-model.ts`); null opens the original graph every
   * time. Default: `cache/optimized-models` in the user data folder.
   */
  optimizedModelsDir?: string | null;
  /** How long the worker keeps the last generation's KV cache for the next one (`LoadRequest`); 0 keeps none. */
  promptCacheIdleMs?: number;
  /** The CPU's KV cache (`LoadRequest`); default float16. */
  kvCache?: KvCacheOption;
}

export interface GenerationCallbacks {
  onStarted?: (started: { inputTokens: number; cachedInputTokens: number; maxNewTokens: number }) => void;
  onDelta: (text: string) => void;
}

/** What to generate: chat messages, or (benchmarks) exact prompt token ids. */
export interface GenerationInput {
  messages: ChatMessage[];
  maxNewTokens: number;
  /** A prompt that leaves less room than this fails with `PromptTooLongError`; default `maxNewTokens`. */
  minNewTokens?: number;
}

export interface GenerationResult {
  text: string;
  tokenIds: number[];
  stopReason: 'eos' | 'length' | 'cancelled';
  usage: GenerationUsage;
}

/** An error from the worker, with the stable code the API reports. */
export class InferenceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'InferenceError';
  }
}

/** The prompt leaves less room than the generation asked for (`input_too_long`); nothing ran. */
export class PromptTooLongError extends InferenceError {
  constructor(
    message: string,
    readonly inputTokens: number,
  ) {
    super('input_too_long', message);
    this.name = 'PromptTooLongError';
  }
}

interface Pending {
  callbacks: GenerationCallbacks | null;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/** The worker's script: compiled JavaScript where it exists, else TypeScript through tsx's require hook. */
function workerEntry(script = path.join(__dirname, 'inference-worker.ts')): {
  file: string;
  execArgv: string[];
} {
  const js = script.replace(/\.ts$/, '.js');
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: script, execArgv: ['--require', 'tsx/cjs'] };
}

/**
 * Owns one worker thread at a time. `generate` calls must not overlap (the engine's queue guarantees it); a second
 * concurrent call is refused rather than interleaved.
 */
export class InferenceWorkerClient {
  state: ModelState = 'missing';
  error: string | null = null;
  device: Device | null = null;
  modelId: string;
  contextLength = 0;
  loadMs = 0;
  /** On the CPU: whether the optimized copy was reused, built now, or why it was not used. */
  optimized: OptimizedModel | null = null;
  /** The graph the session opened and the KV strategy over it, with why a faster path was not taken. */
  path: WorkerPath | null = null;
  /** How many workers were started (a crash replaces the worker). */
  workerStarts = 0;

  private worker: Worker | null = null;
  private readonly control = new SharedArrayBuffer(CONTROL.length * 4);
  private readonly controlView = new Int32Array(this.control);
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private loading: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: WorkerClientOptions) {
    this.modelId = path.basename(path.resolve(options.modelDir));
  }

  /**
   * Starts the worker and loads the model, once; later calls wait for the same load. A missing folder leaves the
   * state `missing` (checked again on the next call), a broken model leaves `error` with the reason.
   */
  ensureLoaded(): Promise<void> {
    if (this.state === 'ready' || this.closed) return Promise.resolve();
    if (!this.loading) {
      this.loading = this.load().finally(() => {
        this.loading = null;
      });
    }
    return this.loading;
  }

  private async load(): Promise<void> {
    if (!existsSync(this.options.modelDir)) {
      this.state = 'missing';
      this.error = null;
      return;
    }
    this.state = 'loading';
    this.error = null;
    const worker = this.spawn();
    const loaded = await new Promise<FromWorker>((resolve) => {
      const onMessage = (msg: FromWorker): void => {
        if (msg.type === 'loaded' || msg.type === 'load-failed') {
          worker.off('message', onMessage);
          resolve(msg);
        }
      };
      worker.on('message', onMessage);
      worker.once('exit', (code) =>
        resolve({ type: 'load-failed', message: `The inference worker exited (code ${code}).` }),
      );
      worker.postMessage({
        type: 'load',
        modelDir: this.options.modelDir,
        device: this.options.device,
        control: this.control,
        intraOpThreads: this.options.intraOpThreads,
        optimizedModelsDir:
          this.options.optimizedModelsDir === undefined
            ? path.join(userDataDir(), 'cache', 'optimized-models')
            : this.options.optimizedModelsDir,
        promptCacheIdleMs: this.options.promptCacheIdleMs,
        kvCache: this.options.kvCache,
      } satisfies ToWorker);
    });
    if (loaded.type === 'loaded') {
      this.state = 'ready';
      this.device = loaded.device;
      this.modelId = loaded.modelId;
      this.contextLength = loaded.contextLength;
      this.loadMs = loaded.loadMs;
      this.optimized = loaded.optimized;
      this.path = loaded.path;
    } else if (loaded.type === 'load-failed') {
      this.state = 'error';
      this.error = loaded.message;
      await this.stopWorker();
    }
  }

  private spawn(): Worker {
    const entry = workerEntry(this.options.worker?.script);
    const worker = new Worker(entry.file, {
      execArgv: entry.execArgv,
      workerData: this.options.worker?.data,
    });
    this.workerStarts += 1;
    this.worker = worker;
    worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    worker.on('error', (err) => this.onWorkerGone(worker, `The inference worker failed: ${err.message}`));
    worker.on('exit', (code) =>
      this.onWorkerGone(worker, `The inference worker stopped unexpectedly (exit code ${code}).`),
    );
    return worker;
  }

  private onWorkerGone(worker: Worker, message: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    const hadWork = this.pending.size > 0;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new InferenceError('worker_crashed', `${message} The request was stopped; try again.`));
    }
    if (this.closed) return;
    // A crash mid-generation must not leave the engine unusable: the next request loads a fresh worker.
    if (this.state === 'ready' || hadWork) {
      this.state = 'loading';
      this.error = null;
      this.ensureLoaded().catch(() => undefined);
    }
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'device-fallback') {
      if (this.state === 'ready') this.device = msg.to;
      this.options.onDeviceFallback?.(msg.from, msg.to, msg.reason);
      return;
    }
    if (!('id' in msg)) return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    switch (msg.type) {
      case 'started':
        this.device = msg.device;
        p.callbacks?.onStarted?.({
          inputTokens: msg.inputTokens,
          cachedInputTokens: msg.cachedInputTokens,
          maxNewTokens: msg.maxNewTokens,
        });
        break;
      case 'delta':
        p.callbacks?.onDelta(msg.text);
        break;
      case 'finished':
        this.pending.delete(msg.id);
        p.resolve({ text: msg.text, tokenIds: msg.tokenIds, stopReason: msg.stopReason, usage: msg.usage });
        break;
      case 'counted':
        this.pending.delete(msg.id);
        p.resolve({ tokens: msg.tokens, cached: msg.cached });
        break;
      case 'planned':
        this.pending.delete(msg.id);
        p.resolve(msg.plans);
        break;
      case 'failed':
        this.pending.delete(msg.id);
        p.reject(
          msg.inputTokens !== undefined
            ? new PromptTooLongError(msg.message, msg.inputTokens)
            : new InferenceError(msg.code, msg.message),
        );
        break;
    }
  }

  private request<T>(
    build: (id: number) => ToWorker,
    callbacks: GenerationCallbacks | null,
  ): { id: number; done: Promise<T> } {
    const worker = this.worker;
    if (!worker || this.state !== 'ready') {
      throw new InferenceError('model_not_ready', this.error ?? 'The model is not loaded yet.');
    }
    const id = this.nextId++;
    const done = new Promise<T>((resolve, reject) => {
      this.pending.set(id, { callbacks, resolve: resolve as (v: unknown) => void, reject });
    });
    worker.postMessage(build(id));
    return { id, done };
  }

  /**
   * Generates a reply to `input.messages`, at most `input.maxNewTokens` tokens or the room the prompt leaves.
   * Aborting `signal` stops the worker's loop before its next forward pass; the result then says `cancelled`.
   * @throws PromptTooLongError when the prompt leaves less room than `input.minNewTokens`; InferenceError
   *   `worker_crashed`, `model_not_ready` or `inference_failed`.
   */
  async generate(
    input: GenerationInput,
    callbacks: GenerationCallbacks,
    signal?: AbortSignal,
    decode?: Partial<DecodeSettings>,
  ): Promise<GenerationResult> {
    return this.runGeneration({ ...input, decode }, callbacks, signal);
  }

  private async runGeneration(
    fields: Omit<Extract<ToWorker, { type: 'generate' }>, 'type' | 'id'>,
    callbacks: GenerationCallbacks,
    signal?: AbortSignal,
  ): Promise<GenerationResult> {
    if ([...this.pending.values()].some((p) => p.callbacks)) {
      throw new InferenceError('busy', 'A generation is already running.');
    }
    const { id, done } = this.request<GenerationResult>(
      (id) => ({ type: 'generate', id, ...fields }),
      callbacks,
    );
    const cancel = (): void => {
      Atomics.store(this.controlView, CONTROL.cancelId, id);
    };
    if (signal?.aborted) cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      return await done;
    } finally {
      signal?.removeEventListener('abort', cancel);
    }
  }

  /** The length in tokens of each prompt, with the folder's chat template. */
  countPrompts(prompts: ChatMessage[][]): Promise<number[]> {
    return this.countPromptsAndCache(prompts).then((c) => c.tokens);
  }

  /**
   * Token counts of whole prompts, and how many of each prompt's tokens the next generation would read from the
   * prompt cache (what the last generation left: `kv/in-place-kv.ts`).
   */
  countPromptsAndCache(prompts: ChatMessage[][]): Promise<{ tokens: number[]; cached: number[] }> {
    return this.request<{ tokens: number[]; cached: number[] }>(
      (id) => ({ type: 'count', id, prompts }),
      null,
    ).done;
  }

  /** The document's parts for each budget, by the model's tokenizer (see summarize/chunker.ts). */
  plan(paragraphs: Paragraph[], budgets: number[]): Promise<Part[][]> {
    return this.request<Part[][]>((id) => ({ type: 'plan', id, paragraphs, budgets }), null).done;
  }

  private async stopWorker(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.terminate();
  }

  /**
   * Stops the worker for good: a load in flight is waited for, a running generation is cancelled and given a few
   * seconds to leave its native call, then the worker is terminated; pending requests fail with `worker_crashed`.
   */
  async close(): Promise<void> {
    this.closed = true;
    // A load in flight is inside onnxruntime's native code (opening the model, building and checking the
    // optimized copy): terminating the worker there aborts the whole process, as during a run. Let it finish.
    if (this.loading) await this.loading;
    const running = [...this.pending.entries()];
    if (running.length > 0) {
      for (const [id] of running) Atomics.store(this.controlView, CONTROL.cancelId, id);
      const settled = Promise.allSettled(
        running.map(
          ([, p]) =>
            new Promise<void>((resolve) => {
              const { resolve: ok, reject: fail } = p;
              p.resolve = (v) => (ok(v), resolve());
              p.reject = (e) => (fail(e), resolve());
            }),
        ),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
    }
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new InferenceError('worker_crashed', 'The engine is shutting down.'));
    }
    await this.stopWorker();
  }
}
