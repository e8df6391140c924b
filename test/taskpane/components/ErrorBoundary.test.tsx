/** @jest-environment jsdom */
import { useEffect } from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { ErrorBoundary } from '../../../taskpane/components/ErrorBoundary';
import { EngineError } from '../../../taskpane/engine-client';
import { useErrorReporter } from '../../../taskpane/hooks/useErrorReporter';

let shouldThrow = true;
function Crashing() {
  if (shouldThrow) throw new Error('render exploded');
  return <p>recovered</p>;
}

function Reporting({ error }: { error: unknown }) {
  const { report } = useErrorReporter();
  useEffect(() => report(error), [report, error]);
  return <p>still here</p>;
}

const wrap = (node: React.ReactNode) =>
  render(
    <FluentProvider theme={webLightTheme}>
      <ErrorBoundary>{node}</ErrorBoundary>
    </FluentProvider>,
  );

describe('ErrorBoundary', () => {
  it('shows a render crash in a MessageBar and restarts the pane', () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      wrap(<Crashing />);
      expect(screen.getByText('Something went wrong')).toBeTruthy();
      expect(screen.getByText(/render exploded/)).toBeTruthy();
      shouldThrow = false;
      fireEvent.click(screen.getByRole('button', { name: 'Restart the pane' }));
      expect(screen.getByText('recovered')).toBeTruthy();
    } finally {
      spy.mockRestore();
    }
  });

  it('shows reported async errors above the pane, keeping the pane', () => {
    wrap(<Reporting error={new EngineError('device_lost', 'The GPU was removed.')} />);
    expect(screen.getByText('The summary failed')).toBeTruthy();
    expect(screen.getByText(/The GPU was removed\./)).toBeTruthy();
    expect(screen.getByText('still here')).toBeTruthy();
  });
});
