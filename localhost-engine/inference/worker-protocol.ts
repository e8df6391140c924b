/**
 * Messages between the engine's event loop and the inference worker. Cancellation does not travel as a message:
 * the worker's thread is busy inside `session.run` while a step runs, so the main thread writes the id of the
 * cancelled generation into shared memory and the loop reads it between steps.
 */
import type { Device, Paragraph } from '../api/schemas';
import type { Part } from '../summarize/chunker';
import type { ChatMessage } from '../summarize/prompt';
import type { OptimizedModel } from './optimized-model';
import type { GraphChoice } from './session-graph';
import type { DecodeSettings } from './token-loop';

/** The graph a worker's session opened (`session-graph.ts`) and the KV strategy it runs with. */
export type WorkerPath = GraphChoice & { kv: string };

export type DeviceOption = 'auto' | Device;

/** The CPU's KV cache: float16, or the model's own element type (`session-graph.ts`). */
export type KvCacheOption = 'float16' | 'model';

/** Slots of the shared control block (Int32Array over a SharedArrayBuffer). */
export const CONTROL = { cancelId: 0, length: 1 } as const;

export interface LoadRequest {
  type: 'load';
  modelDir: string;
  device: DeviceOption;
  control: SharedArrayBuffer;
  intraOpThreads?: number;
  /** Where optimized CPU copies of models are kept (`optimized-model.ts`); null opens the original every time. */
  optimizedModelsDir: string | null;
  /**
   * How long the last generation's KV cache is kept for the next one (the prompt cache, `kv/in-place-kv.ts`) once
   * the worker is idle, in milliseconds; 0 keeps none. Default `PROMPT_CACHE_IDLE_MS`.
   */
  promptCacheIdleMs?: number;
  /** Default `float16`. */
  kvCache?: KvCacheOption;
}

/** Five minutes: a user re-running a summary (another style, after Stop) is faster; an idle engine lets go. */
export const PROMPT_CACHE_IDLE_MS = 5 * 60 * 1000;

export interface GenerateRequest {
  type: 'generate';
  id: number;
  messages: ChatMessage[];
  maxNewTokens: number;
  /** A prompt that leaves less room than this fails with `input_too_long`; default `maxNewTokens`. */
  minNewTokens?: number;
  decode?: Partial<Omit<DecodeSettings, 'maxNewTokens' | 'eosTokenIds'>>;
}

/** Token counts of whole prompts (chat template included). */
export interface CountRequest {
  type: 'count';
  id: number;
  prompts: ChatMessage[][];
}

/** Parts of a document for each of several budgets, sharing one count per paragraph (the tokenizer is here). */
export interface PlanRequest {
  type: 'plan';
  id: number;
  paragraphs: Paragraph[];
  budgets: number[];
}

export type ToWorker = LoadRequest | GenerateRequest | CountRequest | PlanRequest;

export interface GenerationUsage {
  inputTokens: number;
  /** Of `inputTokens`, those whose keys and values came from the last generation's cache. */
  cachedInputTokens: number;
  outputTokens: number;
  ttftMs: number;
  prefillMs: number;
  decodeMs: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  totalMs: number;
}

export type FromWorker =
  | {
      type: 'loaded';
      modelId: string;
      layout: string;
      contextLength: number;
      device: Device;
      loadMs: number;
      optimized: OptimizedModel | null;
      /** What the session runs and why: the graph the engine opened and the KV strategy over it. */
      path: WorkerPath;
    }
  | { type: 'load-failed'; message: string }
  | { type: 'device-fallback'; from: Device; to: Device; reason: string }
  | {
      type: 'started';
      id: number;
      inputTokens: number;
      /** Of `inputTokens`, those the prompt cache supplies. */
      cachedInputTokens: number;
      /** The cap in force: the request's, or the room the prompt leaves. */
      maxNewTokens: number;
      device: Device;
    }
  | { type: 'delta'; id: number; text: string }
  | {
      type: 'finished';
      id: number;
      text: string;
      tokenIds: number[];
      stopReason: 'eos' | 'length' | 'cancelled';
      usage: GenerationUsage;
    }
  | {
      type: 'counted';
      id: number;
      tokens: number[];
      /** Of each prompt's tokens, those the next generation would read from the prompt cache. */
      cached: number[];
    }
  | { type: 'planned'; id: number; plans: Part[][] }
  | { type: 'failed'; id: number; code: string; message: string; inputTokens?: number };
