import { AutoTokenizer, env } from '@huggingface/transformers';
import path from 'node:path';
import { IncrementalDecoder } from '../../../localhost-engine/inference/text-stream';

describe('IncrementalDecoder on the real Phi-3 tokenizer', () => {
  it('emits deltas that add up to the full decode, spaces, emoji and CJK included', async () => {
    env.allowRemoteModels = false;
    env.localModelPath = '';
    const tok = await AutoTokenizer.from_pretrained(path.join(__dirname, '../../../models/tokenizer/phi3'), {
      local_files_only: true,
    });
    const text = 'Summary: revenue rose 12 %. 👩‍💻 团队 مرحبا — done.';
    const ids = tok.encode(text, { add_special_tokens: false });
    const decode = (x: number[]) => (x.length ? tok.decode(x, { skip_special_tokens: true }) : '');
    const decoder = new IncrementalDecoder(decode);
    const deltas = ids.map((id) => decoder.push(id));
    deltas.push(decoder.flush());
    expect(deltas.join('')).toBe(decode(ids));
    expect(deltas.every((d) => !d.includes('\uFFFD'))).toBe(true);
    expect(deltas.filter((d) => d.length > 0).length).toBeGreaterThan(5);
  });
});
