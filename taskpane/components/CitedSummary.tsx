/**
 * A finished summary with its citations: after each point, a chip per paragraph it rests on (a click selects that
 * paragraph in Word and scrolls to it) and, where the engine's check found no paragraph supporting it, a warning.
 */
import { Fragment, useMemo } from 'react';
import { Button, Text, Tooltip, makeStyles, tokens } from '@fluentui/react-components';
import { Warning16Regular } from '@fluentui/react-icons';
import type { Paragraph, SummaryPoint } from '../../localhost-engine/api/schemas';
import { segmentByPoints } from '../../localhost-engine/summarize/citations';
import { chipDescription, chipLabel, sectionHeadings } from '../citation-labels';

const useStyles = makeStyles({
  marks: {
    display: 'inline-flex',
    flexWrap: 'wrap',
    alignItems: 'center',
    columnGap: tokens.spacingHorizontalXXS,
    marginLeft: tokens.spacingHorizontalXS,
    verticalAlign: 'middle',
  },
  chip: {
    minWidth: 'auto',
    height: '20px',
    paddingLeft: tokens.spacingHorizontalS,
    paddingRight: tokens.spacingHorizontalS,
    fontSize: tokens.fontSizeBase100,
    fontWeight: tokens.fontWeightRegular,
  },
  warning: {
    display: 'inline-flex',
    color: tokens.colorStatusWarningForeground1,
    borderRadius: tokens.borderRadiusCircular,
    ':focus-visible': { outline: `${tokens.strokeWidthThick} solid ${tokens.colorStrokeFocus2}` },
  },
});

/** Props of {@link CitedSummary}. */
export interface CitedSummaryProps {
  summary: string;
  points: SummaryPoint[];
  /** The paragraphs the run sent, which `points[].sources` index. */
  paragraphs: Paragraph[];
  /** The ¶ number each sent paragraph is shown with (its place in the document, not among those sent). */
  numbers: readonly number[];
  onSelect: (paragraph: number) => void;
}

const UNSUPPORTED =
  'No paragraph of the document supports this point well: check it against the document before relying on it.';

/** The summary's text, unchanged, with each point's sources after it. */
export function CitedSummary({ summary, points, paragraphs, numbers, onSelect }: CitedSummaryProps) {
  const styles = useStyles();
  const headings = useMemo(() => sectionHeadings(paragraphs), [paragraphs]);
  return (
    <Text data-testid="cited-summary">
      {segmentByPoints(summary, points).map(({ text, point }, k) => (
        <Fragment key={k}>
          {text}
          {point && (point.sources.length > 0 || !point.supported) && (
            <span className={styles.marks} role="group" aria-label="Sources of this point">
              {!point.supported && (
                <Tooltip content={UNSUPPORTED} relationship="label">
                  <span className={styles.warning} role="img" tabIndex={0} data-testid="unsupported">
                    <Warning16Regular />
                  </span>
                </Tooltip>
              )}
              {point.sources.map((source) => (
                <Tooltip
                  key={source}
                  content={chipDescription(
                    numbers[source] ?? source + 1,
                    paragraphs[source],
                    headings[source] ?? null,
                  )}
                  relationship="description"
                >
                  <Button
                    className={styles.chip}
                    size="small"
                    shape="circular"
                    appearance="outline"
                    onClick={() => onSelect(source)}
                    data-testid="source-chip"
                  >
                    {chipLabel(numbers[source] ?? source + 1, headings[source] ?? null)}
                  </Button>
                </Tooltip>
              ))}
            </span>
          )}
        </Fragment>
      ))}
    </Text>
  );
}
