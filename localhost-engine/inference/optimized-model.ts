/**
 * A per-machine copy of a CPU model whose int4 weights are already in the layout onnxruntime's `MatMulNBits`
 * kernel computes with ("prepacked"), saved once by onnxruntime itself and memory-mapped on every later start.
 *
 * Why: loaded from the original graph, the packed weights live in anonymous memory. Loaded from the saved copy,
 * they are read-only file pages that do not count against the process's private memory, and the graph is already
 * optimized. onnxruntime-node 1.30 still repacks every weight at every start (it finds the saved blob by a hash of
 * the packed bytes, then frees its own), so the copy saves only part of the load time (`npm run bench` measures
 * both). The cost is disk: the copy holds the original weights and the packed ones (about twice the model's size), built once per
 * model, machine and onnxruntime version.
 */
import { randomBytes, createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { readDecoderSignature } from './decoder-signature';
import { int64 } from './tensors';
import { orderKvDeltaSlices } from '../onnx/rewrites/kv-delta';

/** Bump when the way copies are made changes, so older copies are rebuilt. */
const FORMAT = 5;
const MODEL_FILE = 'model.onnx';
const DATA_FILE = 'model.onnx.data';
const STAMP_FILE = 'stamp.json';
/** Next to a key's folder: the copy was made and did not reproduce the original, so it is not made again. */
const REJECTED_SUFFIX = '.rejected.json';

export interface OptimizedModel {
  /** The graph to open on the CPU: the optimized copy, or the original when there is none. */
  file: string;
  status: 'reused' | 'built' | 'skipped';
  /** Why no copy is used (`skipped`), in words a log reader can act on. */
  reason?: string;
  /** How long building the copy took (`built`). */
  buildMs?: number;
}

/** A graph to open: a file, or bytes derived from it (whose external weights stay next to the file). */
export interface ModelSource {
  file: string;
  bytes?: Uint8Array;
}

/** Session options that let onnxruntime find a byte-loaded graph's external weights next to `source.file`. */
function sourceOptions(
  source: ModelSource,
  options: InferenceSession.SessionOptions,
): InferenceSession.SessionOptions {
  if (!source.bytes) return options;
  const extra = (options.extra ?? {}) as { session?: Record<string, string> };
  return {
    ...options,
    extra: {
      ...extra,
      session: { ...extra.session, model_external_initializers_file_folder_path: path.dirname(source.file) },
    },
  };
}

/** Opens `source` with `options`. */
export function openSource(
  source: ModelSource,
  options: InferenceSession.SessionOptions,
): Promise<InferenceSession> {
  return ort.InferenceSession.create((source.bytes ?? source.file) as string, sourceOptions(source, options));
}

interface Stamp {
  format: number;
  source: string;
  key: string;
  ort: string;
  cpu: string;
  builtAt: string;
}

function ortVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}

/** What the copy depends on: the graph and its weight files, onnxruntime's version and this CPU. */
async function sourceKey(source: ModelSource, options: InferenceSession.SessionOptions): Promise<string> {
  const modelFile = source.file;
  const dir = path.dirname(modelFile);
  const stem = path.basename(modelFile);
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({
      format: FORMAT,
      ort: ortVersion(),
      platform: process.platform,
      arch: process.arch,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      level: options.graphOptimizationLevel ?? 'all',
      file: path.resolve(modelFile),
    }),
  );
  // The graph itself (small: its weights are external) and each weight file's size and time.
  const graph = source.bytes ?? (await fs.readFile(modelFile));
  hash.update(graph.byteLength < 64 * 2 ** 20 ? graph : String(graph.byteLength));
  for (const name of (await fs.readdir(dir)).sort()) {
    if (name === stem || !name.startsWith(stem)) continue;
    const s = await fs.stat(path.join(dir, name));
    hash.update(`${name}:${s.size}:${s.mtimeMs}`);
  }
  return hash.digest('hex').slice(0, 24);
}

async function sourceBytes(modelFile: string): Promise<number> {
  const dir = path.dirname(modelFile);
  const stem = path.basename(modelFile);
  let total = 0;
  for (const name of await fs.readdir(dir)) {
    if (name.startsWith(stem)) total += (await fs.stat(path.join(dir, name))).size;
  }
  return total;
}

async function readStamp(dir: string): Promise<Stamp | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, STAMP_FILE), 'utf8')) as Stamp;
  } catch {
    return null;
  }
}

/** Removes copies of the same source made for an older key, and builds that were interrupted. */
async function removeStale(root: string, source: string, keep: string): Promise<void> {
  for (const name of await fs.readdir(root).catch(() => [] as string[])) {
    const dir = path.join(root, name);
    if (name === keep) continue;
    if (name.includes('.tmp-')) {
      const s = await fs.stat(dir).catch(() => null);
      if (s && Date.now() - s.mtimeMs > 3_600_000) await fs.rm(dir, { recursive: true, force: true });
      continue;
    }
    if (name.endsWith(REJECTED_SUFFIX) && name !== `${keep}${REJECTED_SUFFIX}`) {
      const marker = await fs.readFile(dir, 'utf8').catch(() => '{}');
      if ((JSON.parse(marker) as { source?: string }).source === source) await fs.rm(dir, { force: true });
      continue;
    }
    const stamp = await readStamp(dir);
    if (stamp?.source === source) await fs.rm(dir, { recursive: true, force: true });
  }
}

const GB = 2 ** 30;

async function freeBytes(dir: string): Promise<number | null> {
  return fs
    .statfs(dir)
    .then((s) => s.bavail * s.bsize)
    .catch(() => null);
}

/**
 * The graph to open on the CPU for `from`: an optimized copy under `cacheRoot`, built now when missing.
 *
 * Guarantees: never throws — any failure (no space, a read-only folder, onnxruntime refusing to save) returns the
 * original file with `status: 'skipped'` and the reason; a copy is only used once it was completely written (it
 * is built in a temporary folder and renamed); copies made for an older version of the same model are removed.
 * `sessionOptions` must be those the copy will be opened with (without a GPU provider); `probe` lets tests
 * pretend the disk is full.
 */
export async function optimizedCpuModel(
  from: ModelSource,
  cacheRoot: string | null,
  sessionOptions: InferenceSession.SessionOptions,
  probe: { freeBytes?: (dir: string) => Promise<number | null> } = {},
): Promise<OptimizedModel> {
  const modelFile = from.file;
  if (!cacheRoot) return { file: modelFile, status: 'skipped', reason: 'the optimized-model cache is off' };
  const source = path.resolve(modelFile);
  let tmp: string | null = null;
  try {
    const key = await sourceKey(from, sessionOptions);
    const dir = path.join(cacheRoot, key);
    const copy = path.join(dir, MODEL_FILE);
    if ((await readStamp(dir))?.key === key) return { file: copy, status: 'reused' };
    const rejected = await fs.readFile(`${dir}${REJECTED_SUFFIX}`, 'utf8').catch(() => null);
    if (rejected !== null) {
      return {
        file: modelFile,
        status: 'skipped',
        reason: (JSON.parse(rejected) as { reason: string }).reason,
      };
    }

    await fs.mkdir(cacheRoot, { recursive: true });
    await removeStale(cacheRoot, source, key);
    const needed = 2 * (await sourceBytes(modelFile)) + 0.25 * GB;
    const free = await (probe.freeBytes ?? freeBytes)(cacheRoot);
    if (free !== null && free < needed) {
      return {
        file: modelFile,
        status: 'skipped',
        reason: `not enough free disk space in ${cacheRoot} for the optimized copy (${(needed / GB).toFixed(1)} GB needed, ${(free / GB).toFixed(1)} GB free); the model loads more slowly`,
      };
    }

    const started = performance.now();
    tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await fs.mkdir(tmp, { recursive: true });
    const base = sourceOptions(from, sessionOptions);
    const building = await ort.InferenceSession.create((from.bytes ?? modelFile) as string, {
      ...base,
      optimizedModelFilePath: path.join(tmp, MODEL_FILE),
      extra: {
        ...base.extra,
        session: {
          ...(base.extra as { session?: Record<string, string> } | undefined)?.session,
          optimized_model_external_initializers_file_name: DATA_FILE,
          optimized_model_external_initializers_min_size_in_bytes: '1024',
          save_external_prepacked_constant_initializers: '1',
        },
      },
      // onnxruntime warns that a level-"all" graph is tied to this machine; the key includes the CPU for that.
      logSeverityLevel: 3,
    });
    const expected = await probeLogits(building).finally(() => building.release());
    const saved = path.join(tmp, MODEL_FILE);
    const reordered = orderKvDeltaSlices(await fs.readFile(saved));
    if (reordered) await fs.writeFile(saved, reordered);
    const reopened = await ort.InferenceSession.create(saved, sessionOptions);
    const actual = await probeLogits(reopened).finally(() => reopened.release());
    const mismatch = compareLogits(expected, actual);
    if (mismatch) {
      // Seen with onnxruntime-node 1.30 on graphs whose packed weights are under 1 MB each (its saved blobs are
      // then not aligned as the kernel expects): the copy computes wrong values, so it must never be used.
      const reason = `onnxruntime's optimized copy did not reproduce the model's outputs (${mismatch}); the original is used`;
      await fs.writeFile(`${dir}${REJECTED_SUFFIX}`, JSON.stringify({ source, key, reason }));
      return { file: modelFile, status: 'skipped', reason };
    }
    const stamp: Stamp = {
      format: FORMAT,
      source,
      key,
      ort: ortVersion(),
      cpu: os.cpus()[0]?.model ?? 'unknown',
      builtAt: new Date().toISOString(),
    };
    await fs.writeFile(path.join(tmp, STAMP_FILE), `${JSON.stringify(stamp, null, 2)}\n`);
    try {
      await fs.rename(tmp, dir);
      tmp = null;
    } catch (err) {
      // Another engine finished the same copy first: use theirs.
      if ((await readStamp(dir))?.key !== key) throw err;
    }
    return { file: copy, status: 'built', buildMs: performance.now() - started };
  } catch (err) {
    return {
      file: modelFile,
      status: 'skipped',
      reason: `the optimized copy could not be made (${(err as Error).message})`,
    };
  } finally {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The logits of one short forward pass from an empty cache: the same feeds for the original and the copy. */
async function probeLogits(session: InferenceSession): Promise<ArrayLike<number>> {
  const sig = readDecoderSignature(session);
  const n = 8;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: int64(
      Array.from({ length: n }, (_, i) => 1 + i * 7),
      [1, n],
    ),
    attention_mask: int64(new Array<number>(n).fill(1), [1, n]),
  };
  if (sig.hasPositionIds) feeds.position_ids = int64([...Array(n).keys()], [1, n]);
  if (sig.hasLogitsToKeep) feeds.num_logits_to_keep = int64([0], []);
  const dims = [1, sig.kvHeads, 0, sig.headSize];
  for (let l = 0; l < sig.layers; l++) {
    for (const kind of ['key', 'value']) {
      feeds[`past_key_values.${l}.${kind}`] =
        sig.kvType === 'float16'
          ? new ort.Tensor('float16', new Uint16Array(0), dims)
          : new ort.Tensor('float32', new Float32Array(0), dims);
    }
  }
  const out = await session.run(feeds);
  return out.logits.data as unknown as ArrayLike<number>;
}

/** Null when two probes agree (to float rounding), else what differs. */
function compareLogits(a: ArrayLike<number>, b: ArrayLike<number>): string | null {
  if (a.length !== b.length) return `${a.length} logits against ${b.length}`;
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const diff = Math.abs(a[i] - b[i]) / (1 + Math.abs(a[i]));
    if (Number.isNaN(diff)) return `logit ${i} is not a number in one of them`;
    worst = Math.max(worst, diff);
  }
  return worst <= 1e-4 ? null : `largest relative difference ${worst.toPrecision(3)}`;
}

/** Deletes the copy in `file`'s folder (it failed to open), so the next start builds it again. */
export async function discardOptimizedModel(file: string): Promise<void> {
  await fs.rm(path.dirname(file), { recursive: true, force: true }).catch(() => undefined);
}
