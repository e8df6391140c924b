/**
 * The engine process: HTTPS listener on loopback, the app, and a graceful close on SIGINT/SIGTERM.
 */
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import app from './app';
import { loadTlsFiles } from './certificates';
import type { EngineConfig } from './config';
import { DEFAULT_MODEL_NAME, predecessorModelDir, userDataDir } from './paths';
import { loadCatalog } from './model-store/catalog';
import { ModelStore } from './model-store/model-store';
import { resolveModelSettings, type ModelFlags } from './model-store/settings';
import { LIMITS } from './api/schemas';
import { backendSummarizer, localGeneratorOf } from './summarize/backend-summarizer';
import type { Summarizer } from './summarize/summarizer';
import { VERSION } from './version';
import type { WorkerClientOptions } from './inference/inference-worker-client';

export interface RunningEngine {
  app: FastifyInstance;
  url: string;
  port: number;
  summarizer: Summarizer;
  /** The model folder the engine loads. */
  modelDir: string;
  modelStore: ModelStore | null;
  close(): Promise<void>;
}

export interface StartOptions {
  /** A summarizer to use instead of the worker-backed one (tests). */
  summarizer?: Summarizer;
  tls?: { key: string; cert: string };
  logger?: boolean | object;
  maxWaiting?: number;
  /** The longest one summary may take, queue wait included (default 2 h); then it ends with a `timeout` error. */
  maxRequestMs?: number;
  /** Slow-client bounds: the request head must arrive within `headersTimeoutMs` (default 10 s), the whole request,
   * body included, within `requestTimeoutMs` (default 30 s); a streaming response is not limited by either. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Where the built pane and assets are (defaults: the repository's `dist/taskpane` and `assets`). */
  paneDir?: string;
  assetsDir?: string;
  /** The model store to serve `/api/models` with; default: one from the settings (`models`), `null`: none. */
  modelStore?: ModelStore | null;
  /** Where models are downloaded from and to (flags of `serve`). */
  models?: ModelFlags;
}

const ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

/**
 * Starts the engine and resolves once it listens.
 * @throws Error when the port is taken (the message says which) or TLS files cannot be read.
 */
export async function startEngine(config: EngineConfig, opts: StartOptions = {}): Promise<RunningEngine> {
  const tls = opts.tls ?? (await loadTlsFiles(config.certFile, config.keyFile, userDataDir()));
  const modelStore = opts.modelStore === undefined ? defaultModelStore(config, opts.models) : opts.modelStore;
  const modelDir = await chooseModelDir(config, modelStore);
  if (modelStore) modelStore.activeDir = modelDir;
  const summarizer =
    opts.summarizer ??
    backendSummarizer(
      {
        ...localModelOptions(config, modelDir),
        onDeviceFallback: (from, to, reason) =>
          instance.log.warn({ from, to, reason }, `device ${from} failed; using ${to}`),
      },
      config.upstreams ?? [],
    );
  const local = localGeneratorOf(summarizer);
  const headersTimeout = opts.headersTimeoutMs ?? 10_000;
  const requestTimeout = opts.requestTimeoutMs ?? 30_000;
  const instance = Fastify({
    https: {
      key: tls.key,
      cert: tls.cert,
      // Node checks both timeouts only this often (default 30 s, which would let a slow client hold a socket for
      // up to 40 s instead of 10); a quarter of the shorter one keeps them close to what they say.
      connectionsCheckingInterval: Math.max(10, Math.ceil(Math.min(headersTimeout, requestTimeout) / 4)),
      // A TCP client that never starts TLS is dropped as soon as one that never sends its headers (default 120 s).
      handshakeTimeout: headersTimeout,
    },
    logger: opts.logger ?? { level: 'info' },
    bodyLimit: LIMITS.bodyBytes,
    // Slow-loris bounds: a client must send its headers and body promptly.
    connectionTimeout: 0,
    requestTimeout,
    keepAliveTimeout: 5_000,
    forceCloseConnections: true,
  });
  instance.server.headersTimeout = headersTimeout;
  // Node starts the headers timeout at a request's first byte, so a client that connects and sends nothing would
  // hold its socket forever: until its first request arrives, a connection gets the same bound as a request head.
  // Only until then: a summary may be silent for long (prefill) and must not be cut by an idle timeout.
  instance.server.on('secureConnection', (socket: TLSSocket) => socket.setTimeout(headersTimeout));
  instance.server.on('request', (req: IncomingMessage) => req.socket.setTimeout(0));
  await instance.register(app, {
    summarizer,
    version: VERSION,
    port: config.port || undefined,
    maxWaiting: opts.maxWaiting,
    maxRequestMs: opts.maxRequestMs,
    paneDir: opts.paneDir ?? path.join(ROOT, 'dist', 'taskpane'),
    assetsDir: opts.assetsDir ?? path.join(ROOT, 'assets'),
    modelStore: modelStore ?? undefined,
    localGenerator: local ?? undefined,
  });
  instance.addHook('onClose', async () => {
    await modelStore?.close(); // a running download stops; its bytes stay for a resume
    await summarizer.close();
  });
  try {
    await instance.listen({ port: config.port, host: config.host });
  } catch (err) {
    await summarizer.close();
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      throw new Error(
        `Port ${config.port} is already in use (another LocalScribe engine, or another program). Stop it or choose --port.`,
      );
    }
    throw err;
  }
  const address = instance.server.address();
  const port = address && typeof address === 'object' ? address.port : config.port;
  if (local) {
    const worker = local.worker;
    void local
      .warmUp()
      .then(() => {
        if (worker.state !== 'ready') return;
        const copy = worker.optimized;
        const p = worker.path;
        instance.log.info(
          {
            device: worker.device,
            loadMs: Math.round(worker.loadMs),
            optimizedCopy: copy?.status ?? 'none',
            attention: p?.attention,
            logits: p?.logits,
            int4Accuracy: p?.int4Accuracy,
            cache: p?.cache,
            kvStrategy: p?.kv,
          },
          copy?.status === 'skipped'
            ? `model loaded without the optimized copy: ${copy.reason}`
            : `model loaded${copy?.status === 'built' ? ' (optimized copy built, once)' : ''}`,
        );
        // A graph the engine could not rewrite still runs; the log says what it misses and why.
        for (const note of p?.notes ?? []) instance.log.warn(`model runs the slower path: ${note}`);
      })
      // A failed load is reported by /api/health and the first request; nothing to do here.
      .catch(() => undefined);
  }
  return {
    app: instance,
    url: `https://localhost:${port}`,
    port,
    summarizer,
    modelDir,
    modelStore,
    close: () => instance.close(),
  };
}

/** How the local model runs, from the engine's settings. */
export function localModelOptions(config: EngineConfig, modelDir: string): WorkerClientOptions {
  return {
    modelDir,
    device: config.device,
    optimizedModelsDir: config.optimizedCopy ? undefined : null,
    kvCache: config.kvCache,
  };
}

/** The model store for these settings: the catalog, the models folder and the hub from flags, env and config. */
export function defaultModelStore(config: EngineConfig, flags: ModelFlags = {}): ModelStore {
  const settings = resolveModelSettings(flags);
  return new ModelStore({
    catalog: loadCatalog(settings.catalogFile),
    modelsDir: settings.modelsDir,
    hubUrl: settings.hubUrl,
    device: config.device,
  });
}

/**
 * The model folder to load. A folder the user named (`--model`, `LOCALSCRIBE_MODEL`, the config file) is used as
 * is; when the configuration fell back to its default (the legacy folder or the predecessor's), the model store
 * picks: an installed catalog model for the device, the legacy folder, the predecessor's, or where the device's
 * default model will be downloaded to.
 */
export async function chooseModelDir(config: EngineConfig, store: ModelStore | null): Promise<string> {
  const legacy = path.join(userDataDir(), 'models', DEFAULT_MODEL_NAME);
  const defaulted = config.modelDir === legacy || config.modelDir === predecessorModelDir();
  return store && defaulted ? store.pickModelDir([legacy]) : config.modelDir;
}

/** Closes the engine on SIGINT/SIGTERM: in-flight streams end, the worker stops, the port is released. */
export function closeOnSignals(engine: RunningEngine): void {
  let closing = false;
  const close = (signal: string): void => {
    if (closing) return;
    closing = true;
    engine.app.log.info(`${signal}: closing`);
    engine.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => close('SIGINT'));
  process.once('SIGTERM', () => close('SIGTERM'));
}
