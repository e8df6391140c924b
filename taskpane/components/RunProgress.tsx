/**
 * Where a run stands: what the engine is doing, part i of n, tokens per second and the time left.
 */
import { ProgressBar, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { SummaryRunState } from '../hooks/useSummaryRun';
import { DEVICE_LABELS } from '../summary-labels';

const useStyles = makeStyles({
  box: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalXS },
  line: { color: tokens.colorNeutralForeground2 },
});

/** Props of {@link RunProgress}. */
export type RunProgressProps = Pick<SummaryRunState, 'status' | 'progress' | 'plan' | 'device'>;

/** A progress bar with a one-line description; nothing when no run is going. */
export function RunProgress({ status, progress, plan, device }: RunProgressProps) {
  const styles = useStyles();
  if (status !== 'loading' && status !== 'streaming') return null;
  const { label, value } = stepOf(progress, plan, status);
  return (
    <div className={styles.box} role="group" aria-label="Progress">
      {status === 'loading' && (
        <Spinner size="tiny" label={loadingLabel(progress.stage, plan !== undefined)} />
      )}
      <ProgressBar value={value} thickness="medium" aria-label="Summary progress" />
      {plan && (
        <Text size={200} className={styles.line} data-testid="plan-line">
          {`${plan.paragraphs} ${plan.paragraphs === 1 ? 'paragraph' : 'paragraphs'}, ${plan.inputTokens.toLocaleString('en-US')} tokens`}
        </Text>
      )}
      <Text size={200} className={styles.line} data-testid="progress-line">
        {[
          label,
          plan && plan.parts > 1 && plan.cachedParts ? `${plan.cachedParts} reused` : undefined,
          progress.tokensPerSecond !== undefined
            ? `${progress.tokensPerSecond.toFixed(1)} tokens/s`
            : undefined,
          progress.secondsLeft !== undefined
            ? `about ${formatSeconds(progress.secondsLeft)} left`
            : plan?.estimatedSeconds !== undefined
              ? `about ${formatSeconds(plan.estimatedSeconds)} expected`
              : undefined,
          device ? DEVICE_LABELS[device] : undefined,
        ]
          .filter(Boolean)
          .join(' · ')}
      </Text>
    </div>
  );
}

/**
 * What the engine is doing and how far the run is. Combining steps come after every part and are named as such:
 * their `progress` events count combining steps, not parts, so they are never shown as a part.
 */
function stepOf(
  progress: SummaryRunState['progress'],
  plan: SummaryRunState['plan'],
  status: SummaryRunState['status'],
): { label?: string; value?: number } {
  const parts = plan?.parts ?? (progress.stage === 'map' ? progress.of : undefined);
  const { part, of } = progress;
  if (progress.stage === 'reduce' && part !== undefined && of) {
    const steps = of > 1 ? ` (step ${part} of ${of})` : '';
    const label = `Combining ${parts && parts > 1 ? `the ${parts} parts` : 'the parts'}${steps}`;
    return { label, value: parts ? Math.min(1, (parts + (part - 0.5) / of) / (parts + 1)) : undefined };
  }
  if (part !== undefined && parts && progress.stage === 'map') {
    // The final step after the parts counts as one more.
    const total = parts > 1 ? parts + 1 : 1;
    return {
      label: `Part ${part} of ${parts}`,
      value: Math.min(1, (part - 1 + (status === 'streaming' ? 0.5 : 0)) / total),
    };
  }
  return { label: parts ? `${parts} ${parts === 1 ? 'part' : 'parts'}` : undefined };
}

function loadingLabel(stage: SummaryRunState['progress']['stage'], started: boolean): string {
  if (stage === 'load') return 'Loading the model…';
  if (started) return 'Reading the document…';
  return 'Preparing…';
}

/** "42 s", "3 min 5 s". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}
