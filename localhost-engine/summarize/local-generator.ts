/**
 * The default generator: the model on this machine, run by the inference worker (`../inference/`).
 */
import type { Paragraph } from '../api/schemas';
import {
  InferenceError,
  InferenceWorkerClient,
  PromptTooLongError,
  type WorkerClientOptions,
} from '../inference/inference-worker-client';
import type { DecodeSettings } from '../inference/token-loop';
import type { Part } from './chunker';
import type { ChatMessage } from './prompt';
import type { ModelHealth } from './summarizer';
import type {
  Generation,
  GenerationCallbacks,
  GenerationRequest,
  GeneratorInfo,
  PromptTooLong,
  TextGenerator,
} from './text-generator';

export interface LocalGeneratorOptions extends WorkerClientOptions {
  /** Overrides of the decoding defaults (tests pin them to compare with a reference implementation). */
  decode?: Partial<DecodeSettings>;
}

export class LocalGenerator implements TextGenerator {
  readonly worker: InferenceWorkerClient;

  constructor(private readonly options: LocalGeneratorOptions) {
    this.worker = new InferenceWorkerClient(options);
  }

  info(): GeneratorInfo {
    const w = this.worker;
    return { backend: 'local', model: w.modelId, device: w.device, contextLength: w.contextLength };
  }

  health(): ModelHealth {
    const w = this.worker;
    if (w.state === 'missing' && !w.error) void w.ensureLoaded(); // a model installed meanwhile is picked up
    return { id: w.modelId, state: w.state, device: w.device, error: w.error };
  }

  /** Starts loading the model now instead of on the first request. */
  warmUp(): Promise<void> {
    return this.worker.ensureLoaded();
  }

  /**
   * Loads the model if it is not yet. Stop does not cut the load short (that would leave a half-loaded worker, and
   * the next run needs the model anyway): the summarizer checks the signal once it is loaded.
   * @throws InferenceError `model_missing` or `model_error`.
   */
  async ensureReady(): Promise<void> {
    const worker = this.worker;
    await worker.ensureLoaded();
    const state = worker.state as ModelHealth['state'];
    if (state === 'missing') throw new InferenceError('model_missing', 'No model is installed.');
    if (state !== 'ready') {
      throw new InferenceError(
        'model_error',
        `The model could not be loaded: ${worker.error ?? 'unknown error'}`,
      );
    }
  }

  countTokens(prompts: ChatMessage[][]): Promise<number[]> {
    return this.worker.countPrompts(prompts);
  }

  plan(paragraphs: Paragraph[], budgets: number[]): Promise<Part[][]> {
    return this.worker.plan(paragraphs, budgets);
  }

  async generate(
    request: GenerationRequest,
    callbacks: GenerationCallbacks,
    signal: AbortSignal,
  ): Promise<Generation | PromptTooLong> {
    try {
      const result = await this.worker.generate(
        request,
        { onStarted: callbacks.onStart, onDelta: callbacks.onDelta },
        signal,
        this.options.decode,
      );
      return { text: result.text, stopReason: result.stopReason, usage: result.usage };
    } catch (err) {
      if (err instanceof PromptTooLongError) return { stopReason: 'too_long', inputTokens: err.inputTokens };
      throw err;
    }
  }

  close(): Promise<void> {
    return this.worker.close();
  }
}
