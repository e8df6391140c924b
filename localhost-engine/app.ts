/**
 * The engine as a fastify plugin: plugins, then routes, then one error handler. `server.ts` owns the process and
 * the listener; tests build this with a fake or real summarizer and use `inject` or a real listener.
 */
import { existsSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import loopbackGuard from './plugins/loopback-guard';
import { typeboxValidatorCompiler } from './plugins/typebox-validator';
import healthRoute from './routes/health';
import summarizeRoute from './routes/summarize';
import { GenerationQueue } from './summarize/generation-queue';
import type { Summarizer } from './summarize/summarizer';

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
}

/** Fastify's own error codes, as the API's stable ones. */
const CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_VALIDATION: 'invalid_request',
};

async function app(instance: FastifyInstance, opts: AppOptions): Promise<void> {
  const queue = new GenerationQueue(opts.maxWaiting ?? 2);
  instance.setValidatorCompiler(typeboxValidatorCompiler);
  // Only JSON is parsed: a cross-site "simple" POST (text/plain, form encoding) gets 415, never a body.
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser(
    'application/json',
    { parseAs: 'string' },
    instance.getDefaultJsonParser('error', 'error'),
  );

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
    const statusCode = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    const internal = statusCode >= 500 && !(err.code && !err.code.startsWith('FST_') && statusCode === 503);
    if (internal) request.log.error({ err, url: request.url }, 'request failed');
    else request.log.info({ code: err.code, statusCode, message: err.message }, 'request refused');
    const code =
      (err.code && CODES[err.code]) ?? (err.validation ? 'invalid_request' : err.code) ?? 'internal_error';
    reply.status(statusCode).send({
      statusCode,
      code: internal ? 'internal_error' : code,
      error: STATUS_CODES[statusCode] ?? 'Error',
      message: internal ? `Internal error (request ${request.id}); see the engine log.` : err.message,
    });
  });

  await instance.register(healthRoute, { summarizer: opts.summarizer, queue, version: opts.version });
  await instance.register(summarizeRoute, {
    summarizer: opts.summarizer,
    queue,
    maxRequestMs: opts.maxRequestMs ?? 10 * 60_000,
  });
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
