import * as fs from 'node:fs';
import * as path from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env, Tensor } from '@huggingface/transformers';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';

describe('generated tiny model, transformers.js layout', () => {
  let folder: string;

  beforeAll(async () => {
    folder = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    env.allowRemoteModels = false;
    env.allowLocalModels = true;
    env.localModelPath = path.dirname(folder) + path.sep;
  });

  it('has the Hugging Face files with the Phi-3 ids', () => {
    for (const f of [
      'config.json',
      'generation_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'special_tokens_map.json',
    ]) {
      expect(fs.existsSync(path.join(folder, f))).toBe(true);
    }
    expect(fs.existsSync(path.join(folder, 'onnx', 'model_q4.onnx_data'))).toBe(true);
    const config = JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'phi3',
      architectures: ['Phi3ForCausalLM'],
      vocab_size: 32064,
      bos_token_id: 1,
    });
    const generation = JSON.parse(fs.readFileSync(path.join(folder, 'generation_config.json'), 'utf8'));
    expect(generation.eos_token_id).toEqual([32000, 32007]);
  });

  it('loads with AutoModelForCausalLM (q4) and generates greedily', async () => {
    const id = path.basename(folder);
    const tokenizer = await AutoTokenizer.from_pretrained(id, { local_files_only: true });
    const model = await AutoModelForCausalLM.from_pretrained(id, { local_files_only: true, dtype: 'q4' });
    try {
      const inputs = tokenizer('The contract ends on the last day of March.');
      const output = (await model.generate({ ...inputs, max_new_tokens: 10, do_sample: false })) as Tensor;
      const promptLength = (inputs.input_ids as Tensor).dims[1];
      expect(output.dims).toEqual([1, promptLength + 10]);
      const generated = Array.from(output.data as BigInt64Array)
        .slice(promptLength)
        .map(Number);
      expect(new Set(generated).size).toBeGreaterThanOrEqual(3);
      expect(typeof tokenizer.decode(generated, { skip_special_tokens: true })).toBe('string');
    } finally {
      await model.dispose();
    }
  });
});
