/**
 * Model routes. Ids come from the URL and must name a catalog entry (the pattern is checked first: 400); nothing
 * in a request is ever used as a path or URL.
 * - `GET /api/models`: the catalog with each model's state, other model folders found, the running download.
 * - `POST /api/models/:id/download` (JSON body `{}`): starts the download, or joins the running one, and streams
 *   its events as NDJSON (`start`, `progress`…, then `done` or `error`). Closing the connection does NOT cancel:
 *   a download of gigabytes should survive a pane reload; the pane reconnects by POSTing again (the `start` and
 *   latest `progress` are replayed), and `GET /api/models` / `/api/health` show it meanwhile.
 * - `DELETE /api/models/:id/download`: cancels it (the bytes so far are kept; the next download resumes).
 */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import {
  CancelDownloadResponse,
  ModelIdParams,
  ModelsResponse,
  type ModelDownloadEvent,
} from '../api/schemas';
import { StoreError, type ModelStore } from '../model-store/model-store';
import { httpError, requireJson, startNdjson } from './ndjson-response';

export interface ModelsRouteOptions {
  store: ModelStore;
}

export default async function modelsRoute(app: FastifyInstance, opts: ModelsRouteOptions): Promise<void> {
  const { store } = opts;
  const asHttp = (err: unknown): unknown =>
    err instanceof StoreError ? httpError(err.statusCode, err.code, err.message) : err;

  app.get('/api/models', { schema: { response: { 200: ModelsResponse } } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return store.list();
  });

  app.post<{ Params: ModelIdParams }>(
    '/api/models/:id/download',
    {
      schema: { params: ModelIdParams, body: Type.Object({}, { additionalProperties: false }) },
      preValidation: requireJson,
    },
    async (request, reply) => {
      let download;
      try {
        download = await store.startDownload(request.params.id);
      } catch (err) {
        throw asHttp(err);
      }
      const out = startNdjson<ModelDownloadEvent>(reply);
      const res = reply.raw;
      // Events are written in order through one queue, so a slow client never reorders or drops them.
      let chain = Promise.resolve();
      await new Promise<void>((resolve) => {
        let ended = false;
        const unsubscribe = download.subscribe((event) => {
          chain = chain.then(() => out.write(event));
          if (event.type === 'done' || event.type === 'error') {
            ended = true;
            chain.then(resolve, resolve);
          }
        });
        if (ended) unsubscribe();
        res.on('close', () => {
          unsubscribe();
          resolve();
        });
      });
      await chain;
      out.end();
    },
  );

  app.delete<{ Params: ModelIdParams }>(
    '/api/models/:id/download',
    { schema: { params: ModelIdParams, response: { 200: CancelDownloadResponse } } },
    async (request) => {
      const { id } = request.params;
      if (!store.cancel(id)) throw httpError(404, 'not_downloading', `${id} is not being downloaded.`);
      return { model: id, cancelled: true as const };
    },
  );
}
