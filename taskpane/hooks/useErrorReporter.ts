import { useContext } from 'react';
import { ErrorReporterContext, type ErrorReporter } from '../error-reporter';

/** The nearest error boundary's reporter: `report(error)` shows it in the pane's MessageBar. */
export function useErrorReporter(): ErrorReporter {
  return useContext(ErrorReporterContext);
}
