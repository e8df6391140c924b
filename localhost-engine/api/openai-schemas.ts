/**
 * The engine's OpenAI-compatible surface (`/v1/chat/completions`, `/v1/models`), as TypeBox schemas: the part of
 * the OpenAI chat API that local tools (and another LocalScribe) send, bounded like every other route. Decoding is
 * greedy, so sampling settings are accepted and have no effect.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { LIMITS } from './schemas';

/** The most tokens one completion may ask for. */
export const MAX_COMPLETION_TOKENS = 2048;

const Nullable = <T extends TSchema>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));

export const ChatCompletionMessage = Type.Object(
  {
    role: Type.Union([Type.Literal('system'), Type.Literal('user'), Type.Literal('assistant')]),
    content: Type.String({ maxLength: LIMITS.textChars }),
    name: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

export const ChatCompletionBody = Type.Object(
  {
    /** An id from `GET /v1/models`. */
    model: Type.String({ minLength: 1, maxLength: 256 }),
    messages: Type.Array(ChatCompletionMessage, { minItems: 1, maxItems: 256 }),
    stream: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    stream_options: Type.Optional(
      Type.Union([
        Type.Object({ include_usage: Type.Optional(Type.Boolean()) }, { additionalProperties: false }),
        Type.Null(),
      ]),
    ),
    max_tokens: Nullable(Type.Integer({ minimum: 1, maximum: MAX_COMPLETION_TOKENS })),
    max_completion_tokens: Nullable(Type.Integer({ minimum: 1, maximum: MAX_COMPLETION_TOKENS })),
    n: Type.Optional(Type.Literal(1)),
    temperature: Nullable(Type.Number({ minimum: 0, maximum: 2 })),
    top_p: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
    seed: Nullable(Type.Integer()),
    frequency_penalty: Nullable(Type.Number({ minimum: -2, maximum: 2 })),
    presence_penalty: Nullable(Type.Number({ minimum: -2, maximum: 2 })),
    user: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type ChatCompletionBody = Static<typeof ChatCompletionBody>;

export const ModelList = Type.Object({
  object: Type.Literal('list'),
  data: Type.Array(
    Type.Object({
      id: Type.String(),
      object: Type.Literal('model'),
      created: Type.Integer(),
      owned_by: Type.String(),
      /** Prompt and answer tokens together, as vLLM reports it; another LocalScribe plans its parts with it. */
      max_model_len: Type.Integer(),
    }),
  ),
});
export type ModelList = Static<typeof ModelList>;
