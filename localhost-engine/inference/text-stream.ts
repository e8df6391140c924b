/**
 * Turns a growing list of token ids into text deltas.
 *
 * SentencePiece tokens carry their leading space and byte-fallback tokens can split one character across several
 * ids, so decoding each token alone loses spaces and emits broken characters. This keeps a short window of
 * recent ids and emits only text that a longer decode confirms (the method of Hugging Face's text-generation
 * server), so the concatenated deltas equal the decode of all ids, at O(window) cost per token.
 */
export type Decode = (ids: number[]) => string;

export class IncrementalDecoder {
  private ids: number[] = [];
  private prefixOffset = 0;
  private readOffset = 0;
  private emitted = '';

  constructor(private readonly decode: Decode) {}

  /** Adds one token; returns the text it completes (possibly empty). */
  push(id: number): string {
    this.ids.push(id);
    const prefixText = this.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const newText = this.decode(this.ids.slice(this.prefixOffset));
    if (newText.length > prefixText.length && !newText.endsWith('\uFFFD')) {
      const delta = newText.slice(prefixText.length);
      this.prefixOffset = this.readOffset;
      this.readOffset = this.ids.length;
      this.emitted += delta;
      return delta;
    }
    return '';
  }

  /** Whatever the window still holds (e.g. an incomplete character at the end). */
  flush(): string {
    const all = this.decode(this.ids);
    const rest = all.startsWith(this.emitted) ? all.slice(this.emitted.length) : '';
    this.emitted += rest;
    return rest;
  }

  /** All text emitted so far. */
  get text(): string {
    return this.emitted;
  }
}
