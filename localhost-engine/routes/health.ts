import type { FastifyInstance } from 'fastify';
import { API_VERSION } from '../api/api-version';
import { HealthResponse, type Backend } from '../api/schemas';
import type { GenerationQueue } from '../summarize/generation-queue';
import type { Summarizer } from '../summarize/summarizer';

export interface HealthRouteOptions {
  summarizer: Summarizer;
  queue: GenerationQueue;
  /** The backends a summary may choose from, when there is a choice. */
  backends?: () => Backend[];
  version: string;
}

/** `GET /api/health`: answered from memory, never waits on the model (it stays fast while a generation runs). */
export default async function healthRoute(app: FastifyInstance, opts: HealthRouteOptions): Promise<void> {
  app.get('/api/health', { schema: { response: { 200: HealthResponse } } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return {
      status: 'ok' as const,
      version: opts.version,
      apiVersion: API_VERSION,
      model: opts.summarizer.health(),
      queue: opts.queue.stats,
      ...(opts.backends ? { backends: opts.backends() } : {}),
    };
  });
}
