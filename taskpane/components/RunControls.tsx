/**
 * Summarize, or Stop while a run is going.
 */
import { Button, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { RunStatus } from '../hooks/useSummaryRun';

const useStyles = makeStyles({
  row: { display: 'flex', alignItems: 'center', columnGap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  hint: { color: tokens.colorNeutralForeground3 },
});

/** Props of {@link RunControls}. */
export interface RunControlsProps {
  status: RunStatus;
  onSummarize(): void;
  onStop(): void;
  /** Why Summarize cannot run now (engine down, no model); undefined when it can. */
  blockedReason?: string;
}

/** The primary action. Stop replaces Summarize while a run is loading or streaming (Esc does the same). */
export function RunControls({ status, onSummarize, onStop, blockedReason }: RunControlsProps) {
  const styles = useStyles();
  const running = status === 'loading' || status === 'streaming';
  return (
    <div className={styles.row}>
      {running ? (
        <Button appearance="secondary" onClick={onStop} aria-keyshortcuts="Escape">
          Stop
        </Button>
      ) : (
        <Button
          appearance="primary"
          onClick={onSummarize}
          disabledFocusable={blockedReason !== undefined}
          aria-describedby={blockedReason ? 'summarize-blocked' : undefined}
        >
          Summarize
        </Button>
      )}
      {running && (
        <Text size={200} className={styles.hint}>
          Esc stops
        </Text>
      )}
      {!running && blockedReason && (
        <Text id="summarize-blocked" size={200} className={styles.hint}>
          {blockedReason}
        </Text>
      )}
    </div>
  );
}
