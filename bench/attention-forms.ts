/**
 * `npm run bench:attention -- [--size phi3-mini] [--context 512,2048] [--reps 11]`: the two ways a decoding step
 * can multiply its query by the past's keys, as onnxruntime runs them on this CPU, over a cache of the model's
 * dimensions (every layer's own buffer, so each step reads the cache from memory as a real one does):
 * - keys first, pastK·qᵀ and a transpose of the small result: the engine's decoding attention before 2026-11-27;
 * - query first, q·pastKᵀ with the transpose folded into the product: `onnx/rewrites/direct-attention.ts` now;
 * - and, for reference, the values' product p·pastV, which reads as many bytes.
 * Each form is its own session in one process; each rep runs every form twice in a row and keeps the second run,
 * the forms in alternating order. Writes milliseconds per step (all layers) and the rate the cache is read at to
 * `bench/results/attention.json` and BENCHMARKS.md.
 */
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../localhost-engine/onnx/write';
import { DataType } from '../localhost-engine/onnx/schema';
import type { NodeSpec } from '../localhost-engine/onnx/write';
import { MODEL_SIZES, type ModelSize } from '../models/model-sizes';
import { sessionOptions } from '../localhost-engine/inference/session-factory';
import { saveResult } from './benchmarks-md';
import { machineLine, median } from './summary';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: 'phi3-mini' },
    context: { type: 'string', default: '512,2048' },
    reps: { type: 'string', default: '11' },
  },
});

const FORMS = ['keysFirst', 'queryFirst', 'values'] as const;
type Form = (typeof FORMS)[number];

const transpose = (input: string, output: string): NodeSpec => ({
  name: output,
  opType: 'Transpose',
  inputs: [input],
  outputs: [output],
  attributes: [{ name: 'perm', kind: 'ints', value: [0, 1, 3, 2] }],
});
const matMul = (a: string, b: string, output: string): NodeSpec => ({
  name: output,
  opType: 'MatMul',
  inputs: [a, b],
  outputs: [output],
});

/**
 * A graph of one form over every layer: `past.N` [1, kv_heads, P, head_size] for each layer N, and `rows`
 * [1, kv_heads, group, head_size or P] shared by all; one run is one decoding step's reads.
 */
function formGraph(form: Form, layers: number): Uint8Array {
  const layer = (l: number): NodeSpec[] => {
    const [past, y] = [`past.${l}`, `y.${l}`];
    if (form === 'keysFirst')
      return [
        transpose('rows', `rows_t.${l}`),
        matMul(past, `rows_t.${l}`, `scores_t.${l}`),
        transpose(`scores_t.${l}`, y),
      ];
    if (form === 'queryFirst') return [transpose(past, `past_t.${l}`), matMul('rows', `past_t.${l}`, y)];
    return [matMul('rows', past, y)];
  };
  const dims = ['batch', 'kv_heads', 'rows', 'width'];
  const perLayer = Array.from({ length: layers }, (_, l) => l);
  return encodeModel({
    irVersion: 8,
    opsetImports: [{ domain: '', version: 17 }],
    producerName: 'localscribe-bench',
    producerVersion: '1',
    graph: {
      name: form,
      initializers: [],
      nodes: perLayer.flatMap(layer),
      inputs: [
        ...perLayer.map((l) => ({
          name: `past.${l}`,
          elemType: DataType.FLOAT,
          shape: ['batch', 'kv_heads', 'positions', 'head_size'],
        })),
        { name: 'rows', elemType: DataType.FLOAT, shape: dims },
      ],
      outputs: perLayer.map((l) => ({ name: `y.${l}`, elemType: DataType.FLOAT, shape: dims })),
    },
  });
}

async function main(): Promise<void> {
  const config = MODEL_SIZES[values.size as ModelSize];
  if (!config) throw new Error(`unknown size ${values.size}`);
  const { numHiddenLayers: layers, numKeyValueHeads: kvHeads, headSize } = config;
  const group = config.numAttentionHeads / kvHeads;
  const reps = Number(values.reps);
  const sessions = {} as Record<Form, ort.InferenceSession>;
  for (const form of FORMS) {
    // The engine's CPU options (its threads and graph optimizations), as its decoding attention runs.
    sessions[form] = await ort.InferenceSession.create(
      formGraph(form, layers),
      sessionOptions('cpu', layers),
    );
  }
  const random = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.random() - 0.5);
  const contexts = [];
  for (const positions of values.context.split(',').map(Number)) {
    const past = Array.from({ length: layers }, () => random(kvHeads * positions * headSize));
    const query = random(kvHeads * group * headSize);
    const probs = random(kvHeads * group * positions);
    const feeds = (form: Form): Record<string, ort.Tensor> => ({
      ...Object.fromEntries(
        past.map((data, l) => [
          `past.${l}`,
          new ort.Tensor('float32', data, [1, kvHeads, positions, headSize]),
        ]),
      ),
      rows:
        form === 'values'
          ? new ort.Tensor('float32', probs, [1, kvHeads, group, positions])
          : new ort.Tensor('float32', query, [1, kvHeads, group, headSize]),
    });
    // Both key forms compute the same scores, in every layer.
    const everyLayer = past.map((_, l) => `y.${l}`);
    const [a, b] = await Promise.all(
      (['keysFirst', 'queryFirst'] as const).map((f) => sessions[f].run(feeds(f), everyLayer)),
    );
    let largestDifference = 0;
    for (const name of everyLayer) {
      const [da, db] = [a[name].data as Float32Array, b[name].data as Float32Array];
      for (let i = 0; i < da.length; i++)
        largestDifference = Math.max(largestDifference, Math.abs(da[i] - db[i]));
    }
    // Each rep runs every form twice in a row and keeps the second run, so that every kept run follows a run of
    // its own session, as the engine's decoding steps follow each other (in alternated single runs, a run right
    // after another session's was the slower one, whichever the forms: likely that session's threads still
    // spinning on the same cores). The order of the forms alternates from rep to rep.
    const ms: Record<Form, number[]> = { keysFirst: [], queryFirst: [], values: [] };
    for (let rep = 0; rep < reps; rep++) {
      for (const form of rep % 2 ? [...FORMS].reverse() : FORMS) {
        await sessions[form].run(feeds(form));
        const start = performance.now();
        await sessions[form].run(feeds(form));
        ms[form].push(Number((performance.now() - start).toFixed(2)));
      }
    }
    const bytes = layers * kvHeads * positions * headSize * 4;
    const summary = Object.fromEntries(
      FORMS.map((form) => {
        const m = median(ms[form]);
        return [
          form,
          { medianMs: Number(m.toFixed(2)), readGBps: Number((bytes / (m / 1000) / 1e9).toFixed(1)) },
        ];
      }),
    );
    contexts.push({
      positions,
      cacheMiB: Math.round(bytes / 2 ** 20),
      msPerStep: ms,
      summary,
      largestDifference,
    });
    console.log(JSON.stringify({ positions, summary, largestDifference }));
  }
  await Promise.all(Object.values(sessions).map((s) => s.release()));
  const result = {
    date: new Date().toISOString(),
    machine: machineLine(),
    command: `npm run bench:attention -- --size ${values.size} --context ${values.context} --reps ${reps}`,
    size: values.size,
    layers,
    kvHeads,
    group,
    headSize,
    contexts,
  };
  saveResult('attention.json', result);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
