/**
 * A stand-in for the operating system's tools in install tests: records every command line, answers `reg` from an
 * in-memory registry (with reg.exe's output format), and answers other commands from handlers a test registers.
 */
import type { CommandResult, RunCommand } from '../../../localhost-engine/install/command-runner';

type Handler = (args: readonly string[]) => CommandResult | Promise<CommandResult>;

export class FakeCommands {
  /** Every call, as `command arg arg…`. */
  readonly calls: string[][] = [];
  /** Registry values by `KEY\NAME` (case-insensitive, as Windows). */
  readonly registry = new Map<string, string>();
  private readonly handlers = new Map<string, Handler>();

  /** Answers `command` with `handler` from now on. */
  on(command: string, handler: Handler): this {
    this.handlers.set(command, handler);
    return this;
  }

  readonly run: RunCommand = async (command, args) => {
    this.calls.push([command, ...args]);
    if (command === 'reg') return this.reg(args);
    const handler = this.handlers.get(command);
    if (!handler) return { status: null, stdout: '', stderr: '', error: `spawn ${command} ENOENT` };
    return handler(args);
  };

  /** The calls to one command, without the command's name. */
  callsTo(command: string): string[][] {
    return this.calls.filter((c) => c[0] === command).map((c) => c.slice(1));
  }

  private reg(args: readonly string[]): CommandResult {
    const [verb, key] = args;
    const name = args[args.indexOf('/v') + 1];
    const id = `${key}\\${name}`.toLowerCase();
    switch (verb) {
      case 'query': {
        const data = this.registry.get(id);
        if (data === undefined) {
          return {
            status: 1,
            stdout: '',
            stderr: 'ERROR: The system was unable to find the specified registry key or value.\r\n',
          };
        }
        return { status: 0, stdout: `\r\n${key}\r\n    ${name}    REG_SZ    ${data}\r\n\r\n`, stderr: '' };
      }
      case 'add':
        this.registry.set(id, args[args.indexOf('/d') + 1]);
        return { status: 0, stdout: 'The operation completed successfully.\r\n', stderr: '' };
      case 'delete':
        if (!this.registry.delete(id)) {
          return {
            status: 1,
            stdout: '',
            stderr: 'ERROR: The system was unable to find the specified registry key or value.\r\n',
          };
        }
        return { status: 0, stdout: 'The operation completed successfully.\r\n', stderr: '' };
      default:
        return { status: 1, stdout: '', stderr: `ERROR: Invalid syntax.\r\n` };
    }
  }
}
