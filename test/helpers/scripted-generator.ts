/**
 * A generator without a model, behind the summarizer's seam: one token per word, answers written by `answer`
 * (default: the first words of the prompt's last message), streamed a word at a time with the answer's line breaks
 * kept, or refused as too long when `refuse` says so. It records every call, so tests can check what the
 * summarizer asked for and in which order.
 */
import type { Paragraph } from '../../localhost-engine/api/schemas';
import { planParts, type Part } from '../../localhost-engine/summarize/chunker';
import type { ChatMessage } from '../../localhost-engine/summarize/prompt';
import type { ModelHealth } from '../../localhost-engine/summarize/summarizer';
import type {
  Generation,
  GenerationCallbacks,
  GenerationRequest,
  GeneratorInfo,
  PromptTooLong,
  TextGenerator,
} from '../../localhost-engine/summarize/text-generator';

const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);
/** Words of a text, each line break kept at the end of the word before it. */
const lineWords = (text: string): string[] =>
  text
    .trim()
    .split(/[ \t]+|(?<=\n)/)
    .map((w) => w.replace(/^\n+/, ''))
    .filter(Boolean);

export const wordCount = (messages: ChatMessage[]): number =>
  messages.reduce((n, m) => n + words(m.content).length + 4, 0);

export class ScriptedGenerator implements TextGenerator {
  readonly calls: string[] = [];
  readonly prompts: ChatMessage[][] = [];

  constructor(
    private readonly opts: {
      contextLength?: number;
      answer?: (messages: ChatMessage[]) => string;
      /** Refuses a prompt as too long whatever its count (a server that counts tokens its own way). */
      refuse?: (messages: ChatMessage[]) => boolean;
    } = {},
  ) {}

  info(): GeneratorInfo {
    return {
      backend: 'local',
      model: 'scripted',
      device: 'cpu',
      contextLength: this.opts.contextLength ?? 4096,
    };
  }

  health(): ModelHealth {
    return { id: 'scripted', state: 'ready', device: 'cpu', error: null };
  }

  ensureReady(_signal?: AbortSignal): Promise<void> {
    return Promise.resolve();
  }

  countTokens(prompts: ChatMessage[][]): Promise<number[]> {
    this.calls.push('countTokens');
    return Promise.resolve(prompts.map(wordCount));
  }

  plan(paragraphs: Paragraph[], budgets: number[]): Promise<Part[][]> {
    this.calls.push('plan');
    const counter = {
      count: (text: string) => words(text).length,
      cut: (text: string, max: number) => {
        const all = words(text);
        const pieces: string[] = [];
        for (let i = 0; i < all.length; i += max) pieces.push(all.slice(i, i + max).join(' '));
        return pieces;
      },
    };
    return Promise.resolve(budgets.map((b) => planParts(paragraphs, counter, b)));
  }

  async generate(
    request: GenerationRequest,
    callbacks: GenerationCallbacks,
    signal: AbortSignal,
  ): Promise<Generation | PromptTooLong> {
    this.calls.push('generate');
    this.prompts.push(request.messages);
    const inputTokens = wordCount(request.messages);
    const room = this.info().contextLength - inputTokens;
    if (room < request.minNewTokens || this.opts.refuse?.(request.messages)) {
      return { stopReason: 'too_long', inputTokens };
    }
    const maxNewTokens = Math.min(request.maxNewTokens, room);
    callbacks.onStart?.({ inputTokens, cachedInputTokens: 0, maxNewTokens });
    const last = request.messages[request.messages.length - 1].content;
    const scripted = this.opts.answer?.(request.messages);
    // A scripted answer keeps its line breaks (a word then carries them); the default one is plain words.
    const answer = (scripted === undefined ? words(last) : lineWords(scripted)).slice(0, maxNewTokens);
    let text = '';
    for (const [i, word] of answer.entries()) {
      await Promise.resolve();
      if (signal.aborted) return this.result(text, 'cancelled', inputTokens, i);
      const delta = `${i > 0 && !text.endsWith('\n') ? ' ' : ''}${word}`;
      text += delta;
      callbacks.onDelta(delta);
    }
    return this.result(text, answer.length === maxNewTokens ? 'length' : 'eos', inputTokens, answer.length);
  }

  private result(
    text: string,
    stopReason: Generation['stopReason'],
    inputTokens: number,
    outputTokens: number,
  ) {
    return {
      text,
      stopReason,
      usage: {
        inputTokens,
        cachedInputTokens: 0,
        outputTokens,
        ttftMs: 1,
        prefillMs: 1,
        decodeMs: 1,
        prefillTokensPerSecond: inputTokens * 1000,
        decodeTokensPerSecond: outputTokens * 1000,
        totalMs: 2,
      },
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
