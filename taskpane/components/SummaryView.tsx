/**
 * The summary as it is written. Announced politely to screen readers; the text itself arrives in per-frame
 * batches from the run hook, so this renders at most once per frame however fast the engine writes.
 */
import { Text, makeStyles, tokens } from '@fluentui/react-components';
import type { SummaryRunState } from '../hooks/useSummaryRun';

const useStyles = makeStyles({
  view: {
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
    minHeight: '4em',
    padding: tokens.spacingHorizontalM,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground2,
    color: tokens.colorNeutralForeground1,
  },
  part: { color: tokens.colorNeutralForeground3, fontStyle: 'italic' },
  empty: { color: tokens.colorNeutralForeground3 },
});

/** Props of {@link SummaryView}. */
export type SummaryViewProps = Pick<SummaryRunState, 'status' | 'text' | 'partText' | 'progress'>;

/** The streaming text, or the part being summarized while the final summary has not started. */
export function SummaryView({ status, text, partText, progress }: SummaryViewProps) {
  const styles = useStyles();
  const showPart = text === '' && partText !== '';
  return (
    <section aria-label="Summary">
      <div
        className={styles.view}
        aria-live="polite"
        aria-busy={status === 'loading' || status === 'streaming'}
        data-testid="summary-text"
      >
        {text !== '' && <Text>{text}</Text>}
        {showPart && (
          <Text className={styles.part}>
            {progress.part !== undefined ? `Part ${progress.part}: ` : ''}
            {partText}
          </Text>
        )}
        {text === '' && partText === '' && <Text className={styles.empty}>{emptyText(status)}</Text>}
      </div>
    </section>
  );
}

function emptyText(status: SummaryRunState['status']): string {
  switch (status) {
    case 'idle':
      return 'Choose the options, then select Summarize. The summary appears here as it is written.';
    case 'loading':
    case 'streaming':
      return 'Waiting for the first words…';
    case 'cancelled':
      return 'Stopped before any text was written.';
    default:
      return '';
  }
}
