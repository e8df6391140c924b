/**
 * The engine process: HTTPS listener on loopback, the app, and a graceful close on SIGINT/SIGTERM.
 */
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import app from './app';
import { loadTlsFiles } from './certificates';
import type { EngineConfig } from './config';
import { userDataDir } from './paths';
import { LIMITS } from './api/schemas';
import { WorkerSummarizer } from './summarize/worker-summarizer';
import type { Summarizer } from './summarize/summarizer';
import { VERSION } from './version';

export interface RunningEngine {
  app: FastifyInstance;
  url: string;
  port: number;
  summarizer: Summarizer;
  close(): Promise<void>;
}

export interface StartOptions {
  /** A summarizer to use instead of the worker-backed one (tests). */
  summarizer?: Summarizer;
  tls?: { key: string; cert: string };
  logger?: boolean | object;
  maxWaiting?: number;
  /** Where the built pane and assets are (defaults: the repository's `dist/taskpane` and `assets`). */
  paneDir?: string;
  assetsDir?: string;
}

const ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

/**
 * Starts the engine and resolves once it listens.
 * @throws Error when the port is taken (the message says which) or TLS files cannot be read.
 */
export async function startEngine(config: EngineConfig, opts: StartOptions = {}): Promise<RunningEngine> {
  const tls = opts.tls ?? (await loadTlsFiles(config.certFile, config.keyFile, userDataDir()));
  const summarizer =
    opts.summarizer ??
    new WorkerSummarizer({
      modelDir: config.modelDir,
      device: config.device,
      onDeviceFallback: (from, to, reason) =>
        instance.log.warn({ from, to, reason }, `device ${from} failed; using ${to}`),
    });
  const instance = Fastify({
    https: { key: tls.key, cert: tls.cert },
    logger: opts.logger ?? { level: 'info' },
    bodyLimit: LIMITS.bodyBytes,
    // Slow-loris bounds: a client must send its headers and body promptly.
    connectionTimeout: 0,
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    forceCloseConnections: true,
  });
  instance.server.headersTimeout = 10_000;
  await instance.register(app, {
    summarizer,
    version: VERSION,
    port: config.port || undefined,
    maxWaiting: opts.maxWaiting,
    paneDir: opts.paneDir ?? path.join(ROOT, 'dist', 'taskpane'),
    assetsDir: opts.assetsDir ?? path.join(ROOT, 'assets'),
  });
  instance.addHook('onClose', async () => summarizer.close());
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
  if (summarizer instanceof WorkerSummarizer) void summarizer.warmUp();
  return {
    app: instance,
    url: `https://localhost:${port}`,
    port,
    summarizer,
    close: () => instance.close(),
  };
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
