/**
 * The `llama` (SentencePiece) vocabulary of a Phi-3 GGUF from the tokenizer.json the generator ships, with the
 * token types and special ids llama.cpp's convert_hf_to_gguf.py (Phi3MiniModel.set_vocab) gives them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PHI3_TOKENIZER_DIR } from '../phi3-tokenizer-dir';
import { GgufValue } from './gguf-writer';

/** gguf-py's TokenType. */
export const TokenType = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

interface TokenizerJson {
  added_tokens: { id: number; content: string; special: boolean }[];
  model: { vocab: Record<string, number>; merges: string[] };
}

/**
 * Tokens, scores and types for `vocabSize` ids. There is no tokenizer.model here, so a normal token's score is
 * minus the rank of the first BPE merge that makes it: llama.cpp's SPM tokenizer merges the highest-scoring pair
 * first, as BPE applies the lowest-ranked merge first. Added tokens score -1000, padding ids -10000 (as converted).
 */
export function phi3GgufVocab(vocabSize: number): {
  tokens: string[];
  scores: Float32Array;
  types: Int32Array;
} {
  const tok = JSON.parse(
    fs.readFileSync(path.join(PHI3_TOKENIZER_DIR, 'tokenizer.json'), 'utf8'),
  ) as TokenizerJson;
  const tokens = Array.from({ length: vocabSize }, (_, i) => `[PAD${i}]`);
  const scores = new Float32Array(vocabSize).fill(-10000);
  const types = new Int32Array(vocabSize).fill(TokenType.UNUSED);
  const rank = new Map<string, number>();
  tok.model.merges.forEach((m, r) => {
    const merged = m.replace(' ', '');
    if (!rank.has(merged)) rank.set(merged, r);
  });
  const unranked = tok.model.merges.length;
  for (const [text, id] of Object.entries(tok.model.vocab)) {
    tokens[id] = text;
    const byte = /^<0x[0-9A-F]{2}>$/.test(text);
    types[id] = byte ? TokenType.BYTE : TokenType.NORMAL;
    scores[id] = byte ? 0 : -(rank.get(text) ?? unranked + id);
  }
  for (const t of tok.added_tokens) {
    if (t.id >= vocabSize) continue;
    tokens[t.id] = t.content;
    scores[t.id] = -1000;
    types[t.id] = t.special ? TokenType.CONTROL : TokenType.USER_DEFINED;
  }
  return { tokens, scores, types };
}

/** The tokenizer.* metadata of a Phi-3 GGUF: vocabulary, special ids, BOS handling and chat template. */
export function phi3TokenizerMetadata(vocabSize: number): [string, GgufValue][] {
  const config = JSON.parse(
    fs.readFileSync(path.join(PHI3_TOKENIZER_DIR, 'tokenizer_config.json'), 'utf8'),
  ) as {
    add_bos_token: boolean;
    add_eos_token: boolean;
    chat_template: string;
  };
  const { tokens, scores, types } = phi3GgufVocab(vocabSize);
  const id = (text: string) => tokens.indexOf(text);
  return [
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.pre', { type: 'string', value: 'default' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'f32[]', value: scores }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: types }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: id('<s>') }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: id('<|endoftext|>') }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: id('<unk>') }],
    ['tokenizer.ggml.padding_token_id', { type: 'u32', value: id('<|endoftext|>') }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: config.add_bos_token }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: config.add_eos_token }],
    ['tokenizer.chat_template', { type: 'string', value: config.chat_template }],
  ];
}
