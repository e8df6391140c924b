/**
 * Which of the engine's backends writes the summary: the model on this computer (the default) or a model server the
 * user configured in the engine. Choosing a server on another computer says, before anything is sent, that the
 * text goes there.
 */
import { Field, MessageBar, MessageBarBody, Select } from '@fluentui/react-components';
import type { Backend } from '../../localhost-engine/api/schemas';

/** Props of {@link BackendChoice}. */
export interface BackendChoiceProps {
  /** The engine's backends (`/api/health`), the default first. */
  backends: Backend[];
  /** The chosen one's id; one the engine no longer has counts as the default. */
  value: string;
  onChange(id: string): void;
  disabled?: boolean;
}

/** The backend the pane will use: the chosen one if the engine still has it, else the engine's default. */
export function chosenBackend(backends: Backend[] | undefined, value: string): Backend | undefined {
  return backends?.find((b) => b.id === value) ?? backends?.[0];
}

function label(b: Backend): string {
  return b.kind === 'local' ? `${b.model} on this computer` : `${b.model} on ${b.host ?? b.id} (${b.id})`;
}

/** A labelled select of the backends (shown only when there is a choice) and where the text goes. */
export function BackendChoice({ backends, value, onChange, disabled }: BackendChoiceProps) {
  const chosen = chosenBackend(backends, value);
  if (backends.length < 2 || !chosen) return null;
  return (
    <>
      <Field label="Model">
        <Select value={chosen.id} disabled={disabled} onChange={(_, data) => onChange(data.value)}>
          {backends.map((b) => (
            <option key={b.id} value={b.id}>
              {label(b)}
            </option>
          ))}
        </Select>
      </Field>
      {chosen.remote && (
        <MessageBar intent="warning" layout="multiline" data-testid="text-leaves">
          <MessageBarBody>Text is sent to {chosen.host}.</MessageBarBody>
        </MessageBar>
      )}
    </>
  );
}
