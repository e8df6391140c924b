/**
 * Which parts of the document the summary never cites, with a way to summarize just those.
 */
import { Button, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { Coverage } from '../../localhost-engine/api/schemas';
import { coverageTitle } from '../citation-labels';

const useStyles = makeStyles({
  line: {
    display: 'flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    columnGap: tokens.spacingHorizontalS,
    rowGap: tokens.spacingVerticalXS,
    color: tokens.colorNeutralForeground2,
  },
});

/** Props of {@link CoverageLine}. */
export interface CoverageLineProps {
  coverage: Coverage;
  /** The ¶ number each sent paragraph is shown with, for the titles of tenths. */
  numbers: readonly number[];
  onSummarizeUncovered: () => void;
  disabled: boolean;
}

/** "Not covered: Termination, Governing law. [Summarize these]", or that everything is covered. */
export function CoverageLine({ coverage, numbers, onSummarizeUncovered, disabled }: CoverageLineProps) {
  const styles = useStyles();
  if (coverage.headings.length === 0) return null;
  const missing = coverage.headings.filter((h) => !h.covered);
  const what = coverage.by === 'headings' ? 'heading' : 'tenth of the document';
  return (
    <div className={styles.line} role="group" aria-label="Coverage" data-testid="coverage-line">
      {missing.length === 0 ? (
        <Text size={200}>{`The summary cites every ${what}.`}</Text>
      ) : (
        <>
          <Text size={200}>{`Not covered (${missing.length} of ${coverage.headings.length}): ${missing
            .map((h) => coverageTitle(h, coverage.by, numbers))
            .join(', ')}.`}</Text>
          <Button size="small" appearance="secondary" onClick={onSummarizeUncovered} disabled={disabled}>
            Summarize these
          </Button>
        </>
      )}
    </div>
  );
}
