import type { FastifyInstance } from 'fastify';
import { API_VERSION } from '../api/api-version';
import { HealthResponse } from '../api/schemas';
import type { GenerationQueue } from '../summarize/generation-queue';
import type { Summarizer } from '../summarize/summarizer';

export interface HealthRouteOptions {
  /** Its `backends()`, where it has them, are the backends a summary may choose from. */
  summarizer: Summarizer;
  queue: GenerationQueue;
  version: string;
}

/** `GET /api/health`: answered from memory, never waits on the model (it stays fast while a generation runs). */
export default async function healthRoute(app: FastifyInstance, opts: HealthRouteOptions): Promise<void> {
  const { summarizer } = opts;
  app.get('/api/health', { schema: { response: { 200: HealthResponse } } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    const backends = summarizer.backends?.();
    return {
      status: 'ok' as const,
      version: opts.version,
      apiVersion: API_VERSION,
      model: summarizer.health(),
      queue: opts.queue.stats,
      ...(backends ? { backends } : {}),
    };
  });
}
