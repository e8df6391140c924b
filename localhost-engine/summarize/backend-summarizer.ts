/**
 * The engine's summarizer over every backend the user configured: the model on this machine (`local`, the
 * default) and each upstream server, one `DocumentSummarizer` each (its own rates; one part cache folder). A
 * request picks one by id in `options.backend`; it can never name a URL.
 */
import type { Backend, SummaryEvent } from '../api/schemas';
import { UpstreamGenerator, type UpstreamGeneratorOptions } from '../upstream/upstream-generator';
import { isLoopbackHost, type UpstreamConfig } from '../upstream/upstream-config';
import { DocumentSummarizer, type SummarizerOptions } from './document-summarizer';
import { LocalGenerator, type LocalGeneratorOptions } from './local-generator';
import type { ModelHealth, Summarizer, SummaryRequest } from './summarizer';

/** The id of the model on this machine. */
export const LOCAL_BACKEND = 'local';

/**
 * The error for a backend id that is not one of `known` (the configured backends' ids), as the API, the stream
 * and the CLI report it; null when it is one of them.
 */
export function unknownBackend(
  id: string,
  known: readonly string[],
): { code: 'unknown_backend'; message: string } | null {
  if (known.includes(id)) return null;
  return {
    code: 'unknown_backend',
    message: `No backend "${id}" is configured; the engine has ${known.join(', ')}.`,
  };
}

export class BackendSummarizer implements Summarizer {
  private readonly byId: Map<string, DocumentSummarizer>;

  /** @param summarizers one per backend, each given its `backend` option; the first is the default. */
  constructor(private readonly summarizers: DocumentSummarizer[]) {
    this.byId = new Map(summarizers.map((s) => [s.backend()?.id ?? LOCAL_BACKEND, s]));
  }

  /** The summarizer of backend `id`, if one is configured. */
  get(id: string): DocumentSummarizer | undefined {
    return this.byId.get(id);
  }

  backends(): Backend[] {
    return this.summarizers.map((s) => s.backend()).filter((b): b is Backend => b !== undefined);
  }

  health(backend?: string): ModelHealth {
    return (this.get(backend ?? '') ?? this.summarizers[0]).health();
  }

  stream(request: SummaryRequest, signal: AbortSignal): AsyncIterable<SummaryEvent> {
    const id = request.body.options?.backend ?? this.backends()[0].id;
    const unknown = unknownBackend(id, [...this.byId.keys()]);
    if (unknown) {
      return (async function* () {
        yield { type: 'error' as const, ...unknown };
      })();
    }
    return this.byId.get(id)!.stream(request, signal);
  }

  async close(): Promise<void> {
    await Promise.all(this.summarizers.map((s) => s.close()));
  }
}

/** The backend description of an upstream: its host, and whether text leaves this computer to reach it. */
function upstreamBackend(config: UpstreamConfig): Pick<Backend, 'id' | 'host' | 'remote'> {
  const url = new URL(config.baseUrl);
  return { id: config.id, host: url.host, remote: !isLoopbackHost(url.hostname) };
}

/** The summarizer over one configured upstream; it connects only when it summarizes. */
export function upstreamSummarizer(
  config: UpstreamConfig,
  options: SummarizerOptions & Omit<UpstreamGeneratorOptions, 'config'> = {},
): DocumentSummarizer<UpstreamGenerator> {
  return new DocumentSummarizer(new UpstreamGenerator({ ...options, config }), {
    maxNewTokens: options.maxNewTokens,
    partMaxNewTokens: options.partMaxNewTokens,
    cacheDir: options.cacheDir,
    backend: upstreamBackend(config),
  });
}

/**
 * The engine's summarizer: the local model first (the default), then one per configured upstream.
 * Guarantees: no connection is made to any upstream until a request names it.
 */
export function backendSummarizer(
  local: LocalGeneratorOptions & SummarizerOptions,
  upstreams: UpstreamConfig[],
  upstreamOptions: Omit<UpstreamGeneratorOptions, 'config'> = {},
): BackendSummarizer {
  return new BackendSummarizer([
    new DocumentSummarizer(new LocalGenerator(local), {
      ...local,
      backend: { id: LOCAL_BACKEND, host: null, remote: false },
    }),
    ...upstreams.map((config) =>
      upstreamSummarizer(config, {
        ...upstreamOptions,
        maxNewTokens: local.maxNewTokens,
        partMaxNewTokens: local.partMaxNewTokens,
        cacheDir: local.cacheDir,
      }),
    ),
  ]);
}

/** The generator of the model on this machine under `summarizer`, if it has one. */
export function localGeneratorOf(summarizer: Summarizer): LocalGenerator | null {
  const local = summarizer instanceof BackendSummarizer ? summarizer.get(LOCAL_BACKEND) : summarizer;
  return local instanceof DocumentSummarizer && local.generator instanceof LocalGenerator
    ? local.generator
    : null;
}
