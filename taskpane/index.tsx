/// <reference types="office-js" />
/**
 * The task pane's entry: waits for Office.js (or the simulation standing in for it), calls `Office.onReady` once,
 * then renders the pane under a FluentProvider themed like Word and associates the manifest's function commands
 * (this page is also the manifest's FunctionFile and shared runtime).
 */
import { createRoot } from 'react-dom/client';
import { App } from './components/App';
import { themeFor } from './fluent-theme';
import { requestSelectionRun } from './selection-request';
import { registerCommands } from './word/commands';
import { officeWordPort } from './word-port-office';

declare global {
  interface Window {
    /** Set by `taskpane.html`'s loader: settles when the Office.js script it injected has loaded or failed. */
    __localscribeOfficeJs?: Promise<void>;
  }
}

async function main(): Promise<void> {
  // The loader injects Office.js asynchronously (it skips it when a simulation already defined `Office`), so this
  // bundle may run first and must wait for it.
  await window.__localscribeOfficeJs?.catch(() => undefined);
  // The callback form: both Office.js and the simplest simulations support it (not every stand-in returns a promise).
  if (typeof Office !== 'undefined')
    await new Promise<void>((resolve) => void Office.onReady(() => resolve()));
  const container = document.getElementById('container');
  if (!container) throw new Error('taskpane.html has no #container');
  const prefersDark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  const root = createRoot(container);
  root.render(<App port={officeWordPort} theme={themeFor(officeBackground(), prefersDark)} />);
  registerCommands({
    summarizeSelection(sharedRuntime) {
      requestSelectionRun(sharedRuntime);
      // Without a shared runtime this page was loaded only to run the command: no pane to keep running here.
      if (!sharedRuntime) root.unmount();
    },
  });
}

/** Word's pane background colour, where Office exposes its theme (not on every platform). */
function officeBackground(): string | undefined {
  try {
    return typeof Office === 'undefined' ? undefined : Office.context?.officeTheme?.bodyBackgroundColor;
  } catch {
    return undefined;
  }
}

void main();
