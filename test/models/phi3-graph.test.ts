import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { MODEL_SIZES } from '../../models/model-sizes';
import { writeModelFolder } from '../../models/write-model-folder';
import { graphOf } from '../../localhost-engine/onnx/read';
import { expectSameLogits } from '../helpers/same-logits';
import { argmax, greedy, step } from './ort-decoder';

// A 12-token prompt of ordinary word-piece ids.
const PROMPT = [1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203];

// qkv, o, gate_up and down in each layer, and the LM head.
const MATMULNBITS_COUNT = 4 * MODEL_SIZES.tiny.numHiddenLayers + 1;

/** The input names of each MatMulNBits node of a graph file. */
function matMulNBitsInputs(file: string): string[][] {
  return graphOf(readFileSync(file))
    .nodes.filter((n) => n.opType === 'MatMulNBits')
    .map((n) => n.inputs);
}

describe.each(['genai', 'transformers'] as const)('generated tiny Phi-3 decoder (%s layout)', (layout) => {
  let session: ort.InferenceSession;
  let file: string;

  beforeAll(async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout });
    file = path.join(dir, layout === 'genai' ? 'model.onnx' : path.join('onnx', 'model_q4.onnx'));
    session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  });

  afterAll(async () => {
    await session?.release();
  });

  it('has the inputs and outputs of the Phi-3 exports', () => {
    const expectedInputs = ['input_ids', 'attention_mask', 'position_ids'];
    const expectedOutputs = ['logits'];
    for (let i = 0; i < 2; i++) {
      expectedInputs.push(`past_key_values.${i}.key`, `past_key_values.${i}.value`);
      expectedOutputs.push(`present.${i}.key`, `present.${i}.value`);
    }
    if (layout === 'transformers') expectedInputs.push('num_logits_to_keep');
    expect(session.inputNames).toEqual(expectedInputs);
    expect(session.outputNames).toEqual(expectedOutputs);
  });

  // Microsoft's cpu-int4-rtn-block-32 export and transformers.js' q4 files quantize symmetrically: no zero points.
  it('quantizes its int4 weights symmetrically: each MatMulNBits takes A, B and scales only', () => {
    const inputs = matMulNBitsInputs(file);
    expect(inputs).toHaveLength(MATMULNBITS_COUNT);
    for (const i of inputs) expect(i).toHaveLength(3);
  });

  it('returns finite logits for every position and a grown KV cache', async () => {
    const r = await step(session, PROMPT, null, 0, 0);
    expect(r.logitsDims).toEqual([1, PROMPT.length, 32064]);
    expect(r.lastLogits.every(Number.isFinite)).toBe(true);
    expect(r.present['present.1.value'].dims).toEqual([1, 2, PROMPT.length, 16]);
  });

  it('gives the same last logits from prefill + one cached step as from one full forward', async () => {
    const full = await step(session, PROMPT, null, 0, 0);
    const prefill = await step(session, PROMPT.slice(0, -1), null, 0, 0);
    const cached = await step(session, PROMPT.slice(-1), prefill.present, PROMPT.length - 1, 0);
    expect(cached.logitsDims).toEqual([1, 1, 32064]);
    expectSameLogits(cached.lastLogits, full.lastLogits);
  });

  it('decodes greedily to varied tokens, never special or byte tokens', async () => {
    const tokens = await greedy(session, PROMPT, 30);
    expect(new Set(tokens).size).toBeGreaterThanOrEqual(5);
    expect(tokens.every((t) => t > 258 && t < 32000)).toBe(true);
  });

  if (layout === 'transformers') {
    it('keeps only the last position with num_logits_to_keep = 1', async () => {
      const all = await step(session, PROMPT, null, 0, 0);
      const last = await step(session, PROMPT, null, 0, 1);
      expect(last.logitsDims).toEqual([1, 1, 32064]);
      // One row through the int4 LM head instead of twelve: the same logits to the kernel's rounding.
      expectSameLogits(last.lastLogits, all.lastLogits);
      expect(argmax(last.lastLogits)).toBe(argmax(all.lastLogits));
    });
  }
});

// AWQ exports (Microsoft's DirectML folder among them) quantize asymmetrically, with a zero point per block.
describe('generated tiny Phi-3 decoder with zero points (asymmetric int4)', () => {
  let work: string;
  let file: string;
  let session: ort.InferenceSession;

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'ls-zero-points-'));
    writeModelFolder(work, { ...MODEL_SIZES.tiny, zeroPoints: true }, 'genai', 'test');
    file = path.join(work, 'model.onnx');
    session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  });

  afterAll(async () => {
    await session?.release();
    rmSync(work, { recursive: true, force: true });
  });

  it('gives each MatMulNBits a zero-point input', () => {
    const inputs = matMulNBitsInputs(file);
    expect(inputs).toHaveLength(MATMULNBITS_COUNT);
    for (const i of inputs) {
      expect(i).toHaveLength(4);
      expect(i[3]).toMatch(/\.MatMulNBits\.qzeros$/);
    }
  });

  it('decodes greedily to varied tokens, never special or byte tokens', async () => {
    const tokens = await greedy(session, PROMPT, 30);
    expect(new Set(tokens).size).toBeGreaterThanOrEqual(5);
    expect(tokens.every((t) => t > 258 && t < 32000)).toBe(true);
  });
});
