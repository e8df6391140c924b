/**
 * The engine's API contract (v1), as TypeBox schemas. Routes validate with them, the pane and the CLI take their
 * types from them, so a change to the contract is a change in one place.
 */
import { Type, type Static } from '@sinclair/typebox';

/** Bounds on what one request may ask for; the security section of the guide asks for every one of them. */
export const LIMITS = {
  bodyBytes: 8 * 1024 * 1024,
  paragraphs: 20_000,
  paragraphChars: 1_000_000,
  textChars: 4_000_000,
} as const;

export const ParagraphStyle = Type.Union(
  [
    Type.Literal('Title'),
    Type.Literal('Heading1'),
    Type.Literal('Heading2'),
    Type.Literal('Heading3'),
    Type.Literal('Heading4'),
    Type.Literal('Heading5'),
    Type.Literal('Heading6'),
    Type.Literal('Heading7'),
    Type.Literal('Heading8'),
    Type.Literal('Heading9'),
    Type.Literal('Normal'),
    Type.Literal('ListParagraph'),
    Type.Literal('Other'),
  ],
  { description: 'built-in style of the paragraph' },
);
export type ParagraphStyle = Static<typeof ParagraphStyle>;

export const Paragraph = Type.Object(
  {
    text: Type.String({ maxLength: LIMITS.paragraphChars }),
    style: Type.Optional(ParagraphStyle),
    outlineLevel: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 9 }), Type.Null()])),
    isListItem: Type.Optional(Type.Boolean()),
    inTable: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type Paragraph = Static<typeof Paragraph>;

export const SummaryStyle = Type.Union([
  Type.Literal('key-points'),
  Type.Literal('paragraph'),
  Type.Literal('sections'),
  Type.Literal('executive'),
]);
export type SummaryStyle = Static<typeof SummaryStyle>;

export const SummaryLength = Type.Union([
  Type.Literal('short'),
  Type.Literal('medium'),
  Type.Literal('long'),
]);
export type SummaryLength = Static<typeof SummaryLength>;

export const SummarizeOptions = Type.Object(
  {
    style: Type.Optional(SummaryStyle),
    length: Type.Optional(SummaryLength),
  },
  { additionalProperties: false },
);
export type SummarizeOptions = Static<typeof SummarizeOptions>;

export const SummarizeDocumentBody = Type.Object(
  {
    document: Type.Object(
      { paragraphs: Type.Array(Paragraph, { maxItems: LIMITS.paragraphs }) },
      { additionalProperties: false },
    ),
    options: Type.Optional(SummarizeOptions),
  },
  { additionalProperties: false },
);

export const SummarizeTextBody = Type.Object(
  {
    text: Type.String({ maxLength: LIMITS.textChars }),
    options: Type.Optional(SummarizeOptions),
  },
  { additionalProperties: false },
);

export const SummarizeBody = Type.Union([SummarizeDocumentBody, SummarizeTextBody]);
export type SummarizeBody = Static<typeof SummarizeBody>;

export const Device = Type.Union([Type.Literal('dml'), Type.Literal('webgpu'), Type.Literal('cpu')]);
export type Device = Static<typeof Device>;

export const ModelState = Type.Union([
  Type.Literal('missing'),
  Type.Literal('downloading'),
  Type.Literal('loading'),
  Type.Literal('ready'),
  Type.Literal('error'),
]);
export type ModelState = Static<typeof ModelState>;

export const HealthResponse = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  model: Type.Object({
    id: Type.String(),
    state: ModelState,
    device: Type.Union([Device, Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
  }),
  queue: Type.Object({ running: Type.Integer(), waiting: Type.Integer() }),
});
export type HealthResponse = Static<typeof HealthResponse>;

export const ErrorResponse = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
});
export type ErrorResponse = Static<typeof ErrorResponse>;

export const Usage = Type.Object({
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  loadMs: Type.Number(),
  ttftMs: Type.Number(),
  prefillTokensPerSecond: Type.Number(),
  decodeTokensPerSecond: Type.Number(),
  totalMs: Type.Number(),
});
export type Usage = Static<typeof Usage>;

export const StartEvent = Type.Object({
  type: Type.Literal('start'),
  requestId: Type.String(),
  model: Type.String(),
  device: Device,
  plan: Type.Object({ parts: Type.Integer(), paragraphs: Type.Integer(), inputTokens: Type.Integer() }),
});
export const ProgressEvent = Type.Object({
  type: Type.Literal('progress'),
  stage: Type.Union([Type.Literal('load'), Type.Literal('map'), Type.Literal('reduce')]),
  part: Type.Integer(),
  of: Type.Integer(),
});
export const DeltaEvent = Type.Object({
  type: Type.Literal('delta'),
  text: Type.String(),
  part: Type.Optional(Type.Integer()),
});
export const SectionEvent = Type.Object({
  type: Type.Literal('section'),
  part: Type.Integer(),
  title: Type.String(),
  summary: Type.String(),
  paragraphs: Type.Tuple([Type.Integer(), Type.Integer()]),
});
export const DoneEvent = Type.Object({ type: Type.Literal('done'), summary: Type.String(), usage: Usage });
export const ErrorEvent = Type.Object({
  type: Type.Literal('error'),
  code: Type.String(),
  message: Type.String(),
});

export const SummaryEvent = Type.Union([
  StartEvent,
  ProgressEvent,
  DeltaEvent,
  SectionEvent,
  DoneEvent,
  ErrorEvent,
]);
export type StartEvent = Static<typeof StartEvent>;
export type ProgressEvent = Static<typeof ProgressEvent>;
export type DeltaEvent = Static<typeof DeltaEvent>;
export type SectionEvent = Static<typeof SectionEvent>;
export type DoneEvent = Static<typeof DoneEvent>;
export type ErrorEvent = Static<typeof ErrorEvent>;
export type SummaryEvent = Static<typeof SummaryEvent>;
