/**
 * Running the operating system's own tools (reg.exe, schtasks, launchctl, systemctl, CheckNetIsolation): one
 * signature, so setup, the service adapters and the doctor can be handed another runner, as the pane is handed
 * another `fetch`.
 */
import { execFile } from 'node:child_process';

/** What a command did. `status` is null when it could not be started or was killed (then `error` says why). */
export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

/** Runs `command` with `args` (no shell) and resolves with its result; never rejects. */
export type RunCommand = (command: string, args: readonly string[]) => Promise<CommandResult>;

/**
 * Runs a command without a shell or a console window, for at most 60 s, and resolves with its exit status and
 * output; a missing program or a timeout resolves with `status: null` and the reason, never a rejection.
 */
export const runCommand: RunCommand = (command, args) =>
  new Promise((resolve) => {
    execFile(
      command,
      [...args],
      { encoding: 'utf8', windowsHide: true, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ status: 0, stdout, stderr });
        const code = (error as NodeJS.ErrnoException & { code?: unknown }).code;
        resolve({
          status: typeof code === 'number' ? code : null,
          stdout,
          stderr,
          error: typeof code === 'number' ? undefined : error.message,
        });
      },
    );
  });

/** The command line as a user would type it, for reports ("ran: systemctl --user enable …"). */
export function commandLine(command: string, args: readonly string[]): string {
  return [command, ...args].map((a) => (/[\s"]/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a)).join(' ');
}
