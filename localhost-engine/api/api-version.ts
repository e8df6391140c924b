/**
 * The engine API's version, in `/api/health`. Raised when a change could break a pane built for the previous one
 * (a field removed, renamed or given another meaning); added fields and routes leave it as it is. The pane compares
 * it with its own build's: Word caches the pane, so the pane can be older, or newer, than the engine that answers.
 */
export const API_VERSION = 1;
