/**
 * transformers.js (@huggingface/transformers, the project's dependency) generates from every generated copy of a
 * real export, and greedily picks the same tokens as a plain onnxruntime loop over the same graph: the web folders
 * through their config.json and dtype, the GenAI folders through the config.json they ship beside genai_config.json,
 * pointed at their graph file (as test/helpers/genai-fixture-for-transformers.ts does for the fixture).
 */
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { REAL_LAYOUTS, RealLayoutName } from '../../models/layouts/registry';
import { greedy } from './ort-decoder';
import { transformersOptions } from '../helpers/transformers-options';

const PROMPT = [1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203];
const NEW_TOKENS = 12;

beforeAll(() => {
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = '';
});

it.each(Object.keys(REAL_LAYOUTS) as RealLayoutName[])(
  'transformers.js generates from tiny %s the tokens of a plain greedy loop',
  async (layout) => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout });
    const model = await AutoModelForCausalLM.from_pretrained(dir, {
      local_files_only: true,
      device: 'cpu',
      ...transformersOptions(layout),
    });
    let generated: number[];
    try {
      const output = (await model.generate({
        input_ids: new Tensor('int64', BigInt64Array.from(PROMPT.map(BigInt)), [1, PROMPT.length]),
        attention_mask: new Tensor('int64', new BigInt64Array(PROMPT.length).fill(1n), [1, PROMPT.length]),
        max_new_tokens: NEW_TOKENS,
        do_sample: false,
      })) as Tensor;
      generated = Array.from(output.data as BigInt64Array)
        .slice(PROMPT.length)
        .map(Number);
    } finally {
      await model.dispose();
    }
    const file = REAL_LAYOUTS[layout].file;
    const session = await ort.InferenceSession.create(path.join(dir, file.subdir, file.modelFileName), {
      intraOpNumThreads: 1,
    });
    try {
      expect(generated).toEqual(await greedy(session, PROMPT, NEW_TOKENS));
    } finally {
      await session.release();
    }
  },
);
