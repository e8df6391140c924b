/**
 * The generated copies of real Phi-3 exports, one describe per layout: the folder's files and configs, the graph's
 * io names and types, its op inventory (attention op and its inputs and attributes, rotary, projections,
 * quantization), and that onnxruntime-node runs it on the CPU: a prefill and a cached step give one full forward's
 * logits, and greedy decoding gives word-like tokens.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ensureGeneratedModel, STAMP_FILE } from '../../models/ensure-generated-model';
import { REAL_LAYOUTS, RealLayoutName } from '../../models/layouts/registry';
import { findGraph, NodeView, readGraph } from '../../localhost-engine/onnx/read';
import { expectSameLogits } from '../helpers/same-logits';
import { greedy, step } from './ort-decoder';

// A 12-token prompt of ordinary word-piece ids.
const PROMPT = [1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203];

interface Expected {
  files: string[];
  attention: 'GroupQueryAttention' | 'MultiHeadAttention';
  attentionInputs: number;
  doRotary: 0 | 1 | null;
  /** RotaryEmbedding nodes per layer (Q and K), 0 when rotary is inside attention. */
  rotaryNodes: 0 | 2;
  /** MatMulNBits per layer: packed QKV + o + gate + up + down = 5, separate Q/K/V = 7. */
  matMulsPerLayer: 5 | 7;
  io: 'float32' | 'float16';
  zeroPoints: boolean;
  blockSize: number;
  accuracyLevel: number | null;
  localWindowSize: number | null;
  longRopeIf: boolean;
  genai: { positionIds: boolean; shareBuffer: boolean; provider: string | null } | null;
}

const GENAI_FILES = ['added_tokens.json', 'config.json', 'genai_config.json', 'special_tokens_map.json'];
const TOKENIZER = ['tokenizer.json', 'tokenizer_config.json'];
const CPU_FILE = 'phi3-mini-4k-instruct-cpu-int4-rtn-block-32-acc-level-4.onnx';
const WEB_FILES = ['added_tokens.json', 'config.json', 'generation_config.json', 'special_tokens_map.json'];
const gqa = { attention: 'GroupQueryAttention', io: 'float32', longRopeIf: false } as const;
const mha = { attention: 'MultiHeadAttention', attentionInputs: 8, doRotary: null, rotaryNodes: 2 } as const;
// Microsoft's CPU export: packed QKV into GroupQueryAttention with rotary inside.
const cpuGqa = {
  ...gqa,
  attentionInputs: 9,
  doRotary: 1,
  rotaryNodes: 0,
  matMulsPerLayer: 5,
  zeroPoints: false,
  blockSize: 32,
  accuracyLevel: 4,
  localWindowSize: null,
  genai: { positionIds: false, shareBuffer: true, provider: null },
} as const;

const EXPECTED: Record<RealLayoutName, Expected> = {
  'ms-cpu-int4': { ...cpuGqa, files: [...GENAI_FILES, CPU_FILE, `${CPU_FILE}.data`, ...TOKENIZER] },
  'ms-cpu-int4-2024': {
    ...mha,
    files: [...GENAI_FILES, CPU_FILE, `${CPU_FILE}.data`, ...TOKENIZER],
    matMulsPerLayer: 7,
    io: 'float32',
    zeroPoints: false,
    blockSize: 32,
    accuracyLevel: 4,
    localWindowSize: null,
    longRopeIf: false,
    genai: { positionIds: true, shareBuffer: false, provider: null },
  },
  'ms-dml-int4-awq': {
    ...gqa,
    files: [...GENAI_FILES, 'model.onnx', 'model.onnx.data', ...TOKENIZER],
    attentionInputs: 9,
    doRotary: 0,
    rotaryNodes: 2,
    matMulsPerLayer: 7,
    io: 'float16',
    zeroPoints: true,
    blockSize: 128,
    accuracyLevel: null,
    localWindowSize: null,
    genai: { positionIds: true, shareBuffer: true, provider: 'dml' },
  },
  'web-q4': {
    ...mha,
    files: [...WEB_FILES, 'onnx/model_q4.onnx', 'onnx/model_q4.onnx_data', ...TOKENIZER],
    matMulsPerLayer: 7,
    io: 'float32',
    zeroPoints: false,
    blockSize: 32,
    accuracyLevel: null,
    localWindowSize: null,
    longRopeIf: false,
    genai: null,
  },
  'web-q4f16': {
    ...mha,
    files: [...WEB_FILES, 'onnx/model_q4f16.onnx', 'onnx/model_q4f16.onnx_data', ...TOKENIZER],
    matMulsPerLayer: 7,
    io: 'float16',
    zeroPoints: false,
    blockSize: 32,
    accuracyLevel: null,
    localWindowSize: null,
    longRopeIf: true,
    genai: null,
  },
  'ms-builder-2025': {
    ...cpuGqa,
    files: [...GENAI_FILES, 'model.onnx', 'model.onnx.data', ...TOKENIZER],
    attentionInputs: 12,
    localWindowSize: 2047,
  },
};

function attribute(n: NodeView, name: string): number | null {
  return n.ints.get(name) ?? n.floats.get(name) ?? null;
}

function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(dir, path.join(prefix, e.name)) : [path.join(prefix, e.name)],
  );
}

describe.each(Object.keys(REAL_LAYOUTS) as RealLayoutName[])('generated tiny %s', (layout) => {
  const e = EXPECTED[layout];
  const l = REAL_LAYOUTS[layout];
  const c = l.config('tiny');
  let dir: string;
  let file: string;
  let nodes: NodeView[];
  let session: ort.InferenceSession;
  const nodesOf = (op: string) => nodes.filter((n) => n.opType === op);

  beforeAll(async () => {
    dir = await ensureGeneratedModel({ size: 'tiny', layout });
    file = path.join(dir, l.file.subdir, l.file.modelFileName);
    const bytes = readFileSync(file);
    nodes = readGraph(bytes, findGraph(bytes)).nodes;
    session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  });

  afterAll(async () => {
    await session?.release();
  });

  it('writes the real folder’s files', () => {
    const files = filesUnder(dir).filter((f) => f !== STAMP_FILE);
    expect(files.sort()).toEqual([...e.files].sort());
  });

  it('has the real io names and types', () => {
    const layers = Array.from({ length: c.numHiddenLayers }, (_, i) => i);
    expect(session.inputNames).toEqual([
      'input_ids',
      'attention_mask',
      ...(e.genai?.positionIds === false ? [] : ['position_ids']),
      ...layers.flatMap((i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]),
    ]);
    expect(session.outputNames).toEqual([
      'logits',
      ...layers.flatMap((i) => [`present.${i}.key`, `present.${i}.value`]),
    ]);
    const types = [...session.inputMetadata, ...session.outputMetadata].map((m) => [
      m.name,
      m.isTensor ? m.type : '',
    ]);
    for (const [name, type] of types) {
      const float = name === 'logits' || name.startsWith('past_') || name.startsWith('present.');
      expect([name, type]).toEqual([name, float ? e.io : 'int64']);
    }
  });

  it(`has ${e.attention} with ${e.attentionInputs} inputs, rotary ${e.rotaryNodes ? 'in RotaryEmbedding nodes' : 'inside'}`, () => {
    const attention = nodesOf(e.attention);
    expect(attention).toHaveLength(c.numHiddenLayers);
    for (const n of attention) {
      expect(n.inputs).toHaveLength(e.attentionInputs);
      expect(attribute(n, 'num_heads')).toBe(c.numAttentionHeads);
      expect(attribute(n, 'do_rotary')).toBe(e.doRotary);
      expect(attribute(n, 'local_window_size')).toBe(e.localWindowSize);
    }
    expect(nodesOf('RotaryEmbedding')).toHaveLength(e.rotaryNodes * c.numHiddenLayers);
    const otherAttention =
      e.attention === 'GroupQueryAttention' ? 'MultiHeadAttention' : 'GroupQueryAttention';
    expect(nodesOf(otherAttention)).toHaveLength(0);
    if (e.attention === 'GroupQueryAttention') {
      // Rotary inside: cos/sin caches as inputs 7 and 8; outside: those slots empty.
      expect(attention[0].inputs.slice(7, 9).every((i) => i !== '')).toBe(e.doRotary === 1);
      expect(attention[0].inputs.slice(9).every((i) => i === '')).toBe(true);
    }
    expect(nodesOf('If')).toHaveLength(e.longRopeIf ? 1 : 0);
  });

  it(`quantizes int4 ${e.zeroPoints ? 'with zero points' : 'symmetrically'}, block ${e.blockSize}, in MatMulNBits`, () => {
    const matMuls = nodesOf('MatMulNBits');
    expect(matMuls).toHaveLength(e.matMulsPerLayer * c.numHiddenLayers + 1);
    expect(matMuls.map((n) => n.outputs[0])).toContain('logits');
    for (const n of matMuls) {
      expect(n.inputs).toHaveLength(e.zeroPoints ? 4 : 3);
      expect(n.inputs[1]).toMatch(/\.MatMul\.weight_Q4$/);
      expect(attribute(n, 'block_size')).toBe(e.blockSize);
      expect(attribute(n, 'accuracy_level')).toBe(e.accuracyLevel);
    }
    expect(nodesOf('MatMul')).toHaveLength(0);
  });

  it('holds in its file the nodes the generator built', () => {
    const built = l.graph(c).nodes;
    expect(nodes.map((n) => [n.name, n.opType, n.inputs, n.outputs])).toEqual(
      built.map((n) => [n.name, n.opType, n.inputs, n.outputs]),
    );
  });

  it('writes the real configs', () => {
    const json = (f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    expect(json('config.json')).toMatchObject({
      architectures: ['Phi3ForCausalLM'],
      model_type: 'phi3',
      hidden_size: c.hiddenSize,
      num_key_value_heads: c.numKeyValueHeads,
      vocab_size: 32064,
    });
    expect(json('added_tokens.json')).toMatchObject({ '<|end|>': 32007, '<|user|>': 32010 });
    if (e.genai === null) {
      expect(json('generation_config.json').eos_token_id).toEqual([32000, 32001, 32007]);
      expect(json('config.json')['transformers.js_config'].use_external_data_format).toEqual({
        [l.file.modelFileName]: 1,
      });
      return;
    }
    const genai = json('genai_config.json');
    expect(genai.model.decoder.filename).toBe(l.file.modelFileName);
    expect('position_ids' in genai.model.decoder.inputs).toBe(e.genai.positionIds);
    expect(genai.search.past_present_share_buffer).toBe(e.genai.shareBuffer);
    expect(genai.model.decoder.session_options.provider_options).toEqual(
      e.genai.provider ? [{ [e.genai.provider]: {} }] : [],
    );
  });

  it('gives the same last logits from prefill + one cached step as from one full forward', async () => {
    const full = await step(session, PROMPT, null, 0);
    const prefill = await step(session, PROMPT.slice(0, -1), null, 0);
    const cached = await step(session, PROMPT.slice(-1), prefill.present, PROMPT.length - 1);
    expect(full.precision).toBe(e.io);
    expect(cached.logitsDims).toEqual([1, 1, 32064]);
    expectSameLogits(cached.lastLogits, full.lastLogits, full.precision);
  });

  it('decodes greedily to varied tokens, never special or byte tokens', async () => {
    const tokens = await greedy(session, PROMPT, 24);
    expect(new Set(tokens).size).toBeGreaterThanOrEqual(5);
    expect(tokens.every((t) => t > 258 && t < 32000)).toBe(true);
  });

  if (e.attention === 'MultiHeadAttention') {
    // The 2024 builder's causal mask is [sequence, sequence], expanded to [sequence, past + sequence]: a pass of
    // several tokens after a past cannot broadcast (builder.py's make_input_ids_subgraph).
    it('refuses, as the real graph does, a pass of several tokens after a past', async () => {
      // A session of its own that does not log the expected failure.
      const quiet = await ort.InferenceSession.create(file, { intraOpNumThreads: 1, logSeverityLevel: 4 });
      try {
        const prefill = await step(quiet, PROMPT.slice(0, 6), null, 0);
        await expect(step(quiet, PROMPT.slice(6), prefill.present, 6)).rejects.toThrow(/Expand/);
      } finally {
        await quiet.release();
      }
    });
  }
});
