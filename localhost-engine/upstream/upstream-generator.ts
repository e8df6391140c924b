/**
 * A generator on an OpenAI-compatible server the user configured (Foundry Local, Ollama, LM Studio, llama.cpp's
 * server, vLLM, Ray Serve, or another LocalScribe): `POST {base}/chat/completions` with `stream: true`, read as
 * server-sent events until `data: [DONE]`, and `GET {base}/models` for the context size. Its tokenizer is not here,
 * so prompt sizes are estimates that err high (`estimated-token-counter.ts`) and the server's own "context length
 * exceeded" answer comes back as `too_long`, which makes the summarizer split the part again.
 */
import type { IncomingMessage } from 'node:http';
import type { Paragraph } from '../api/schemas';
import { InferenceError } from '../inference/inference-worker-client';
import { planParts, type Part } from '../summarize/chunker';
import type { ChatMessage } from '../summarize/prompt';
import type { ModelHealth } from '../summarize/summarizer';
import type {
  Generation,
  GenerationCallbacks,
  GenerationRequest,
  GenerationStart,
  GeneratorInfo,
  PromptTooLong,
  ReportedUsage,
  TextGenerator,
} from '../summarize/text-generator';
import { chatChunks, errorMessage, MalformedStreamError } from './chat-chunks';
import { contextOverflow } from './context-overflow';
import { estimatedTokenCounter, estimatePromptTokens } from './estimated-token-counter';
import { sseEvents } from './sse-events';
import type { UpstreamConfig } from './upstream-config';
import {
  DEFAULT_RETRY,
  readText,
  UpstreamHttp,
  type RetryPolicy,
  type UpstreamResponse,
} from './upstream-http';

/**
 * The context assumed when neither the config nor the server says: 2,048 tokens, Ollama's `num_ctx` default until
 * v0.6.7 and the smallest a common local server has defaulted to, so nothing is planned past what the server reads.
 */
export const DEFAULT_UPSTREAM_CONTEXT = 2048;

/**
 * A server that read fewer tokens than one per this many characters of the prompt dropped part of it (Ollama cuts
 * prompts past its `num_ctx` without an error): English runs about 4 characters per token in the Phi-3 and
 * Llama-3 tokenizers, and no common tokenizer averages anywhere near 10 on prose.
 */
const MAX_CHARS_PER_REPORTED_TOKEN = 10;

/** The longest the first `GET /models` may take. */
const PROBE_MS = 30_000;

/** Silence that fails a request: a large model may take minutes to load and read a long prompt. */
const DEFAULT_STALL_MS = 5 * 60_000;

const pieces = (n: number): string => `${n} ${n === 1 ? 'piece' : 'pieces'} of text`;

export interface UpstreamGeneratorOptions {
  config: UpstreamConfig;
  /** Where the API key's variable is read, at each request (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  retry?: RetryPolicy;
  /** Silence that fails a request (default `DEFAULT_STALL_MS`). */
  stallMs?: number;
}

/** How one streamed answer went, as the loop over its chunks saw it. */
interface StreamState {
  text: string;
  deltas: number;
  firstDeltaAt: number;
  lastDeltaAt: number;
  finish: string | null;
  done: boolean;
  reported: ReportedUsage | null;
}

export class UpstreamGenerator implements TextGenerator {
  private readonly http: UpstreamHttp;
  private readonly config: UpstreamConfig;
  /** From `/v1/models` when the config does not say. */
  private discoveredContext: number | null = null;
  private probed = false;

  constructor(private readonly options: UpstreamGeneratorOptions) {
    const config = options.config;
    this.config = config;
    const env = options.env ?? process.env;
    this.http = new UpstreamHttp({
      baseUrl: config.baseUrl,
      ca: config.ca,
      authorization: () =>
        config.apiKeyEnv && env[config.apiKeyEnv] ? `Bearer ${env[config.apiKeyEnv]}` : null,
      retry: options.retry ?? DEFAULT_RETRY,
      stallMs: options.stallMs ?? DEFAULT_STALL_MS,
    });
  }

  /** The server's `host:port`, as the pane shows it ("Text is sent to HOST"). */
  get host(): string {
    return this.http.host;
  }

  info(): GeneratorInfo {
    return {
      backend: 'upstream',
      model: this.config.model,
      device: null,
      contextLength: this.config.contextLength ?? this.discoveredContext ?? DEFAULT_UPSTREAM_CONTEXT,
    };
  }

  health(): ModelHealth {
    return { id: this.config.model, state: 'ready', device: null, error: null };
  }

  /**
   * Learns the context size from `/v1/models` (vLLM's `max_model_len`) unless the config gives it, once; a server
   * that does not list it leaves the default. Aborting `signal` ends the request at once and resolves having
   * learned nothing (the next call asks again).
   * @throws InferenceError when the server cannot be reached, or lists models but not the configured one.
   */
  async ensureReady(signal?: AbortSignal): Promise<void> {
    if (this.config.contextLength !== null || this.probed || signal?.aborted) return;
    const timeout = AbortSignal.timeout(PROBE_MS);
    let text: string;
    let res: IncomingMessage;
    try {
      ({ res } = await this.http.request(
        'GET',
        '/models',
        null,
        signal ? AbortSignal.any([signal, timeout]) : timeout,
      ));
      text = await readText(res);
      // A body cut short by Stop may read as a short one, not as an error.
      signal?.throwIfAborted();
    } catch (err) {
      if (signal?.aborted) return;
      if (err instanceof InferenceError) throw err;
      throw new InferenceError(
        'upstream_unreachable',
        `${this.host} did not list its models within ${PROBE_MS / 1000} s (GET ${this.config.baseUrl}/models). Check that the server is up.`,
      );
    }
    this.probed = true;
    if (res.statusCode !== 200) return;
    let list: unknown;
    try {
      list = JSON.parse(text);
    } catch {
      return;
    }
    const data = (list as { data?: unknown }).data;
    if (!Array.isArray(data) || data.length === 0) return;
    // Ollama lists "name:latest" and answers to "name" too.
    const names = [this.config.model, `${this.config.model}:latest`];
    const entry = data.find((m) => names.includes(String((m as { id?: unknown }).id))) as
      { max_model_len?: unknown } | undefined;
    if (!entry) {
      this.probed = false;
      const ids = data.map((m) => String((m as { id?: unknown }).id)).slice(0, 10);
      throw new InferenceError(
        'upstream_model',
        `${this.host} does not serve the model "${this.config.model}"; it lists ${ids.join(', ')}. Check --upstream-model ("model" in the config file).`,
      );
    }
    if (typeof entry.max_model_len === 'number' && entry.max_model_len > 0) {
      this.discoveredContext = entry.max_model_len;
    }
  }

  countTokens(prompts: ChatMessage[][]): Promise<number[]> {
    return Promise.resolve(prompts.map(estimatePromptTokens));
  }

  plan(paragraphs: Paragraph[], budgets: number[]): Promise<Part[][]> {
    return Promise.resolve(budgets.map((b) => planParts(paragraphs, estimatedTokenCounter, b)));
  }

  async generate(
    request: GenerationRequest,
    callbacks: GenerationCallbacks,
    signal: AbortSignal,
  ): Promise<Generation | PromptTooLong> {
    const started = performance.now();
    const estimate = estimatePromptTokens(request.messages);
    const room = this.info().contextLength - estimate;
    if (room < request.minNewTokens) return { stopReason: 'too_long', inputTokens: estimate };
    const maxTokens = Math.min(request.maxNewTokens, room);
    const body = JSON.stringify({
      model: this.config.model,
      messages: request.messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: maxTokens,
      temperature: 0,
    });
    const state: StreamState = {
      text: '',
      deltas: 0,
      firstDeltaAt: 0,
      lastDeltaAt: 0,
      finish: null,
      done: false,
      reported: null,
    };
    let answer: UpstreamResponse | null = null;
    try {
      answer = await this.http.request('POST', '/chat/completions', body, signal);
      const refused = await this.refusal(answer, estimate);
      if (refused) return refused;
      const start: GenerationStart = { inputTokens: estimate, cachedInputTokens: 0, maxNewTokens: maxTokens };
      const tooLong = await this.read(answer.res, state, callbacks, start);
      if (tooLong) return tooLong;
    } catch (err) {
      if (signal.aborted) return this.result(state, 'cancelled', estimate, started);
      throw this.streamError(err, state, answer);
    }
    if (signal.aborted) return this.result(state, 'cancelled', estimate, started);
    if (!state.done && state.finish === null) {
      throw new InferenceError(
        'upstream_stream_ended',
        `The answer from ${this.host} stopped before it finished (after ${pieces(state.deltas)}, without a finish reason or [DONE]). The server may have stopped or restarted; check its log and try again.`,
      );
    }
    this.checkNotTruncated(state.reported, request.messages);
    return this.result(state, state.finish === 'length' ? 'length' : 'eos', estimate, started);
  }

  /** A non-200 answer: `too_long` for "context length exceeded", an error saying what to check otherwise. */
  private async refusal(answer: UpstreamResponse, estimate: number): Promise<PromptTooLong | null> {
    const { res, tries, waitedMs } = answer;
    const status = res.statusCode ?? 0;
    if (status === 200) return null;
    const text = await readText(res);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // A plain-text error page: its text is the message.
    }
    const message = (errorMessage(body) ?? text.trim().slice(0, 300)) || `HTTP ${status}`;
    const counted = contextOverflow(body, message);
    if (counted !== undefined) return { stopReason: 'too_long', inputTokens: counted ?? estimate };
    const host = this.host;
    if (status === 429 || status === 503) {
      throw new InferenceError(
        'upstream_busy',
        `${host} is busy (HTTP ${status}: ${message}); tried ${tries} times over ${Math.round(waitedMs / 1000)} s. Try again later, or ask whoever runs the server about its capacity.`,
      );
    }
    if (status === 401 || status === 403) {
      const key = this.config.apiKeyEnv
        ? `the key is read from the environment variable ${this.config.apiKeyEnv}; check its value`
        : 'no API key is configured; name the environment variable that holds it with --upstream-key-env ("apiKeyEnv")';
      throw new InferenceError(
        'upstream_auth',
        `${host} refused the request (HTTP ${status}: ${message}): ${key}.`,
      );
    }
    if (status === 404) {
      throw new InferenceError(
        'upstream_not_found',
        `${host} answered HTTP 404 (${message}): check that ${this.config.baseUrl} is the server's OpenAI-compatible base (it usually ends in /v1) and that it serves the model "${this.config.model}".`,
      );
    }
    throw new InferenceError(
      'upstream_error',
      status >= 500
        ? `${host} failed (HTTP ${status}: ${message}); its log says why.`
        : `${host} refused the request (HTTP ${status}: ${message}).`,
    );
  }

  /**
   * Streams the answer's text into `state`; returns `too_long` when the server says so before any answer. Reports
   * `start` only once the server answers, so a prompt it refuses inside the stream (to be split again) reports none.
   */
  private async read(
    res: IncomingMessage,
    state: StreamState,
    callbacks: GenerationCallbacks,
    start: GenerationStart,
  ): Promise<PromptTooLong | null> {
    let answered = false;
    const type = String(res.headers['content-type'] ?? '');
    // A server that ignores `stream: true` answers with one JSON body; LM Studio sends its errors that way too.
    const events = type.includes('application/json')
      ? (async function* () {
          yield { kind: 'data' as const, value: await readText(res, 16 * 1024 * 1024) };
          yield { kind: 'data' as const, value: '[DONE]' };
        })()
      : sseEvents(res);
    for await (const event of events) {
      for (const chunk of chatChunks(event)) {
        if (!answered && chunk.kind !== 'server-error') {
          answered = true;
          callbacks.onStart?.(start);
        }
        switch (chunk.kind) {
          case 'text': {
            const now = performance.now();
            if (!state.firstDeltaAt) state.firstDeltaAt = now;
            state.lastDeltaAt = now;
            state.text += chunk.text;
            state.deltas += 1;
            callbacks.onDelta(chunk.text);
            break;
          }
          case 'finish':
            state.finish = chunk.reason;
            break;
          case 'usage':
            state.reported = chunk.usage;
            break;
          case 'done':
            state.done = true;
            res.resume();
            return null;
          case 'server-error': {
            const counted = contextOverflow(chunk.body, chunk.message);
            if (counted !== undefined && !answered) {
              res.destroy();
              return { stopReason: 'too_long', inputTokens: counted ?? start.inputTokens };
            }
            throw new InferenceError(
              'upstream_error',
              `${this.host} reported an error in the middle of its answer: ${chunk.message}`,
            );
          }
        }
      }
    }
    return null;
  }

  /** What went wrong while reading, as an error that says what to check. */
  private streamError(err: unknown, state: StreamState, answer: UpstreamResponse | null): Error {
    if (err instanceof InferenceError) return err;
    if (err instanceof MalformedStreamError || err instanceof RangeError) {
      return new InferenceError(
        'upstream_malformed',
        `${this.host} sent ${err.message}. Is ${this.config.baseUrl} an OpenAI-compatible endpoint (usually ending in /v1)?`,
      );
    }
    const stalled = answer?.stalled() ?? false;
    return new InferenceError(
      'upstream_stream_ended',
      stalled
        ? `${this.host} sent nothing for ${Math.round((this.options.stallMs ?? DEFAULT_STALL_MS) / 100) / 10} s in the middle of its answer (after ${pieces(state.deltas)}), so it was given up. Check that the server is not overloaded or stuck.`
        : `The connection to ${this.host} broke in the middle of the answer (after ${pieces(state.deltas)}: ${(err as Error).message}). The server may have stopped or restarted; check its log and try again.`,
    );
  }

  /** Refuses an answer to a prompt the server cut (its reported prompt is far shorter than the text sent). */
  private checkNotTruncated(reported: ReportedUsage | null, messages: ChatMessage[]): void {
    const chars = messages.reduce((n, m) => n + m.content.length, 0);
    if (!reported || reported.promptTokens * MAX_CHARS_PER_REPORTED_TOKEN >= chars) return;
    throw new InferenceError(
      'upstream_truncated',
      `${this.host} read only ${reported.promptTokens} tokens of a ${chars}-character prompt: it cut the text (Ollama does this past its num_ctx). Set the upstream's context size (--upstream-context, "contextLength") to the server's, or raise the server's.`,
    );
  }

  private result(
    state: StreamState,
    stopReason: Generation['stopReason'],
    estimate: number,
    started: number,
  ): Generation {
    const reported = state.reported;
    const inputTokens = reported?.promptTokens ?? estimate;
    const cachedInputTokens = Math.min(reported?.cachedTokens ?? 0, inputTokens);
    const outputTokens = reported?.completionTokens ?? state.deltas;
    const end = performance.now();
    const ttftMs = (state.firstDeltaAt || end) - started;
    const decodeMs = state.lastDeltaAt - state.firstDeltaAt;
    return {
      text: state.text,
      stopReason,
      usage: {
        inputTokens,
        cachedInputTokens,
        outputTokens,
        ttftMs,
        // Measured here: the wait for the first text (network, the server's queue and its prefill), then the rest.
        prefillMs: ttftMs,
        decodeMs,
        prefillTokensPerSecond: ttftMs > 0 ? ((inputTokens - cachedInputTokens) / ttftMs) * 1000 : 0,
        decodeTokensPerSecond: decodeMs > 0 ? ((outputTokens - 1) / decodeMs) * 1000 : 0,
        totalMs: end - started,
      },
      upstream: { reported, estimatedPromptTokens: estimate, deltas: state.deltas },
    };
  }

  close(): Promise<void> {
    this.http.close();
    return Promise.resolve();
  }
}
