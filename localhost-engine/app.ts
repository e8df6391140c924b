/**
 * The engine as a fastify plugin: plugins, then routes, then one error handler. `server.ts` owns the process and
 * the listener; tests build this with a fake or real summarizer and use `inject` or a real listener.
 */
import { existsSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import loopbackGuard from './plugins/loopback-guard';
import { errorReply } from './routes/error-reply';
import { typeboxValidatorCompiler } from './plugins/typebox-validator';
import healthRoute from './routes/health';
import modelsRoute from './routes/models';
import { withDownloadState, type ModelStore } from './model-store/model-store';
import openAiRoutes from './routes/openai-compatible';
import summarizeRoute from './routes/summarize';
import { GenerationQueue } from './summarize/generation-queue';
import type { Summarizer } from './summarize/summarizer';
import type { TextGenerator } from './summarize/text-generator';

export interface AppOptions {
  summarizer: Summarizer;
  version: string;
  /** The port clients address; when absent, the listening socket's. */
  port?: number;
  /** Requests that may wait while one generation runs. */
  maxWaiting?: number;
  maxRequestMs?: number;
  /** The built task pane, served at `/`; absent or missing: not served. */
  paneDir?: string;
  /** Icons and other static assets, served at `/assets/`. */
  assetsDir?: string;
  /** The catalog, installed models and downloads (`/api/models`); absent: those routes are not served. */
  modelStore?: ModelStore;
  /** The model on this machine, served OpenAI-style at `/v1/` (`routes/openai-compatible.ts`); absent: not served. */
  localGenerator?: TextGenerator;
}

/** The longest one summary may take, queue wait included. */
export const DEFAULT_MAX_REQUEST_MS = 2 * 60 * 60_000;

/** Why a body fastify's JSON parser refused is refused. */
function jsonProblem(body: string): string {
  try {
    JSON.parse(body);
    return 'The body has a "__proto__" or "constructor.prototype" key, which is not allowed.';
  } catch (err) {
    return `The body is not valid JSON: ${(err as Error).message}`;
  }
}

/** What an API route takes in its query string when it declares nothing: nothing (a stray `?model=../x` is a 400). */
const NO_QUERY = Type.Object({}, { additionalProperties: false });

async function app(instance: FastifyInstance, opts: AppOptions): Promise<void> {
  const queue = new GenerationQueue(opts.maxWaiting ?? 2);
  instance.setValidatorCompiler(typeboxValidatorCompiler);
  // Only JSON is parsed: a cross-site "simple" POST (text/plain, form encoding) gets 415, never a body.
  instance.removeAllContentTypeParsers();
  // fastify's parser (which also refuses `__proto__` and `constructor.prototype` keys), with a 400 that says
  // what is wrong instead of fastify's one message for both cases.
  const parseJson = instance.getDefaultJsonParser('error', 'error');
  instance.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (err, value) => {
      if ((err as FastifyError | null)?.code !== 'FST_ERR_CTP_INVALID_JSON_BODY') return done(err, value);
      const problem = Object.assign(new Error(jsonProblem(String(body))), {
        statusCode: 400,
        code: 'invalid_json',
      });
      done(problem, undefined);
    });
  });

  // The API takes no input it does not declare: an /api/ or /v1/ route without a querystring schema refuses any
  // query parameter instead of ignoring it (static files keep theirs: Office appends `?_host_Info=…` to the URL).
  instance.addHook('onRoute', (route) => {
    if ((route.url.startsWith('/api/') || route.url.startsWith('/v1/')) && !route.schema?.querystring) {
      route.schema = { ...route.schema, querystring: NO_QUERY };
    }
  });

  await instance.register(loopbackGuard, { port: opts.port });
  instance.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
  });

  // Set before the routes are registered: fastify gives each route the handlers of its context at that point.
  instance.setNotFoundHandler((request, reply) => {
    reply.status(404).send({
      statusCode: 404,
      code: 'not_found',
      error: 'Not Found',
      message: `No route ${request.method} ${request.url}.`,
    });
  });
  instance.setErrorHandler((err: FastifyError & { code?: string }, request, reply) => {
    const { statusCode, code, message } = errorReply(err, request);
    reply.status(statusCode).send({ statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message });
  });

  await instance.register(healthRoute, {
    // While a download runs, health says `downloading` where the summarizer alone would say `missing`.
    summarizer: opts.modelStore ? withDownloadState(opts.summarizer, opts.modelStore) : opts.summarizer,
    queue,
    version: opts.version,
  });
  if (opts.modelStore) await instance.register(modelsRoute, { store: opts.modelStore });
  await instance.register(summarizeRoute, {
    summarizer: opts.summarizer,
    queue,
    // A long document on a laptop CPU takes tens of minutes (BENCHMARKS.md): the bound is for a stuck request;
    // the user stops a slow one with Stop.
    maxRequestMs: opts.maxRequestMs ?? DEFAULT_MAX_REQUEST_MS,
  });
  if (opts.localGenerator) {
    await instance.register(openAiRoutes, {
      generator: opts.localGenerator,
      queue,
      maxRequestMs: opts.maxRequestMs ?? DEFAULT_MAX_REQUEST_MS,
    });
  }
  if (opts.paneDir && existsSync(opts.paneDir)) {
    await instance.register(fastifyStatic, {
      root: path.resolve(opts.paneDir),
      prefix: '/',
      index: ['taskpane.html'],
      // Hashed bundles never change; the HTML is revalidated so a new build is picked up at once.
      setHeaders: (res, file) => {
        res.setHeader(
          'cache-control',
          file.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
        );
      },
    });
  }
  if (opts.assetsDir && existsSync(opts.assetsDir)) {
    await instance.register(fastifyStatic, {
      root: path.resolve(opts.assetsDir),
      prefix: '/assets/',
      decorateReply: false,
      maxAge: '1d',
    });
  }
}

export default fp(app, { name: 'localscribe-engine' });
