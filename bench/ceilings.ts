/**
 * This machine's limits for the benchmark, measured in the same run as the engine: memory bandwidth (decoding
 * reads every weight once per token) and the int4 `MatMulNBits` kernel's arithmetic rate (prefill is a large
 * matrix product through that kernel).
 *
 *   npx tsx bench/ceilings.ts        # prints the JSON
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { writeOnnxModel } from '../models/onnx-model-writer';
import { DataType } from '../localhost-engine/onnx/schema';
import { quantizedWeight, weightInitializers } from '../models/phi3-weights';
import { MODEL_SIZES } from '../models/model-sizes';

export interface Ceilings {
  /** Threads that copied at once (one per logical CPU). */
  threads: number;
  /** Bytes read plus bytes written per second by all threads together, best of the repeats, in GB/s (1e9). */
  copyGBps: number;
  /** Bytes read per second by all threads comparing two equal buffers (memcmp), best of the repeats: what decoding needs. */
  readGBps: number;
  /** The int4 kernel's rate, 2·M·N·K per second, best of the repeats after a warm-up, in GFLOP/s. */
  int4Gflops: number;
  matmul: { m: number; k: number; n: number; ms: number };
}

// Each thread copies its own pair of buffers `passes` times once all threads are ready.
const COPY_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { bytes, passes, barrier, mode } = workerData;
const a = Buffer.alloc(bytes, 1);
const b = Buffer.alloc(bytes, mode === 'read' ? 1 : 2);
const flag = new Int32Array(barrier);
Atomics.add(flag, 0, 1);
Atomics.notify(flag, 0);
Atomics.wait(flag, 1, 0);
// copy: memcpy both ways; read: memcmp of two equal buffers, which reads both to the end and writes nothing.
let same = 0;
for (let p = 0; p < passes; p++) {
  if (mode === 'read') same += a.equals(b) ? 1 : 0;
  else (p % 2 ? a : b).set(p % 2 ? b : a);
}
if (mode === 'read' && same !== passes) throw new Error('buffers differ');
parentPort.postMessage('done');
`;

/** GB/s moved by `threads` threads: for `copy`, bytes read + bytes written; for `read`, bytes read. */
async function bandwidth(
  mode: 'copy' | 'read',
  threads: number,
  totalMB: number,
  passes: number,
): Promise<number> {
  const bytes = Math.floor((totalMB * 2 ** 20) / threads / 2);
  const barrier = new SharedArrayBuffer(8);
  const flag = new Int32Array(barrier);
  const workers = Array.from(
    { length: threads },
    () => new Worker(COPY_WORKER, { eval: true, workerData: { bytes, passes, barrier, mode } }),
  );
  const done = workers.map(
    (w) => new Promise((resolve, reject) => w.once('message', resolve).once('error', reject)),
  );
  let failed: unknown = null;
  for (const d of done) d.catch((err: unknown) => (failed = err));
  // A worker that dies before the barrier (out of memory, say) must end the wait, not hang it.
  while (Atomics.load(flag, 0) < threads && !failed) await new Promise((r) => setTimeout(r, 1));
  if (failed) throw failed;
  const started = performance.now();
  Atomics.store(flag, 1, 1);
  Atomics.notify(flag, 1);
  await Promise.all(done);
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  return (2 * bytes * passes * threads) / seconds / 1e9;
}

async function int4Matmul(m: number, k: number, n: number, repeats: number, intraOpThreads?: number) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ls-ceiling-'));
  try {
    // Quantized as the phi3-mini model is (block 32, symmetric).
    const { blockSize, zeroPoints } = MODEL_SIZES['phi3-mini'];
    const w = quantizedWeight('w', { seed: 1, n, k, blockSize, outputStd: 1, zeroPoints });
    const weights = weightInitializers(w);
    writeOnnxModel(
      {
        name: 'int4-matmul',
        nodes: [
          {
            name: 'matmul',
            opType: 'MatMulNBits',
            domain: 'com.microsoft',
            inputs: ['A', ...weights.map((t) => t.name)],
            outputs: ['Y'],
            attributes: [
              { name: 'K', kind: 'int', value: k },
              { name: 'N', kind: 'int', value: n },
              { name: 'bits', kind: 'int', value: 4 },
              { name: 'block_size', kind: 'int', value: blockSize },
              { name: 'accuracy_level', kind: 'int', value: 4 },
            ],
          },
        ],
        initializers: weights,
        inputs: [{ name: 'A', elemType: DataType.FLOAT, shape: ['M', k] }],
        outputs: [{ name: 'Y', elemType: DataType.FLOAT, shape: ['M', n] }],
      },
      {
        dir,
        modelFileName: 'model.onnx',
        dataFileName: 'model.onnx.data',
        irVersion: 10,
        opsetImports: [
          { domain: '', version: 21 },
          { domain: 'com.microsoft', version: 1 },
        ],
        producerName: 'localscribe-bench',
        producerVersion: '1',
      },
    );
    const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), {
      graphOptimizationLevel: 'all',
      ...(intraOpThreads ? { intraOpNumThreads: intraOpThreads } : {}),
    });
    const a = new ort.Tensor(
      'float32',
      Float32Array.from({ length: m * k }, (_, i) => Math.sin(i)),
      [m, k],
    );
    await session.run({ A: a });
    let best = Infinity;
    for (let r = 0; r < repeats; r++) {
      const started = performance.now();
      await session.run({ A: a });
      best = Math.min(best, performance.now() - started);
    }
    await session.release();
    return { gflops: (2 * m * n * k) / (best / 1000) / 1e9, ms: best };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Measures the ceilings; `copyMB` and `rows` shrink it for tests. */
export async function measureCeilings(
  options: { intraOpThreads?: number; copyMB?: number; repeats?: number; rows?: number } = {},
): Promise<Ceilings> {
  const threads = os.availableParallelism();
  const repeats = options.repeats ?? 3;
  let copy = 0;
  let read = 0;
  for (let r = 0; r < repeats; r++) {
    copy = Math.max(copy, await bandwidth('copy', threads, options.copyMB ?? 1024, 4));
    read = Math.max(read, await bandwidth('read', threads, options.copyMB ?? 1024, 4));
  }
  const m = options.rows ?? 2048;
  const k = 3072;
  const n = 8192;
  const mm = await int4Matmul(m, k, n, repeats, options.intraOpThreads);
  return {
    threads,
    copyGBps: Number(copy.toFixed(1)),
    readGBps: Number(read.toFixed(1)),
    int4Gflops: Number(mm.gflops.toFixed(1)),
    matmul: { m, k, n, ms: Math.round(mm.ms) },
  };
}

export interface DecoderDims {
  hiddenSize: number;
  intermediateSize: number;
  layers: number;
  vocabSize: number;
  kvHeads: number;
  headSize: number;
  heads: number;
}

/**
 * What one token costs a Phi-3-style decoder with a float embedding table and an fp32 cache.
 * - `weightBytesPerToken`: bytes decoding must read per token — every weight on disk except the embedding
 *   table, of which one row is gathered;
 * - `kvBytesPerContextToken`: bytes of cache read per token of context (keys and values, every layer, fp32);
 * - `matmulParams`: weights in matrix products (projections, MLP, LM head), and `flopsPerPromptToken` = 2× that,
 *   the arithmetic of prefill per prompt token, attention left out (it is under 10 % at 2,048 tokens).
 */
export function modelCosts(
  d: DecoderDims,
  weightBytesOnDisk: number,
  embeddingBytes: number,
): {
  weightBytesPerToken: number;
  kvBytesPerContextToken: number;
  flopsPerPromptToken: number;
  matmulParams: number;
} {
  const q = d.heads * d.headSize;
  const kv = d.kvHeads * d.headSize;
  const perLayer =
    d.hiddenSize * (q + 2 * kv) +
    q * d.hiddenSize +
    d.hiddenSize * 2 * d.intermediateSize +
    d.intermediateSize * d.hiddenSize;
  const matmulParams = d.layers * perLayer + d.hiddenSize * d.vocabSize;
  return {
    weightBytesPerToken: weightBytesOnDisk - embeddingBytes + d.hiddenSize * 4,
    kvBytesPerContextToken: d.layers * 2 * kv * 4,
    flopsPerPromptToken: 2 * matmulParams,
    matmulParams,
  };
}

// Run as a script (`npx tsx bench/ceilings.ts`), not when bundled into run-bench.js (bench/device/build.sh), where
// every module is the main one.
if (require.main === module && /^ceilings\.[jt]s$/.test(path.basename(__filename))) {
  measureCeilings().then(
    (c) => console.log(JSON.stringify(c)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
