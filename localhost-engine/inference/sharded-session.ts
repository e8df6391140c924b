/**
 * A CPU model opened as shards of consecutive layers (`shard-graph.ts`), each on its own thread, that runs like
 * one session: `run` passes each shard what it reads (the caller's feeds and what earlier shards computed) and
 * returns the outputs the caller asked for.
 *
 * Why: onnxruntime prepares a session's int4 weights on one thread, most of the time a large model takes to
 * open. Shards opened on k threads prepare their weights at once.
 *
 * Each shard keeps the KV cache of its own layers (`kv-cache.ts`) on its own thread: onnxruntime-node takes no
 * input in shared memory ("Invalid argument"), and sending the past to another thread every step would copy it.
 * So the token loop does not feed the past to a sharded session: it starts each generation with
 * `resetKvCache`, and every pass hands each shard only the new tokens and what earlier shards computed for them.
 */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { kvDeltaName } from './kv-delta-graph';
import { KvCache, type KvLayout } from './kv-cache';
import { shardGraph } from './shard-graph';

/** What the engine uses of a session: one onnxruntime session, or shards that act as one. */
export type DecoderSession = Pick<
  InferenceSession,
  'inputNames' | 'outputNames' | 'inputMetadata' | 'run' | 'release'
>;

/** A session that keeps the KV cache itself: fed no past, it returns the logits only. */
export interface KvOwningSession extends DecoderSession {
  /** Empties the cache and makes room for `capacity` positions; the next pass starts a generation. */
  resetKvCache(capacity: number): Promise<void>;
}

export function ownsKvCache(session: DecoderSession): session is KvOwningSession {
  return typeof (session as Partial<KvOwningSession>).resetKvCache === 'function';
}

export interface WireTensor {
  type: string;
  dims: number[];
  data: Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;
}

export type ShardRequest =
  | { type: 'open'; model: Uint8Array; options: InferenceSession.SessionOptions }
  | { type: 'run'; id: number; feeds: Record<string, WireTensor> }
  | { type: 'reset'; capacity: number }
  | { type: 'release' };

export type ShardReply =
  | {
      type: 'opened';
      inputNames: string[];
      outputNames: string[];
      inputMetadata: InferenceSession.ValueMetadata[];
    }
  | { type: 'ran'; id: number; outputs: Record<string, WireTensor> }
  | { type: 'released' }
  | { type: 'failed'; id: number; message: string };

type Outputs = Record<string, ort.Tensor>;

interface Shard {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata: readonly InferenceSession.ValueMetadata[];
  run(feeds: Outputs): Promise<Outputs>;
  reset(capacity: number): void;
  release(): Promise<void>;
}

const PAST = /^past_key_values\.(\d+)\.key$/;

/**
 * One shard's session with the cache of its layers: a pass feeds it its new tokens (and what earlier shards
 * computed), it adds its past, runs, keeps its layers' new keys and values and returns the rest.
 */
export class ShardState {
  private readonly layout: KvLayout;
  /** This shard's KV delta outputs, which its cache takes and `run` does not return. */
  private readonly ownDeltas = new Set<string>();
  private cache: KvCache | null = null;

  constructor(readonly session: InferenceSession) {
    const layers = session.inputNames.flatMap((n) => {
      const m = PAST.exec(n);
      return m ? [Number(m[1])] : [];
    });
    const meta = session.inputMetadata.find((m) => PAST.test(m.name));
    const dims = meta?.isTensor ? meta.shape : [];
    const kvHeads = dims[1];
    const headSize = dims[3];
    if (!layers.length || typeof kvHeads !== 'number' || typeof headSize !== 'number' || !meta?.isTensor) {
      throw new Error('a model shard has no past keys and values of fixed head size');
    }
    this.layout = {
      firstLayer: Math.min(...layers),
      layers: layers.length,
      kvHeads,
      headSize,
      kvType: meta.type === 'float16' ? 'float16' : 'float32',
    };
    for (const l of layers) this.ownDeltas.add(kvDeltaName(l, 'key')).add(kvDeltaName(l, 'value'));
  }

  reset(capacity: number): void {
    this.cache = new KvCache(this.layout, capacity);
  }

  async run(feeds: Outputs): Promise<Outputs> {
    if (!this.cache) throw new Error('the model shard has no KV cache (resetKvCache was not called)');
    const n = feeds.input_ids.dims[1];
    const pastLength = feeds.attention_mask.dims[1] - n;
    const own: Outputs = { ...this.cache.feeds(pastLength, n) };
    for (const name of this.session.inputNames) {
      if (own[name]) continue;
      if (!feeds[name]) throw new Error(`input '${name}' is missing in 'feeds'`);
      own[name] = feeds[name];
    }
    const out = (await this.session.run(own)) as Outputs;
    this.cache.append(out, pastLength, n);
    const rest: Outputs = {};
    for (const [name, t] of Object.entries(out)) if (!this.ownDeltas.has(name)) rest[name] = t;
    return rest;
  }
}

/** Below this much weight a model opens in well under a second: one session. */
const SHARDING_MIN_BYTES = 256 * 2 ** 20;
const MAX_SHARDS = 4;

/**
 * How many shards to open `modelFile` in: one per core up to four, for models whose weights take long to prepare;
 * one otherwise.
 */
export async function defaultShardCount(modelFile: string): Promise<number> {
  const dir = path.dirname(modelFile);
  const stem = path.basename(modelFile);
  let bytes = 0;
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (name.startsWith(stem)) bytes += (await fs.stat(path.join(dir, name))).size;
  }
  if (bytes < SHARDING_MIN_BYTES) return 1;
  return Math.max(1, Math.min(MAX_SHARDS, os.availableParallelism()));
}

function shardWorkerEntry(): { file: string; execArgv: string[] } {
  // Compiled: the .js sits next to this file. From source (tests, `tsx`): run the .ts through tsx's require hook.
  const js = path.join(__dirname, 'shard-worker.js');
  if (existsSync(js)) return { file: js, execArgv: [] };
  return { file: path.join(__dirname, 'shard-worker.ts'), execArgv: ['--require', 'tsx/cjs'] };
}

const toWire = (t: ort.Tensor): WireTensor => ({
  type: t.type,
  dims: [...t.dims],
  data: t.data as WireTensor['data'],
});

const fromWire = (t: WireTensor): ort.Tensor =>
  new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);

/** A shard on its own thread. */
class RemoteShard implements Shard {
  inputNames: readonly string[] = [];
  outputNames: readonly string[] = [];
  inputMetadata: readonly InferenceSession.ValueMetadata[] = [];
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (o: Outputs) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private opening: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private dead: Error | null = null;

  /** Starts the thread and opens `model` there; `opened` settles when it is open. */
  readonly opened: Promise<void>;

  constructor(model: Uint8Array, options: InferenceSession.SessionOptions) {
    const entry = shardWorkerEntry();
    this.worker = new Worker(entry.file, { execArgv: entry.execArgv });
    this.opened = new Promise((resolve, reject) => (this.opening = { resolve, reject }));
    this.worker.on('message', (msg: ShardReply) => this.onMessage(msg));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) =>
      this.fail(new Error(`a model shard's thread stopped (exit code ${code})`)),
    );
    this.worker.postMessage({ type: 'open', model, options } satisfies ShardRequest);
  }

  private onMessage(msg: ShardReply): void {
    if (msg.type === 'opened') {
      this.inputNames = msg.inputNames;
      this.outputNames = msg.outputNames;
      this.inputMetadata = msg.inputMetadata;
      this.opening?.resolve();
      this.opening = null;
    } else if (msg.type === 'ran' || msg.type === 'failed') {
      if (msg.type === 'failed' && this.opening) {
        this.opening.reject(new Error(msg.message));
        this.opening = null;
        return;
      }
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.type === 'failed') p.reject(new Error(msg.message));
      else {
        const out: Outputs = {};
        for (const [name, t] of Object.entries(msg.outputs)) out[name] = fromWire(t);
        p.resolve(out);
      }
    }
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    this.opening?.reject(err);
    this.opening = null;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  run(feeds: Outputs): Promise<Outputs> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const wire: Record<string, WireTensor> = {};
    for (const [name, t] of Object.entries(feeds)) wire[name] = toWire(t);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: 'run', id, feeds: wire } satisfies ShardRequest);
    });
  }

  reset(capacity: number): void {
    if (!this.dead) this.worker.postMessage({ type: 'reset', capacity } satisfies ShardRequest);
  }

  async release(): Promise<void> {
    this.dead ??= new Error('the model was released');
    await this.worker.terminate();
  }
}

/** A shard on this thread. */
function localShard(session: InferenceSession): Shard {
  const state = new ShardState(session);
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata,
    run: (feeds) => state.run(feeds),
    reset: (capacity) => state.reset(capacity),
    release: () => session.release(),
  };
}

class ShardedSession implements KvOwningSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];

  constructor(private readonly shards: Shard[]) {
    // The model's own inputs and outputs: those no shard computes for another.
    const computed = new Set(shards.flatMap((s) => s.outputNames));
    const carried = new Set(shards.flatMap((s) => s.inputNames.filter((n) => computed.has(n))));
    const inputs = new Map<string, InferenceSession.ValueMetadata>();
    for (const s of shards) {
      s.inputNames.forEach((n, i) => {
        if (!computed.has(n) && !inputs.has(n)) inputs.set(n, s.inputMetadata[i]);
      });
    }
    this.inputNames = [...inputs.keys()];
    this.inputMetadata = [...inputs.values()];
    // Each shard keeps its layers' new keys and values: what comes out is the logits (and any other output).
    this.outputNames = shards.flatMap((s) =>
      s.outputNames.filter((n) => !carried.has(n) && !n.startsWith('present_delta.')),
    );
  }

  async run(
    feeds: InferenceSession.FeedsType,
    fetches?: InferenceSession.FetchesType | InferenceSession.RunOptions,
  ): Promise<InferenceSession.ReturnType> {
    if (fetches !== undefined && !Array.isArray(fetches)) {
      throw new Error('a sharded model returns outputs by name only');
    }
    const known: Outputs = { ...(feeds as Outputs) };
    for (const shard of this.shards) {
      // Every shard gets the ids and mask (their lengths say where its cache stands) and what it reads.
      const own: Outputs = { input_ids: known.input_ids, attention_mask: known.attention_mask };
      for (const n of shard.inputNames) if (!n.startsWith('past_key_values.') && known[n]) own[n] = known[n];
      Object.assign(known, await shard.run(own));
    }
    const result: Outputs = {};
    for (const n of (fetches as readonly string[] | undefined) ?? this.outputNames) {
      if (!known[n]) throw new Error(`a sharded model has no output '${n}'`);
      result[n] = known[n];
    }
    return result;
  }

  resetKvCache(capacity: number): Promise<void> {
    for (const shard of this.shards) shard.reset(capacity);
    return Promise.resolve();
  }

  async release(): Promise<void> {
    await Promise.all(this.shards.map((s) => s.release().catch(() => undefined)));
  }
}

/**
 * Opens `model` (an engine graph with KV delta outputs, bytes whose external weights are in `weightsDir`) as
 * `count` shards opened at once, the first on this thread, the others on their own threads.
 *
 * Guarantees: resolves only once every shard is open; on any failure every shard opened so far is released and
 * the error says which part failed. Returns null when the graph cannot be split (`shardGraph`).
 */
export async function openShardedSession(
  model: Uint8Array,
  weightsDir: string,
  count: number,
  options: InferenceSession.SessionOptions,
): Promise<DecoderSession | null> {
  const graphs = shardGraph(model, count);
  if (!graphs) return null;
  const extra = (options.extra ?? {}) as { session?: Record<string, string> };
  const withWeights: InferenceSession.SessionOptions = {
    ...options,
    extra: {
      ...extra,
      session: {
        ...extra.session,
        model_external_initializers_file_folder_path: weightsDir,
        // A shard's threads stop spinning when its pass ends, instead of taking the cores from the next shard.
        force_spinning_stop: '1',
      },
    },
  };
  const remote = graphs.slice(1).map((g) => new RemoteShard(g.model, withWeights));
  let local: InferenceSession | null = null;
  const settled = await Promise.allSettled([
    ort.InferenceSession.create(graphs[0].model, withWeights).then((s) => (local = s)),
    ...remote.map((r) => r.opened),
  ]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all([
      (local as InferenceSession | null)?.release().catch(() => undefined),
      ...remote.map((r) => r.release()),
    ]);
    throw new Error(`a shard of the model failed to open (${(failed.reason as Error).message})`);
  }
  return new ShardedSession([localShard(local!), ...remote]);
}
