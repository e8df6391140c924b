/**
 * The model folder's tokenizer and chat template, through transformers.js, strictly from local files.
 */
import { AutoTokenizer, env } from '@huggingface/transformers';
import type { ChatMessage } from '../summarize/prompt';

/** The part of a transformers.js tokenizer the engine uses. */
export interface ChatTokenizer {
  readonly hasChatTemplate: boolean;
  encode(text: string): number[];
  decode(ids: number[]): string;
  applyChatTemplate(messages: ChatMessage[]): number[];
}

/**
 * Loads the tokenizer in `dir`; never reaches the network (the model hub is never contacted at run time).
 * @throws Error when `tokenizer.json` is missing or unreadable.
 */
export async function loadTokenizer(dir: string): Promise<ChatTokenizer> {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = '';
  const tok = await AutoTokenizer.from_pretrained(dir, { local_files_only: true });
  return {
    hasChatTemplate: typeof tok.chat_template === 'string' && tok.chat_template.length > 0,
    encode: (text) => tok.encode(text, { add_special_tokens: false }),
    decode: (ids) => (ids.length > 0 ? tok.decode(ids, { skip_special_tokens: true }) : ''),
    applyChatTemplate: (messages) => {
      // transformers.js 4 returns `{ input_ids, attention_mask }` here (plain arrays with return_tensor: false).
      const out = tok.apply_chat_template(messages, {
        add_generation_prompt: true,
        tokenize: true,
        return_tensor: false,
      }) as unknown as number[] | { input_ids: number[] };
      return Array.isArray(out) ? out : out.input_ids;
    },
  };
}

/** Phi-3's chat format, for folders whose tokenizer has no template of its own. */
export function phi3ChatText(messages: ChatMessage[]): string {
  return messages.map((m) => `<|${m.role}|>\n${m.content}<|end|>\n`).join('') + '<|assistant|>\n';
}

/** The prompt's token ids: the folder's chat template, or Phi-3's format where it has none. */
export function promptTokenIds(tokenizer: ChatTokenizer, messages: ChatMessage[]): number[] {
  return tokenizer.hasChatTemplate
    ? tokenizer.applyChatTemplate(messages)
    : tokenizer.encode(phi3ChatText(messages));
}
