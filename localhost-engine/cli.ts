/**
 * `localscribe`: the engine (`serve`) and the same pipeline in-process (`summarize`).
 */
import { parseArgs } from 'node:util';
import type { SummaryEvent } from './api/schemas';
import { ConfigError, resolveConfig, type Flags } from './config';
import type { ModelFlags } from './model-store/settings';
import { DocumentReadError, readDocumentFile } from './documents/read-document-file';
import { closeOnSignals, localModelOptions, startEngine } from './server';
import { hasText } from './summarize/summarizer';
import { citationReport } from './summarize/citation-report';
import { localSummarizer, type DocumentSummarizer } from './summarize/document-summarizer';
import {
  LOCAL_BACKEND,
  localGeneratorOf,
  unknownBackend,
  upstreamSummarizer,
} from './summarize/backend-summarizer';
import { COMMAND_LINE_UPSTREAM_ID, type UpstreamFlags } from './upstream/upstream-config';
import { MODEL_MISSING_MESSAGE } from './routes/summarize';
import { CatalogError } from './model-store/catalog';
import { MODELS_USAGE, modelsCommand, ModelsUsageError } from './model-store/models-command';
import { VERSION } from './version';
import { RotatingFile } from './logging/rotating-file';
import { INSTALL_COMMANDS, INSTALL_USAGE, installCli, InstallUsageError } from './install/install-cli';

const USAGE = `Usage:
  localscribe --version
  localscribe serve [--port N] [--model DIR] [--device auto|dml|webgpu|cpu] [--optimized-copy on|off]
                    [--kv-cache float16|model] [--config FILE] [--cert F --key F] [--log-file FILE] [UPSTREAM]
  localscribe summarize FILE|- [--style key-points|paragraph|sections|executive] [--length short|medium|long]
                        [--model DIR] [--device D] [--optimized-copy on|off] [--kv-cache K] [--ndjson] [--citations]
                        [UPSTREAM] [--backend ID]
${MODELS_USAGE}
${INSTALL_USAGE}

UPSTREAM: --upstream URL --upstream-model NAME [--upstream-context TOKENS] [--upstream-key-env VARIABLE]
          [--upstream-ca FILE] [--upstream-allow-http]
An OpenAI-compatible server (Foundry Local, Ollama, LM Studio, llama.cpp, vLLM, Ray Serve, another LocalScribe)
as a backend named "upstream"; the config file's "upstreams" names more. The API key is read from the named
environment variable, never from the command line. A host that is not this computer needs https unless
--upstream-allow-http. summarize uses the upstream given on the command line, or --backend ID (default local).

FILE may be .txt, .md or .docx; "-" reads plain text from standard input. The summary streams to stdout and
progress to stderr; --ndjson prints the engine API's event stream instead; --citations prints the summary
when it is done with a [¶n] marker after each point (n: the paragraph's number) and the headings it never cites.
Models are downloaded from the hub (--hub-url, LOCALSCRIBE_HUB_URL; default https://huggingface.co) into the
models folder (--models-dir, LOCALSCRIBE_MODELS_DIR), with resume and checksum verification; serve takes the same
flags and offers the download in the pane.
Environment: LOCALSCRIBE_PORT, LOCALSCRIBE_MODEL, LOCALSCRIBE_DEVICE, LOCALSCRIBE_CONFIG, LOCALSCRIBE_HOME,
LOCALSCRIBE_HUB_URL, LOCALSCRIBE_MODELS_DIR, LOCALSCRIBE_CATALOG.`;

const STYLES = ['key-points', 'paragraph', 'sections', 'executive'] as const;
const LENGTHS = ['short', 'medium', 'long'] as const;

/** A mistake in how the command was called: printed with the usage, exit code 2. */
class UsageError extends Error {}

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        model: { type: 'string' },
        device: { type: 'string' },
        'optimized-copy': { type: 'string' },
        'kv-cache': { type: 'string' },
        config: { type: 'string' },
        cert: { type: 'string' },
        key: { type: 'string' },
        style: { type: 'string' },
        length: { type: 'string' },
        ndjson: { type: 'boolean' },
        citations: { type: 'boolean' },
        'hub-url': { type: 'string' },
        'models-dir': { type: 'string' },
        catalog: { type: 'string' },
        'log-file': { type: 'string' },
        json: { type: 'boolean' },
        upstream: { type: 'string' },
        'upstream-model': { type: 'string' },
        'upstream-context': { type: 'string' },
        'upstream-key-env': { type: 'string' },
        'upstream-ca': { type: 'string' },
        'upstream-allow-http': { type: 'boolean' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The upstream flags of the command line, as the config reads them. */
function upstreamFlags(values: ReturnType<typeof parse>['values']): UpstreamFlags {
  return {
    upstream: values.upstream,
    upstreamModel: values['upstream-model'],
    upstreamContext: values['upstream-context'],
    upstreamKeyEnv: values['upstream-key-env'],
    upstreamCa: values['upstream-ca'],
    upstreamAllowHttp: values['upstream-allow-http'],
  };
}

async function serve(flags: Flags, models: ModelFlags = {}, logFile?: string): Promise<number> {
  // As a service the engine logs to a rotating file in the data folder, a failure to start included.
  const log = logFile ? new RotatingFile(logFile) : undefined;
  try {
    const config = resolveConfig(flags);
    const engine = await startEngine(config, { models, logger: log && { level: 'info', stream: log } });
    closeOnSignals(engine);
    engine.app.log.info(
      `LocalScribe engine on ${engine.url} (model folder ${engine.modelDir}, device ${config.device})`,
    );
    for (const u of config.upstreams ?? []) {
      engine.app.log.info(
        `backend "${u.id}": ${u.model} at ${u.baseUrl}${u.apiKeyEnv ? ` (key from $${u.apiKeyEnv})` : ''}`,
      );
    }
  } catch (err) {
    log?.write(
      `${JSON.stringify({ level: 50, time: Date.now(), msg: `The engine did not start: ${(err as Error).message}` })}\n`,
    );
    throw err;
  }
  return new Promise<number>(() => undefined); // runs until a signal closes it
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  what: string,
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${what} must be one of ${allowed.join(', ')} (got "${value}").`);
  }
  return value as T;
}

async function summarize(
  file: string | undefined,
  values: ReturnType<typeof parse>['values'],
  io: Io,
): Promise<number> {
  if (!file) throw new UsageError('Name the file to summarize, or "-" for standard input.');
  const style = oneOf(values.style, STYLES, 'style');
  const length = oneOf(values.length, LENGTHS, 'length');
  const config = resolveConfig({
    model: values.model,
    device: values.device,
    config: values.config,
    optimizedCopy: values['optimized-copy'],
    kvCache: values['kv-cache'],
    ...upstreamFlags(values),
  });
  const backend = values.backend ?? (values.upstream ? COMMAND_LINE_UPSTREAM_ID : LOCAL_BACKEND);
  const unknown = unknownBackend(backend, [LOCAL_BACKEND, ...(config.upstreams ?? []).map((u) => u.id)]);
  if (unknown) throw new UsageError(unknown.message);
  const upstream = config.upstreams?.find((u) => u.id === backend);
  const document = await readDocumentFile(file, { stdin: io.stdin });
  if (!hasText(document.paragraphs)) {
    io.stderr.write(`${file} has no text to summarize.\n`);
    return 1;
  }
  const summarizer: DocumentSummarizer = upstream
    ? upstreamSummarizer(upstream)
    : localSummarizer(localModelOptions(config, config.modelDir));
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  try {
    const local = localGeneratorOf(summarizer);
    if (local) await local.warmUp();
    if (summarizer.health().state === 'missing') {
      io.stderr.write(`${MODEL_MISSING_MESSAGE} (looked in ${config.modelDir})\n`);
      return 1;
    }
    let failed = false;
    const events: AsyncIterable<SummaryEvent> = summarizer.stream(
      { requestId: 'cli', body: { document, options: { style, length } } },
      controller.signal,
    );
    for await (const event of events) {
      if (values.ndjson) io.stdout.write(`${JSON.stringify(event)}\n`);
      switch (event.type) {
        case 'start':
          io.stderr.write(
            `Summarizing ${event.plan.paragraphs} paragraphs (${event.plan.inputTokens} tokens${event.plan.parts > 1 ? ` in ${event.plan.parts} parts, ${event.plan.cachedParts ?? 0} from the cache` : ''}) with ${event.model} ${event.backend?.host ? `at ${event.backend.host}` : `on ${event.device}`}…\n`,
          );
          break;
        case 'progress':
          if (event.stage !== 'load' && event.of > 1)
            io.stderr.write(
              `${event.stage === 'map' ? 'Part' : 'Combining'} ${event.part} of ${event.of}…\n`,
            );
          break;
        case 'delta':
          // Part summaries go to stderr as progress; only the final summary is the command's output.
          if (!values.ndjson && !values.citations && event.part === undefined) io.stdout.write(event.text);
          break;
        case 'done':
          // With --citations the summary is printed whole, once its points and their sources are known.
          if (!values.ndjson) io.stdout.write(values.citations ? `${citationReport(event)}\n` : '\n');
          io.stderr.write(
            `Done: ${event.usage.outputTokens} tokens, first after ${(event.usage.ttftMs / 1000).toFixed(1)} s, ${event.usage.decodeTokensPerSecond.toFixed(1)} tokens/s.\n`,
          );
          break;
        case 'error':
          failed = true;
          io.stderr.write(`Error: ${event.message}\n`);
          break;
      }
    }
    return failed || controller.signal.aborted ? 1 : 0;
  } finally {
    process.off('SIGINT', stop);
    await summarizer.close();
  }
}

/**
 * Runs the CLI; resolves with the exit code. Errors a user can fix (bad flags, unreadable files, bad config) are
 * printed as one line, never as a stack trace.
 */
export async function main(argv: string[], io: Io = process): Promise<number> {
  try {
    if (INSTALL_COMMANDS.has(argv[0])) return await installCli(argv, io);
    const { values, positionals } = parse(argv);
    const [command, ...rest] = positionals;
    if (values.version) {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (values.help || !command) {
      io.stdout.write(`${USAGE}\n`);
      return values.help ? 0 : 2;
    }
    if (command === 'serve') {
      return await serve(
        {
          port: values.port,
          host: values.host,
          model: values.model,
          device: values.device,
          optimizedCopy: values['optimized-copy'],
          kvCache: values['kv-cache'],
          config: values.config,
          cert: values.cert,
          key: values.key,
          ...upstreamFlags(values),
        },
        {
          hubUrl: values['hub-url'],
          modelsDir: values['models-dir'],
          catalog: values.catalog,
          config: values.config,
        },
        values['log-file'],
      );
    }
    if (command === 'models') return await modelsCommand(rest, values, io);
    if (command === 'summarize') return await summarize(rest[0], values, io);
    throw new UsageError(`Unknown command "${command}".`);
  } catch (err) {
    if (err instanceof UsageError || err instanceof ModelsUsageError || err instanceof InstallUsageError) {
      io.stderr.write(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof DocumentReadError || err instanceof CatalogError) {
      io.stderr.write(`${err.message}\n`);
      return 1;
    }
    io.stderr.write(`localscribe: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
