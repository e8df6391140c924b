/**
 * The seam under the summarizer: what writes text for a prompt. Everything above it (plan, parts, part cache,
 * events) is the same whichever generator runs; below it is the local ONNX worker (`local-generator.ts`) or a
 * server the user configured.
 */
import type { Device, Paragraph } from '../api/schemas';
import type { GenerationUsage } from '../inference/worker-protocol';
import type { Part } from './chunker';
import type { ChatMessage } from './prompt';
import type { ModelHealth } from './summarizer';

export interface GeneratorInfo {
  /** `local`: the ONNX worker in this engine. */
  backend: 'local' | 'upstream';
  model: string;
  device: Device | null;
  /** Prompt and answer tokens the model reads at once. */
  contextLength: number;
}

export interface GenerationRequest {
  messages: ChatMessage[];
  /** The most tokens to write. */
  maxNewTokens: number;
  /**
   * The fewest tokens of room the answer needs: a prompt that leaves less is refused (`too_long`) before any
   * work; otherwise the cap is `maxNewTokens` or the room left, whichever is smaller.
   */
  minNewTokens: number;
}

/** Reported once the prompt is tokenized, before the first token. */
export interface GenerationStart {
  inputTokens: number;
  /** Of `inputTokens`, those the generator will not run again (a prompt or prefix cache). */
  cachedInputTokens: number;
  /** The cap in force: `maxNewTokens` or the room the prompt leaves. */
  maxNewTokens: number;
}

export interface GenerationCallbacks {
  onStart?: (start: GenerationStart) => void;
  onDelta: (text: string) => void;
}

export interface Generation {
  text: string;
  stopReason: 'eos' | 'length' | 'cancelled';
  usage: GenerationUsage;
  /** From an upstream server: what it reported, next to what was measured here. */
  upstream?: UpstreamGenerationUsage;
}

/** The usage a server reported for one request (its `usage` object). */
export interface ReportedUsage {
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens the server read from its prefix cache (vLLM's `prompt_tokens_details.cached_tokens`), if said. */
  cachedTokens: number | null;
}

export interface UpstreamGenerationUsage {
  /** Null when the server reported none. */
  reported: ReportedUsage | null;
  /** This engine's estimate of the prompt's size (`upstream/estimated-token-counter.ts`). */
  estimatedPromptTokens: number;
  /** Text deltas received. */
  deltas: number;
}

/** The prompt leaves less room than `minNewTokens`: nothing was generated. */
export interface PromptTooLong {
  stopReason: 'too_long';
  inputTokens: number;
}

export interface TextGenerator {
  info(): GeneratorInfo;
  health(): ModelHealth;
  /**
   * Resolves once the generator can generate. Aborting `signal` (Stop) may make it resolve early, not ready: the
   * caller checks the signal before going on, and the next call tries again.
   * @throws InferenceError `model_missing` or `model_error` with a message for the user.
   */
  ensureReady(signal?: AbortSignal): Promise<void>;
  /** Prompt sizes in the generator's tokens, chat template included. */
  countTokens(prompts: ChatMessage[][]): Promise<number[]>;
  /** The document's parts for each budget of prompt tokens (`chunker.ts`). */
  plan(paragraphs: Paragraph[], budgets: number[]): Promise<Part[][]>;
  /**
   * Writes the answer to `request.messages`, streaming it through `callbacks.onDelta`. Aborting `signal` ends it
   * with `cancelled` within one token.
   * @throws InferenceError when generation fails (the code says why).
   */
  generate(
    request: GenerationRequest,
    callbacks: GenerationCallbacks,
    signal: AbortSignal,
  ): Promise<Generation | PromptTooLong>;
  close(): Promise<void>;
}
