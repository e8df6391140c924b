/**
 * The pane's one error boundary: errors thrown while rendering, and errors reported from async work (Word calls,
 * engine calls) through {@link ErrorReporterContext}, all end up in one Fluent MessageBar.
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';
import {
  Button,
  MessageBar,
  MessageBarActions,
  MessageBarBody,
  MessageBarTitle,
} from '@fluentui/react-components';
import { describeError } from '../error-message';
import { ErrorReporterContext, type ErrorReporter } from '../error-reporter';

interface Props {
  children: ReactNode;
}

interface State {
  /** The error on show, if any. */
  error?: unknown;
  /** True when rendering failed: the children cannot be shown, only the message and a way to start over. */
  crashed: boolean;
  /** Bumped to remount the children after a crash. */
  generation: number;
}

/** Shows the latest error above the pane; a rendering crash replaces the pane with the message and a Restart button. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { crashed: false, generation: 0 };

  // Stable, so consumers of the context do not re-render when the error changes.
  private readonly reporter: ErrorReporter = {
    report: (error) => this.setState({ error }),
    clear: () => this.setState({ error: undefined }),
  };

  static getDerivedStateFromError(error: unknown): Partial<State> {
    return { error, crashed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    // Kept in the console for the developer; the user sees the MessageBar.
    console.error('LocalScribe pane crashed', error, info.componentStack);
  }

  private readonly restart = (): void =>
    this.setState((s) => ({ error: undefined, crashed: false, generation: s.generation + 1 }));

  override render(): ReactNode {
    const { error, crashed, generation } = this.state;
    const message = error === undefined ? undefined : describeError(error);
    return (
      <ErrorReporterContext.Provider value={this.reporter}>
        {message && (
          <MessageBar
            intent={message.intent}
            layout="multiline"
            data-source={message.source}
            data-code={message.code}
          >
            <MessageBarBody>
              <MessageBarTitle>{message.title}</MessageBarTitle> {message.body}
            </MessageBarBody>
            <MessageBarActions
              containerAction={
                crashed ? undefined : (
                  <Button appearance="transparent" aria-label="Dismiss message" onClick={this.reporter.clear}>
                    ✕
                  </Button>
                )
              }
            >
              {crashed && <Button onClick={this.restart}>Restart the pane</Button>}
            </MessageBarActions>
          </MessageBar>
        )}
        {!crashed && <div key={generation}>{this.props.children}</div>}
      </ErrorReporterContext.Provider>
    );
  }
}
