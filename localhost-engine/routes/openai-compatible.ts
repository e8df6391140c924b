/**
 * LocalScribe as a model server for other local tools (and another LocalScribe): `GET /v1/models` and
 * `POST /v1/chat/completions`, streamed as server-sent events ending in `data: [DONE]` or answered whole, on the
 * local model. The same origin, Host/Origin guard, body bounds and generation queue as `/api/summarize`; errors
 * come in OpenAI's shape (`{ "error": { "message", "type", "param", "code" } }`) so OpenAI clients read them.
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ChatCompletionBody, ModelList, MAX_COMPLETION_TOKENS } from '../api/openai-schemas';
import { InferenceError } from '../inference/inference-worker-client';
import type { GenerationQueue } from '../summarize/generation-queue';
import type { Generation, TextGenerator } from '../summarize/text-generator';
import { admit } from './admission';
import { errorReply } from './error-reply';
import { httpError, requireJson, startEventStream, type NdjsonWriter } from './ndjson-response';
import { MODEL_MISSING_MESSAGE } from './summarize';

export interface OpenAiRoutesOptions {
  /** The model on this machine. */
  generator: TextGenerator;
  queue: GenerationQueue;
  /** The longest a request may run, queue wait included. */
  maxRequestMs: number;
}

/** What a completion writes when the request does not say (bounded by the room the prompt leaves). */
const DEFAULT_COMPLETION_TOKENS = 1024;

/** OpenAI's error types by status. */
function errorType(statusCode: number): string {
  if (statusCode === 429) return 'rate_limit_error';
  if (statusCode === 404) return 'not_found_error';
  return statusCode >= 500 ? 'server_error' : 'invalid_request_error';
}

const FINISH: Record<Generation['stopReason'], string> = { eos: 'stop', length: 'length', cancelled: 'stop' };

function usageOf(generation: Generation) {
  const u = generation.usage;
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cachedInputTokens },
  };
}

/** Loads the model if it is not yet, and names it. @throws a 503 when it is missing or broken. */
async function readyModel(generator: TextGenerator): Promise<string> {
  const health = generator.health();
  if (health.state === 'missing') throw httpError(503, 'model_missing', MODEL_MISSING_MESSAGE);
  try {
    await generator.ensureReady();
  } catch (err) {
    if (err instanceof InferenceError) throw httpError(503, err.code, err.message);
    throw err;
  }
  return generator.info().model;
}

export default async function openAiRoutes(app: FastifyInstance, opts: OpenAiRoutesOptions): Promise<void> {
  const { generator } = opts;
  const created = Math.floor(Date.now() / 1000);

  app.setErrorHandler((err: FastifyError & { code?: string }, request, reply) => {
    const { statusCode, code, message } = errorReply(err, request);
    reply.status(statusCode).send({ error: { message, type: errorType(statusCode), param: null, code } });
  });

  app.get('/v1/models', { schema: { response: { 200: ModelList } } }, async (_request, reply) => {
    const model = await readyModel(generator);
    reply.header('cache-control', 'no-store');
    return {
      object: 'list' as const,
      data: [
        {
          id: model,
          object: 'model' as const,
          created,
          owned_by: 'localscribe',
          max_model_len: generator.info().contextLength,
        },
      ],
    };
  });

  app.post<{ Body: ChatCompletionBody }>(
    '/v1/chat/completions',
    { schema: { body: ChatCompletionBody }, preValidation: requireJson },
    async (request, reply) => {
      const body = request.body;
      const model = await readyModel(generator);
      if (body.model !== model) {
        throw httpError(
          404,
          'model_not_found',
          `The model "${body.model}" is not served here; GET /v1/models lists "${model}".`,
        );
      }
      const admission = admit(opts.queue, reply, opts.maxRequestMs);
      try {
        await admission.ticket.ready(admission.signal);
      } catch {
        admission.release();
        if (!admission.timedOut()) return reply;
        throw httpError(503, 'timeout', 'The completion waited too long in the queue and was stopped.');
      }
      try {
        return await complete(body, model, reply, admission.signal, admission.timedOut);
      } finally {
        admission.release();
      }
    },
  );

  /** Runs one completion, streamed or whole; a stream's later failures end it with an error event. */
  async function complete(
    body: ChatCompletionBody,
    model: string,
    reply: FastifyReply,
    signal: AbortSignal,
    timedOut: () => boolean,
  ): Promise<unknown> {
    const id = `chatcmpl-${reply.request.id}`;
    const chunk = (delta: object, finish: string | null) => ({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const sink = eventSink();
    const maxNewTokens = body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_COMPLETION_TOKENS;
    let result;
    try {
      result = await generator.generate(
        {
          messages: body.messages.map((m) => ({ role: m.role, content: m.content })),
          maxNewTokens: Math.min(maxNewTokens, MAX_COMPLETION_TOKENS),
          minNewTokens: 1,
        },
        {
          onStart: () => {
            if (body.stream !== true) return;
            sink.open(startEventStream(reply));
            sink.send(chunk({ role: 'assistant', content: '' }, null));
          },
          onDelta: (text) => sink.send(chunk({ content: text }, null)),
        },
        signal,
      );
    } catch (err) {
      if (!sink.opened()) throw err instanceof InferenceError ? httpError(503, err.code, err.message) : err;
      const known = err instanceof InferenceError;
      reply.request.log.error({ err }, 'completion failed');
      sink.send({
        error: {
          message: known ? err.message : `Internal error (request ${reply.request.id}); see the engine log.`,
          type: 'server_error',
          param: null,
          code: known ? err.code : 'internal_error',
        },
      });
      return sink.end();
    }
    if (result.stopReason === 'too_long') {
      throw httpError(
        400,
        'context_length_exceeded',
        `This model's maximum context length is ${generator.info().contextLength} tokens. However, your messages resulted in ${result.inputTokens} tokens, which leave no room for an answer. Please reduce the length of the messages.`,
      );
    }
    if (result.stopReason === 'cancelled') {
      if (!timedOut()) return sink.opened() ? sink.end() : reply;
      const message = 'The completion took too long and was stopped.';
      if (!sink.opened()) throw httpError(503, 'timeout', message);
      sink.send({ error: { message, type: 'server_error', param: null, code: 'timeout' } });
      return sink.end();
    }
    if (sink.opened()) {
      sink.send(chunk({}, FINISH[result.stopReason]));
      if (body.stream_options?.include_usage)
        sink.send({ ...chunk({}, null), choices: [], usage: usageOf(result) });
      return sink.end();
    }
    return {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: result.text },
          finish_reason: FINISH[result.stopReason],
        },
      ],
      usage: usageOf(result),
    };
  }
}

/**
 * Events of one streamed answer, written in order: the generator calls back synchronously, the writer may wait for
 * the client, so each write waits for the one before.
 */
function eventSink() {
  let out: NdjsonWriter<unknown> | null = null;
  let writes = Promise.resolve();
  return {
    open(writer: NdjsonWriter<unknown>): void {
      out = writer;
    },
    opened: (): boolean => out !== null,
    send(event: unknown): void {
      const writer = out;
      if (writer) writes = writes.then(() => writer.write(event));
    },
    /** Sends `[DONE]` after everything before it, then ends the response. */
    async end(): Promise<undefined> {
      this.send('[DONE]');
      await writes;
      out?.end();
      return undefined;
    },
  };
}
