/**
 * The summary as it is written. Announced politely to screen readers; the text itself arrives in per-frame
 * batches from the run hook, so this renders at most once per frame however fast the engine writes. Once done,
 * the points show the paragraphs they cite.
 */
import { Text, makeStyles, tokens } from '@fluentui/react-components';
import type { SummaryRunState } from '../hooks/useSummaryRun';
import { CitedSummary } from './CitedSummary';

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
export type SummaryViewProps = Pick<
  SummaryRunState,
  'status' | 'text' | 'partText' | 'partTextPart' | 'result'
> & {
  /** Selects a cited paragraph in Word; without it, citations are not shown. */
  onSelectSource?: (paragraph: number) => void;
};

/**
 * The streaming text, or the part being summarized while the final summary has not started, labelled with the part
 * it belongs to (not the part the engine has moved on to).
 */
export function SummaryView({
  status,
  text,
  partText,
  partTextPart,
  result,
  onSelectSource,
}: SummaryViewProps) {
  const styles = useStyles();
  const showPart = text === '' && partText !== '';
  const cited = status === 'done' && result?.points && result.points.length > 0 && onSelectSource;
  return (
    <section aria-label="Summary">
      <div
        className={styles.view}
        aria-live="polite"
        aria-busy={status === 'loading' || status === 'streaming'}
        data-testid="summary-text"
      >
        {cited ? (
          <CitedSummary
            summary={result.summary}
            points={result.points ?? []}
            paragraphs={result.paragraphs}
            numbers={result.numbers}
            onSelect={onSelectSource}
          />
        ) : (
          text !== '' && <Text>{text}</Text>
        )}
        {showPart && (
          <Text className={styles.part}>
            {partTextPart !== undefined ? `Part ${partTextPart}: ` : ''}
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
