/**
 * What can be done with a summary: Insert, Copy, Regenerate; and Remove, which deletes everything LocalScribe
 * inserted (also from earlier sessions).
 */
import { Button, makeStyles, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  row: {
    display: 'flex',
    flexWrap: 'wrap',
    columnGap: tokens.spacingHorizontalS,
    rowGap: tokens.spacingVerticalS,
  },
});

/** Props of {@link ResultActions}. */
export interface ResultActionsProps {
  /** True when there is a finished summary to insert, copy or regenerate. */
  hasResult: boolean;
  /** Insert needs an output other than "Do not insert" that Word supports. */
  canInsert: boolean;
  busy?: boolean;
  onInsert(): void;
  onCopy(): void;
  onRegenerate(): void;
  onRemove(): void;
}

/** A row of buttons; the result buttons only appear with a result. */
export function ResultActions(props: ResultActionsProps) {
  const styles = useStyles();
  return (
    <div className={styles.row} role="toolbar" aria-label="Summary actions">
      {props.hasResult && (
        <>
          <Button appearance="primary" disabled={!props.canInsert || props.busy} onClick={props.onInsert}>
            Insert
          </Button>
          <Button onClick={props.onCopy}>Copy</Button>
          <Button disabled={props.busy} onClick={props.onRegenerate}>
            Regenerate
          </Button>
        </>
      )}
      <Button appearance="subtle" disabled={props.busy} onClick={props.onRemove}>
        Remove summary
      </Button>
    </div>
  );
}
