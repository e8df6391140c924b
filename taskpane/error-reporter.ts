/**
 * The channel by which async failures (Word calls, engine calls) reach the one error boundary; React's own
 * boundaries only see errors thrown while rendering.
 */
import { createContext } from 'react';

/** Shows and clears the pane's error message. */
export interface ErrorReporter {
  report(error: unknown): void;
  clear(): void;
}

/** Provided by `ErrorBoundary`; the default logs, so a component rendered alone in a test still fails loudly. */
export const ErrorReporterContext = createContext<ErrorReporter>({
  report: (error) => console.error(error),
  clear: () => undefined,
});
