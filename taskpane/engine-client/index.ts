/** The engine client: the pane's only way to talk to the localhost engine. */
export {
  EngineError,
  isEngineError,
  parseRetryAfter,
  type ClientErrorCode,
  type EngineVersion,
} from './engine-error';
export type { FetchLike, ClientOptions } from './http';
export { parseNdjson } from './parse-ndjson';
export { summarize, type SummarizeOptions, type StreamEvent } from './summarize';
export { getHealth, versionMismatchMessage, type HealthOptions } from './health';
export {
  listModels,
  downloadModel,
  cancelModelDownload,
  type DownloadEvent,
  type ModelsOptions,
} from './models';
