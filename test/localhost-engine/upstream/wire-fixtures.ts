/**
 * What OpenAI-compatible servers send, byte for byte in shape, each from the server's own code or documented
 * reports (cited per fixture), for the fake upstream to play. Texts and numbers are made up; the shapes are not.
 */

const line = (value: unknown): string => `data: ${JSON.stringify(value)}\n\n`;
export const DONE = 'data: [DONE]\n\n';

/**
 * vLLM (vllm/entrypoints/openai/serving_chat.py, `chat_completion_stream_generator`): a first chunk per choice with
 * the role and empty content, then content deltas, a last choice chunk with `finish_reason` (and `stop_reason`),
 * with `stream_options.include_usage` a chunk with `"choices": []` and `usage` (plus
 * `prompt_tokens_details.cached_tokens` when prefix caching served part of the prompt), then `data: [DONE]`.
 */
export function vllmStream(
  pieces: string[],
  options: { finish?: string; usage?: { prompt: number; completion: number; cached?: number } } = {},
): string[] {
  const head = {
    id: 'chatcmpl-b2f5',
    object: 'chat.completion.chunk',
    created: 1767225600,
    model: 'phi-3-mini',
  };
  const usage = options.usage;
  return [
    line({
      ...head,
      choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }],
    }),
    ...pieces.map((content) =>
      line({ ...head, choices: [{ index: 0, delta: { content }, logprobs: null, finish_reason: null }] }),
    ),
    line({
      ...head,
      choices: [
        {
          index: 0,
          delta: { content: '' },
          logprobs: null,
          finish_reason: options.finish ?? 'stop',
          stop_reason: null,
        },
      ],
    }),
    ...(usage
      ? [
          line({
            ...head,
            choices: [],
            usage: {
              prompt_tokens: usage.prompt,
              total_tokens: usage.prompt + usage.completion,
              completion_tokens: usage.completion,
              ...(usage.cached !== undefined
                ? { prompt_tokens_details: { cached_tokens: usage.cached } }
                : {}),
            },
          }),
        ]
      : []),
    DONE,
  ];
}

/** vLLM's `/v1/models` (serving_engine.py `show_available_models`, protocol.py `ModelCard` with `max_model_len`). */
export const vllmModels = (id: string, maxModelLen: number) => ({
  object: 'list',
  data: [
    {
      id,
      object: 'model',
      created: 1767225600,
      owned_by: 'vllm',
      root: id,
      parent: null,
      max_model_len: maxModelLen,
      permission: [{ id: 'modelperm-1', object: 'model_permission', allow_sampling: true }],
    },
  ],
});

/**
 * vLLM's 400 for a prompt past `max_model_len` (serving_engine.py `_validate_prompt_and_tokenize`, as the older
 * top-level `ErrorResponse` with `object: "error"`).
 */
export const vllmContextError = {
  object: 'error',
  message:
    "This model's maximum context length is 4096 tokens. However, you requested 5210 tokens (5030 in the messages, 180 in the completion). Please reduce the length of the messages or completion.",
  type: 'BadRequestError',
  param: null,
  code: 400,
};

/** vLLM's error in a stream (`create_streaming_error_response` in serving_engine.py): `data: {"error": …}`, `[DONE]`. */
export const vllmStreamError = (message: string): string[] => [
  line({ error: { object: 'error', message, type: 'BadRequestError', param: null, code: 400 } }),
  DONE,
];

/**
 * Ollama's OpenAI layer (openai/openai.go `ToChunk`, middleware/openai.go `ChatWriter`): the role in every delta,
 * `system_fingerprint: "fp_ollama"`, the finish reason on the last content chunk, with `include_usage` a copy of it
 * with `"choices": []` and `usage`, then `data: [DONE]`.
 */
export function ollamaStream(pieces: string[], usage: { prompt: number; completion: number }): string[] {
  const head = {
    id: 'chatcmpl-417',
    object: 'chat.completion.chunk',
    created: 1767225600,
    model: 'phi3:mini',
    system_fingerprint: 'fp_ollama',
  };
  const chunk = (content: string, finish: string | null) => ({
    ...head,
    choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: finish }],
  });
  return [
    ...pieces.map((p) => line(chunk(p, null))),
    line(chunk('', 'stop')),
    line({
      ...head,
      choices: [],
      usage: {
        prompt_tokens: usage.prompt,
        completion_tokens: usage.completion,
        total_tokens: usage.prompt + usage.completion,
      },
    }),
    DONE,
  ];
}

/** Ollama's `/v1/models` (openai.go `ToListCompletion`): no context size, so the engine keeps its default. */
export const ollamaModels = {
  object: 'list',
  data: [{ id: 'phi3:mini', object: 'model', created: 1767225600, owned_by: 'library' }],
};

/**
 * Ollama's error body (openai.go `NewError`): type `invalid_request_error` for 400, `not_found_error` for 404,
 * `api_error` for the rest.
 */
export const ollamaError = (message: string, type = 'api_error') => ({
  error: { message, type, param: null, code: null },
});

/**
 * llama.cpp's server (tools/server): a role-only first chunk with `content: null`, deltas, a last chunk with the
 * finish reason and an empty delta that also carries `usage` and `timings` (ggml-org/llama.cpp#15443 shows one).
 */
export function llamaCppStream(pieces: string[], usage: { prompt: number; completion: number }): string[] {
  const head = {
    created: 1767225600,
    id: 'chatcmpl-Xf3k',
    model: 'phi-3-mini-4k-instruct-q4.gguf',
    system_fingerprint: 'b6210-a094f38',
    object: 'chat.completion.chunk',
  };
  return [
    line({
      choices: [{ finish_reason: null, index: 0, delta: { role: 'assistant', content: null } }],
      ...head,
    }),
    ...pieces.map((content) =>
      line({ choices: [{ finish_reason: null, index: 0, delta: { content } }], ...head }),
    ),
    line({
      choices: [{ finish_reason: 'stop', index: 0, delta: {} }],
      ...head,
      usage: {
        completion_tokens: usage.completion,
        prompt_tokens: usage.prompt,
        total_tokens: usage.prompt + usage.completion,
      },
      timings: {
        prompt_n: usage.prompt,
        prompt_ms: 210.5,
        predicted_n: usage.completion,
        predicted_ms: 880.1,
      },
    }),
    DONE,
  ];
}

/**
 * llama.cpp's 400 for a prompt past its context (tools/server/server-context.cpp, `ERROR_TYPE_EXCEED_CONTEXT_SIZE`,
 * with `n_prompt_tokens` and `n_ctx` from server-task.cpp).
 */
export const llamaCppContextError = {
  error: {
    code: 400,
    message: 'request (5120 tokens) exceeds the available context size (4096 tokens), try increasing it',
    type: 'exceed_context_size_error',
    n_prompt_tokens: 5120,
    n_ctx: 4096,
  },
};

/** llama.cpp's error in a stream: an `error:` line (`server_sent_event(sink, "error", …)`), then `data: [DONE]`. */
export const llamaCppStreamError = (message: string): string[] => [
  `error: ${JSON.stringify({ code: 500, message, type: 'server_error' })}\n\n`,
  DONE,
];

/**
 * LM Studio's answer to a prompt past the loaded context: a plain-string `error`, as 400 (reported in
 * Gitlawb/openclaude#353) or with status 200 (lmstudio-ai/lmstudio-bug-tracker#2322; wording from dyad-sh/dyad#925).
 */
export const lmStudioContextError = {
  error:
    'The number of tokens to keep from the initial prompt is greater than the context length (n_keep: 5210>= n_ctx: 4096). Try to load the model with a larger context length, or provide a shorter input.',
};
export const lmStudioOverflowWith200 = {
  error:
    'Trying to keep the first 5210 tokens when context the overflows. However, the model is loaded with context length of only 4096 tokens, which is not enough. Try to load the model with a larger context length, or provide a shorter input',
};

/** A 429 as OpenAI-compatible servers send it, with `Retry-After` in seconds (RFC 9110 §10.2.3). */
export const busy = {
  error: { message: 'Too many requests, please retry later.', type: 'rate_limit_error' },
};
