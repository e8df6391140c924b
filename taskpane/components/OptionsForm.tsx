/**
 * Scope, style, length and output: the choices of a run, each a labelled native-keyboard control.
 */
import { Field, Radio, RadioGroup, Select, makeStyles, tokens } from '@fluentui/react-components';
import type { SummaryLength, SummaryStyle } from '../../localhost-engine/api/schemas';
import {
  LENGTHS,
  SCOPES,
  STYLES,
  isCommentOutput,
  outputsFor,
  type OutputChoice,
  type Scope,
  type Settings,
} from '../settings';
import { LENGTH_LABELS, OUTPUT_LABELS, SCOPE_LABELS, STYLE_LABELS } from '../summary-labels';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalM },
});

/** Props of {@link OptionsForm}. */
export interface OptionsFormProps {
  settings: Settings;
  onChange(patch: Partial<Settings>): void;
  /** While a run is going, the choices that shaped it stay put. */
  disabled?: boolean;
  /** Without WordApi 1.4 the comment outputs are marked as unavailable. */
  supportsComments: boolean;
}

/** The options of a summary; every control has a visible label and works from the keyboard. */
export function OptionsForm({ settings, onChange, disabled, supportsComments }: OptionsFormProps) {
  const styles = useStyles();
  return (
    <form className={styles.form} aria-label="Summary options" onSubmit={(e) => e.preventDefault()}>
      <Field label="Scope">
        <RadioGroup
          layout="horizontal"
          value={settings.scope}
          disabled={disabled}
          onChange={(_, data) => onChange({ scope: data.value as Scope })}
        >
          {SCOPES.map((s) => (
            <Radio key={s} value={s} label={SCOPE_LABELS[s]} />
          ))}
        </RadioGroup>
      </Field>
      <Field label="Style">
        <Select
          value={settings.style}
          disabled={disabled}
          onChange={(_, data) => onChange({ style: data.value as SummaryStyle })}
        >
          {STYLES.map((s) => (
            <option key={s} value={s}>
              {STYLE_LABELS[s]}
            </option>
          ))}
        </Select>
      </Field>
      <Field label="Length">
        <RadioGroup
          layout="horizontal"
          value={settings.length}
          disabled={disabled}
          onChange={(_, data) => onChange({ length: data.value as SummaryLength })}
        >
          {LENGTHS.map((l) => (
            <Radio key={l} value={l} label={LENGTH_LABELS[l]} />
          ))}
        </RadioGroup>
      </Field>
      <Field label="Output">
        <Select
          value={settings.output}
          disabled={disabled}
          onChange={(_, data) => onChange({ output: data.value as OutputChoice })}
        >
          {outputsFor(settings.scope).map((o) => (
            <option key={o} value={o}>
              {OUTPUT_LABELS[o]}
              {!supportsComments && isCommentOutput(o) ? ' (needs WordApi 1.4)' : ''}
            </option>
          ))}
        </Select>
      </Field>
    </form>
  );
}
