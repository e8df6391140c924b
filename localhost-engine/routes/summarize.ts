import type { FastifyInstance } from 'fastify';
import { SummarizeBody, type SummaryEvent } from '../api/schemas';
import { LOCAL_BACKEND, unknownBackend } from '../summarize/backend-summarizer';
import type { GenerationQueue } from '../summarize/generation-queue';
import { hasText, requestParagraphs, type Summarizer } from '../summarize/summarizer';
import { admit } from './admission';
import { httpError, requireJson, startNdjson } from './ndjson-response';

export interface SummarizeRouteOptions {
  summarizer: Summarizer;
  queue: GenerationQueue;
  /** The longest a request may run, waiting included, before it is stopped with a `timeout` error event. */
  maxRequestMs: number;
}

/** What to tell a user with no model; the model issue adds a download button, the CLI can already point at one. */
export const MODEL_MISSING_MESSAGE =
  'No model is installed. Click Download in the LocalScribe pane or run `localscribe models download`; or start the engine with --model DIR (or LOCALSCRIBE_MODEL) pointing at a Phi-3-mini ONNX folder you already have.';

/** `POST /api/summarize`: admission checks answer with a status code; after that everything is NDJSON. */
export default async function summarizeRoute(
  app: FastifyInstance,
  opts: SummarizeRouteOptions,
): Promise<void> {
  app.post<{ Body: SummarizeBody }>(
    '/api/summarize',
    {
      schema: { body: SummarizeBody },
      preValidation: requireJson,
    },
    async (request, reply) => {
      const backend = request.body.options?.backend;
      const known = opts.summarizer.backends?.().map((b) => b.id) ?? [LOCAL_BACKEND];
      const unknown = backend === undefined ? null : unknownBackend(backend, known);
      if (unknown) throw httpError(400, unknown.code, unknown.message);
      const health = opts.summarizer.health(backend);
      if (health.state === 'missing') throw httpError(503, 'model_missing', MODEL_MISSING_MESSAGE);
      if (health.state === 'error') {
        throw httpError(
          503,
          'model_error',
          `The model could not be loaded: ${health.error ?? 'unknown error'}`,
        );
      }
      if (!hasText(requestParagraphs(request.body))) {
        throw httpError(
          400,
          'empty_document',
          'There is no text to summarize: the document or selection is empty.',
        );
      }
      const admission = admit(opts.queue, reply, opts.maxRequestMs);
      const out = startNdjson<SummaryEvent>(reply);
      const res = reply.raw;
      const { signal } = admission;
      let ended = false;
      try {
        await admission.ticket.ready(signal);
        for await (const event of opts.summarizer.stream(
          { requestId: request.id, body: request.body },
          signal,
        )) {
          await out.write(event);
          if (event.type === 'done' || event.type === 'error') ended = true;
        }
        if (!ended && !res.destroyed) {
          await out.write(
            admission.timedOut()
              ? {
                  type: 'error',
                  code: 'timeout',
                  message: `The summary took longer than ${Math.round(opts.maxRequestMs / 1000)} s and was stopped.`,
                }
              : { type: 'error', code: 'stopped', message: 'The summary was stopped before it finished.' },
          );
        }
      } catch (err) {
        if (!signal.aborted) {
          request.log.error({ err }, 'summarize stream failed');
          await out.write({
            type: 'error',
            code: 'internal_error',
            message: `Internal error (request ${request.id}); see the engine log.`,
          });
        } else if (admission.timedOut()) {
          await out.write({
            type: 'error',
            code: 'timeout',
            message: 'The summary waited too long in the queue and was stopped.',
          });
        }
      } finally {
        admission.release();
        out.end();
      }
    },
  );
}
