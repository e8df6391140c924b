/// <reference types="office-js" />
/**
 * The manifest's function commands, associated in the pane's page (the manifest's FunctionFile). With
 * SharedRuntime 1.1 that page is the pane itself, shown or not; without it, Office loads it apart to run a command.
 */

/** What the commands do, given whether they run in the pane's own runtime. */
export interface CommandHandlers {
  summarizeSelection(sharedRuntime: boolean): void;
}

/** Whether the host shares one runtime between the pane and the commands (SharedRuntime 1.1). Never throws. */
export function hasSharedRuntime(): boolean {
  try {
    return Office.context?.requirements?.isSetSupported('SharedRuntime', '1.1') === true;
  } catch {
    return false;
  }
}

/**
 * Associates the commands with their manifest names. `summarizeSelection` runs the handler, then, with a shared
 * runtime, shows the pane (`Office.addin.showAsTaskpane`); it always completes the event, even when that fails.
 * Returns false (and does nothing) outside Office or where `Office.actions` is missing.
 */
export function registerCommands(handlers: CommandHandlers): boolean {
  if (typeof Office === 'undefined' || typeof Office.actions?.associate !== 'function') return false;
  Office.actions.associate('summarizeSelection', (event: Office.AddinCommands.Event) => {
    const shared = hasSharedRuntime();
    handlers.summarizeSelection(shared);
    const shown = shared ? Office.addin.showAsTaskpane() : Promise.resolve();
    // A pane that cannot be shown still has the request; the command must end either way.
    void shown.catch(() => undefined).finally(() => event.completed());
  });
  return true;
}
