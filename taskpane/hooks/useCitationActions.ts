/**
 * What the pane does with a finished summary's citations: select a cited paragraph in Word, and summarize just the
 * sections the summary never cites.
 */
import { useCallback, type MutableRefObject } from 'react';
import type { Backend } from '../../localhost-engine/api/schemas';
import type { ErrorReporter } from '../error-reporter';
import { requestOptions, type Settings } from '../settings';
import { uncoveredRun } from '../uncovered-run';
import type { WordPort } from '../word-port';
import type { SummaryRunControls } from './useSummaryRun';

/** Inputs of {@link useCitationActions}. */
export interface CitationActionsOptions {
  port: WordPort;
  run: Pick<SummaryRunControls, 'result' | 'start'>;
  reporter: ErrorReporter;
  /** The settings on screen when an action starts. */
  settings: MutableRefObject<Settings>;
  /** The backend they resolve to when an action starts: a run over what was not cited goes to the same one. */
  backend: MutableRefObject<Backend | undefined>;
  setNotice: (notice: string | undefined) => void;
}

/** `selectSource(i)`: selects sent paragraph `i` in Word; `summarizeUncovered()`: a run over what was not cited. */
export function useCitationActions({
  port,
  run,
  reporter,
  settings,
  backend,
  setNotice,
}: CitationActionsOptions) {
  const { result, start } = run;

  const selectSource = useCallback(
    async (paragraph: number) => {
      if (!result) return;
      reporter.clear();
      try {
        await port.selectParagraph({
          index: result.locations[paragraph] ?? null,
          text: result.paragraphs[paragraph]?.text ?? '',
        });
      } catch (error) {
        reporter.report(error);
      }
    },
    [port, result, reporter],
  );

  const summarizeUncovered = useCallback(async () => {
    const subset = result ? uncoveredRun(result) : null;
    if (!subset) return;
    const chosen = settings.current;
    reporter.clear();
    setNotice(undefined);
    const done = await start({
      length: chosen.length,
      locations: subset.locations,
      numbers: subset.numbers,
      prepare: async () => ({
        document: { paragraphs: subset.paragraphs },
        options: requestOptions(chosen, backend.current),
      }),
    });
    // Not inserted on its own: it would replace the summary of the whole document.
    if (done)
      setNotice(`Summarized only ${subset.titles.join(', ')}. Select Insert to put it in the document.`);
  }, [result, start, reporter, settings, backend, setNotice]);

  return { selectSource, summarizeUncovered };
}
