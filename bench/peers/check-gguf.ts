/**
 * `npm run models:check-gguf -- [--size tiny|phi3-mini] [--tokens 32]`: checks the generated GGUF (gguf-q4_0)
 * with llama.cpp itself (node-llama-cpp 3.21.1 from bench/peers/install-llama.sh) against the generated
 * `ms-cpu-int4` ONNX model it was written from: llama.cpp loads it; tokenizes chat prompts and plain texts to the
 * engine tokenizer's ids; its next-token log-probabilities after a prompt agree with onnxruntime's; and both
 * decode greedily. Prints what it measured and exits 1 when a check fails.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { loadTokenizer, phi3ChatText, promptTokenIds } from '../../localhost-engine/inference/tokenizer';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { PHI3_GGUF_FILE } from '../../models/gguf/phi3-gguf';
import { REAL_LAYOUTS } from '../../models/layouts/registry';
import { isModelSize } from '../../models/model-sizes';
import { loadLlamaCpp } from './node-llama-cpp';

const MESSAGES = [
  { role: 'system' as const, content: 'You summarize documents.' },
  { role: 'user' as const, content: 'Summarize: the lease ends on 31 March 2027; rent is due monthly.' },
];
const TEXTS = [
  'The contract ends on the last day of March.',
  'Clause 4.2 (b):  two  spaces, tabs\tand\nnew lines; naïve café — “quotes”.',
  'Numbers 12,345.67 and 2026-12-03, code `x = y + 1`, emoji 🙂.',
];
/**
 * The log-probability difference the two runtimes may show. Both round each MatMul input to int8 in blocks of 32
 * (onnxruntime's accuracy_level 4 with float32 block scales, llama.cpp's Q8_0 with float16 ones): the scales differ
 * by up to 2^-11, flipping ~6 % of values by one step of ~2σ/127, a relative difference of ~0.4 % per MatMul. Over
 * the 4 MatMuls of each layer and the LM head, independent, that is 0.4 % · √(4L+1) of the final state, times the
 * logits' std of 3; five times that bounds the 20 largest. (llama.cpp's f16 KV cache adds 2^-11, negligible.)
 */
export function logProbTolerance(layers: number): number {
  return 5 * 3 * 0.004 * Math.sqrt(4 * layers + 1);
}

function logSoftmax(logits: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(logits, (v) => v - lse);
}

/** Logits of every position of one full forward of `ids` (no cache), a row per position. */
async function onnxLogits(session: ort.InferenceSession, ids: number[]): Promise<Float32Array[]> {
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
  };
  for (const meta of session.inputMetadata) {
    if (!meta.name.startsWith('past_key_values.') || !meta.isTensor) continue;
    feeds[meta.name] = new ort.Tensor('float32', new Float32Array(0), [
      1,
      Number(meta.shape[1]),
      0,
      Number(meta.shape[3]),
    ]);
  }
  const logits = (await session.run(feeds)).logits;
  const vocab = logits.dims[2];
  const data = logits.data as Float32Array;
  return ids.map((_, i) => data.slice(i * vocab, (i + 1) * vocab));
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let t = 1; t < values.length; t++) if (values[t] > values[best]) best = t;
  return best;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { size: { type: 'string', default: 'tiny' }, tokens: { type: 'string', default: '32' } },
  });
  const size = values.size ?? 'tiny';
  if (!isModelSize(size)) throw new Error(`--size must be tiny or phi3-mini, not ${size}`);
  const steps = Number(values.tokens);
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (!ok) failures.push(what);
  };

  const onnxDir = await ensureGeneratedModel({ size, layout: 'ms-cpu-int4' });
  const gguf = path.join(await ensureGeneratedModel({ size, layout: 'gguf-q4_0' }), PHI3_GGUF_FILE);
  const llama = await loadLlamaCpp(2);
  const started = Date.now();
  const model = await llama.loadModel({ modelPath: gguf });
  console.log(`llama.cpp loaded ${gguf} in ${Date.now() - started} ms`);
  check(model.fileInfo.metadata.general !== undefined, 'llama.cpp reads the GGUF metadata');

  const tokenizer = await loadTokenizer(onnxDir);
  const prompt = promptTokenIds(tokenizer, MESSAGES);
  // llama.cpp gives Phi-3's special tokens RSTRIP (llama-vocab.cpp, by architecture), so it drops the newline the
  // chat template puts after them: its ids equal ours for the text without that whitespace.
  const chatText = phi3ChatText(MESSAGES);
  const llamaPrompt = model.tokenize(chatText, true);
  const stripped = tokenizer.encode(chatText.replace(/(<\|[a-z]+\|>)\s+/g, '$1'));
  check(
    JSON.stringify(prompt) === JSON.stringify(tokenizer.encode(chatText)),
    'our chat template gives the Phi-3 text',
  );
  check(
    JSON.stringify(llamaPrompt) === JSON.stringify(stripped),
    `chat prompt: llama.cpp's ${llamaPrompt.length} ids equal ours (${prompt.length}) less the newlines after special tokens`,
  );
  for (const text of TEXTS) {
    const ours = tokenizer.encode(text);
    const theirs = model.tokenize(text, false);
    check(
      JSON.stringify(ours) === JSON.stringify(theirs),
      `text ${JSON.stringify(text.slice(0, 24))}: ids equal`,
    );
  }

  const session = await ort.InferenceSession.create(
    path.join(onnxDir, REAL_LAYOUTS['ms-cpu-int4'].file.modelFileName),
    {
      intraOpNumThreads: 2,
    },
  );
  const tolerance = logProbTolerance(
    Number((model.fileInfo.metadata.phi3 as { block_count: number }).block_count),
  );
  const onnx = logSoftmax((await onnxLogits(session, prompt))[prompt.length - 1]);
  const context = await model.createContext({ contextSize: 512, threads: 2 });
  const sequence = context.getSequence();
  const items: Parameters<typeof sequence.controlledEvaluate>[0] = prompt.slice(0, -1);
  items.push([
    prompt[prompt.length - 1],
    { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } },
  ]);
  const evaluated = await sequence.controlledEvaluate(items);
  const probabilities = evaluated[evaluated.length - 1]?.next.probabilities ?? new Map<number, number>();
  const top = Array.from(onnx.keys())
    .sort((a, b) => onnx[b] - onnx[a])
    .slice(0, 20);
  let maxDiff = 0;
  let sumSq = 0;
  for (const t of top) {
    const diff = Math.abs(Math.log(probabilities.get(t) ?? 0) - onnx[t]);
    maxDiff = Math.max(maxDiff, diff);
    sumSq += diff * diff;
  }
  const llamaTop = [...probabilities.keys()].slice(0, 20);
  const overlap = top.filter((t) => llamaTop.includes(t)).length;
  console.log(
    `next-token log-probabilities over onnxruntime's top 20: max |diff| ${maxDiff.toFixed(4)}, rms ${Math.sqrt(sumSq / top.length).toFixed(4)}; top-20 overlap ${overlap}/20; ` +
      `top token onnxruntime ${top[0]} (p ${Math.exp(onnx[top[0]]).toFixed(4)}), llama.cpp ${llamaTop[0]} (p ${(probabilities.get(llamaTop[0]) ?? 0).toFixed(4)})`,
  );
  check(maxDiff <= tolerance, `log-probabilities agree within ${tolerance.toFixed(3)}`);
  await context.dispose();

  const greedyContext = await model.createContext({ contextSize: 512, threads: 2 });
  const llamaTokens: number[] = [];
  for await (const t of greedyContext.getSequence().evaluate(prompt, { temperature: 0 })) {
    llamaTokens.push(t);
    if (llamaTokens.length === steps) break;
  }
  await greedyContext.dispose();
  // onnxruntime reads llama.cpp's tokens (teacher forcing): each must be its own greedy pick or within the
  // tolerance of it, since random weights leave near-ties that either runtime's rounding may break.
  const rows = await onnxLogits(session, [...prompt, ...llamaTokens]);
  let same = 0;
  let nearTies = 0;
  let worstGap = 0;
  llamaTokens.forEach((t, i) => {
    const lp = logSoftmax(rows[prompt.length - 1 + i]);
    const best = argmax(lp);
    if (best === t) same++;
    else nearTies++;
    worstGap = Math.max(worstGap, lp[best] - lp[t]);
  });
  console.log(`greedy llama.cpp: ${llamaTokens.join(' ')}`);
  console.log(`llama.cpp text: ${JSON.stringify(model.detokenize(llamaTokens))}`);
  console.log(
    `onnxruntime picks the same token at ${same} of ${steps} steps; elsewhere llama.cpp's is ${worstGap.toFixed(4)} below its best`,
  );
  check(
    worstGap <= tolerance,
    `greedy tokens agree up to near-ties within ${tolerance.toFixed(3)} (${nearTies} near-ties)`,
  );

  await session.release();
  await model.dispose();
  await llama.dispose();
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
