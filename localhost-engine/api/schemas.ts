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

/** The shape of a backend id (`local`, or an upstream's id as its config names it); never a URL. */
export const BACKEND_ID_PATTERN = '^[a-z0-9][a-z0-9-]{0,31}$';
/** The id of a backend the engine was configured with. */
export const BackendId = Type.String({ pattern: BACKEND_ID_PATTERN, maxLength: 32 });

export const SummarizeOptions = Type.Object(
  {
    style: Type.Optional(SummaryStyle),
    length: Type.Optional(SummaryLength),
    /** Which configured backend writes the summary; default `local`. */
    backend: Type.Optional(BackendId),
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

/** A backend the engine can summarize with: the model on this machine, or an upstream server the user configured. */
export const Backend = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('local'), Type.Literal('upstream')]),
  model: Type.String(),
  /** The upstream's `host:port`; null for the local model. */
  host: Type.Union([Type.String(), Type.Null()]),
  /** True when text leaves this computer to reach it (a host that is not loopback). */
  remote: Type.Boolean(),
});
export type Backend = Static<typeof Backend>;

export const HealthResponse = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  /** api-version.ts: the pane checks it before reading anything else. */
  apiVersion: Type.Integer({ minimum: 1 }),
  model: Type.Object({
    id: Type.String(),
    state: ModelState,
    device: Type.Union([Device, Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
  }),
  queue: Type.Object({ running: Type.Integer(), waiting: Type.Integer() }),
  /** The backends a summary may name in `options.backend`, the default first. */
  backends: Type.Optional(Type.Array(Backend)),
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
  /** Of `inputTokens`, those read from the last generation's KV cache instead of run through the model. */
  cachedInputTokens: Type.Optional(Type.Integer()),
  outputTokens: Type.Integer(),
  loadMs: Type.Number(),
  ttftMs: Type.Number(),
  prefillTokensPerSecond: Type.Number(),
  decodeTokensPerSecond: Type.Number(),
  totalMs: Type.Number(),
  parts: Type.Optional(Type.Integer()),
  cachedParts: Type.Optional(Type.Integer()),
  /** On an upstream server: what it reported next to what was measured here (the fields above prefer its counts). */
  upstream: Type.Optional(
    Type.Object({
      requests: Type.Integer(),
      /** Of `requests`, those whose answer carried the server's `usage`. */
      reportedRequests: Type.Integer(),
      /** The server's counts, summed over the requests that reported them. */
      promptTokens: Type.Integer(),
      completionTokens: Type.Integer(),
      cachedPromptTokens: Type.Integer(),
      /** This engine's estimate of all prompts, and the text deltas it received. */
      estimatedPromptTokens: Type.Integer(),
      deltas: Type.Integer(),
    }),
  ),
});
export type Usage = Static<typeof Usage>;

export const StartEvent = Type.Object({
  type: Type.Literal('start'),
  requestId: Type.String(),
  model: Type.String(),
  /** Null when the model runs on an upstream server (its device is not known here). */
  device: Type.Union([Device, Type.Null()]),
  /** The backend that runs (absent from engines before upstreams). */
  backend: Type.Optional(Backend),
  plan: Type.Object({
    parts: Type.Integer(),
    paragraphs: Type.Integer(),
    inputTokens: Type.Integer(),
    /** Parts whose summary comes from the cache (an earlier run over the same text). */
    cachedParts: Type.Optional(Type.Integer()),
    /** The expected duration on this device, from the rates measured so far (absent before any). */
    estimatedSeconds: Type.Optional(Type.Number()),
  }),
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
/** One point of a summary and the paragraphs it rests on (indices into the request's paragraphs): docs/citations.md. */
export const SummaryPoint = Type.Object({
  text: Type.String(),
  sources: Type.Array(Type.Integer({ minimum: 0 })),
  /** How much of the point its sources contain, 0–1, by the engine's own lexical check (not the model's word). */
  support: Type.Number(),
  /** False when no paragraph of the document supports the point above the check's threshold. */
  supported: Type.Boolean(),
});
export type SummaryPoint = Static<typeof SummaryPoint>;

/** A heading (or, in a document without headings, a tenth of it) and whether any point cites its section. */
export const CoverageHeading = Type.Object({
  paragraph: Type.Integer(),
  /** The last paragraph of its section (up to the next heading of its level or above). */
  last: Type.Integer(),
  title: Type.String(),
  covered: Type.Boolean(),
});
export const Coverage = Type.Object({
  by: Type.Union([Type.Literal('headings'), Type.Literal('tenths')]),
  headings: Type.Array(CoverageHeading),
});
export type CoverageHeading = Static<typeof CoverageHeading>;
export type Coverage = Static<typeof Coverage>;

export const SectionEvent = Type.Object({
  type: Type.Literal('section'),
  part: Type.Integer(),
  title: Type.String(),
  summary: Type.String(),
  paragraphs: Type.Tuple([Type.Integer(), Type.Integer()]),
  points: Type.Optional(Type.Array(SummaryPoint)),
});
export const DoneEvent = Type.Object({
  type: Type.Literal('done'),
  summary: Type.String(),
  usage: Usage,
  points: Type.Optional(Type.Array(SummaryPoint)),
  coverage: Type.Optional(Coverage),
});
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

/*
 * Models (`/api/models`): the catalog with what is installed, and downloads streamed as NDJSON like summaries.
 */

/** The shape of a catalog model id; anything else is refused with 400 before any lookup. */
export const MODEL_ID_PATTERN = '^[a-z0-9]+(?:[.-][a-z0-9]+)*$';
export const ModelId = Type.String({ pattern: MODEL_ID_PATTERN, minLength: 1, maxLength: 64 });
export const ModelIdParams = Type.Object({ id: ModelId }, { additionalProperties: false });
export type ModelIdParams = Static<typeof ModelIdParams>;

export const CatalogDeviceName = Type.Union([
  Type.Literal('cpu'),
  Type.Literal('dml'),
  Type.Literal('webgpu'),
]);
export const ModelLayoutName = Type.Union([Type.Literal('genai'), Type.Literal('transformers')]);

export const DownloadStage = Type.Union([
  Type.Literal('download'),
  Type.Literal('verify'),
  Type.Literal('install'),
]);

export const ModelDownloadStartEvent = Type.Object({
  type: Type.Literal('start'),
  model: Type.String(),
  files: Type.Integer(),
  totalBytes: Type.Integer(),
  /** Bytes already on disk from an earlier, interrupted download (not fetched again). */
  receivedBytes: Type.Integer(),
  dir: Type.String(),
});
export const ModelDownloadProgressEvent = Type.Object({
  type: Type.Literal('progress'),
  stage: DownloadStage,
  file: Type.Union([Type.String(), Type.Null()]),
  receivedBytes: Type.Integer(),
  totalBytes: Type.Integer(),
  bytesPerSecond: Type.Number(),
  etaSeconds: Type.Union([Type.Number(), Type.Null()]),
});
export const ModelDownloadDoneEvent = Type.Object({
  type: Type.Literal('done'),
  model: Type.String(),
  dir: Type.String(),
  totalBytes: Type.Integer(),
  /** Bytes fetched by this download (less than `totalBytes` after a resume). */
  downloadedBytes: Type.Integer(),
});
export const ModelDownloadEvent = Type.Union([
  ModelDownloadStartEvent,
  ModelDownloadProgressEvent,
  ModelDownloadDoneEvent,
  ErrorEvent,
]);
export type ModelDownloadStartEvent = Static<typeof ModelDownloadStartEvent>;
export type ModelDownloadProgressEvent = Static<typeof ModelDownloadProgressEvent>;
export type ModelDownloadDoneEvent = Static<typeof ModelDownloadDoneEvent>;
export type ModelDownloadEvent = Static<typeof ModelDownloadEvent>;

export const CatalogModelState = Type.Union([
  Type.Literal('installed'),
  Type.Literal('missing'),
  /** Bytes of an interrupted download are on disk; downloading again resumes. */
  Type.Literal('partial'),
  Type.Literal('downloading'),
  /** The folder exists but is not a loadable model (`error` says why). */
  Type.Literal('invalid'),
]);

export const ModelInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  repo: Type.String(),
  revision: Type.String(),
  layout: ModelLayoutName,
  devices: Type.Array(CatalogDeviceName),
  /** The one the engine offers for its device. */
  default: Type.Boolean(),
  approxBytes: Type.Integer(),
  contextLength: Type.Integer(),
  dir: Type.String(),
  state: CatalogModelState,
  error: Type.Union([Type.String(), Type.Null()]),
  /** The engine's model folder is this one. */
  active: Type.Boolean(),
});
export type ModelInfo = Static<typeof ModelInfo>;

export const FoundModel = Type.Object({
  dir: Type.String(),
  /** The predecessor's folder, the folder the engine was configured with, or another folder in the models folder. */
  source: Type.Union([Type.Literal('predecessor'), Type.Literal('configured'), Type.Literal('folder')]),
  valid: Type.Boolean(),
  layout: Type.Union([ModelLayoutName, Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
});
export type FoundModel = Static<typeof FoundModel>;

export const DownloadStatus = Type.Object({
  model: Type.String(),
  receivedBytes: Type.Integer(),
  totalBytes: Type.Integer(),
  bytesPerSecond: Type.Number(),
  etaSeconds: Type.Union([Type.Number(), Type.Null()]),
});
export type DownloadStatus = Static<typeof DownloadStatus>;

export const ModelsResponse = Type.Object({
  modelsDir: Type.String(),
  hubUrl: Type.String(),
  device: CatalogDeviceName,
  defaultId: Type.String(),
  activeDir: Type.Union([Type.String(), Type.Null()]),
  models: Type.Array(ModelInfo),
  found: Type.Array(FoundModel),
  download: Type.Union([DownloadStatus, Type.Null()]),
});
export type ModelsResponse = Static<typeof ModelsResponse>;

export const CancelDownloadResponse = Type.Object({ model: Type.String(), cancelled: Type.Literal(true) });
