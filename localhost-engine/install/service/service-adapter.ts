/**
 * The login service, one interface and one adapter per platform: the files it needs (a systemd user unit, a
 * LaunchAgent plist, a scheduled task's XML), the commands that register, start, stop and query it, and how to
 * read their answer. The adapters only describe; service-command.ts writes the files and runs the commands.
 */
import path from 'node:path';
import type { CommandResult } from '../command-runner';
import type { InstallContext } from '../install-context';
import { readSettings, settingsArgs, type EngineSettings } from '../setup-settings';

/** What the service runs and for whom. */
export interface ServiceSpec {
  /** The Node.js binary, the `localscribe` script and its arguments (`serve [setup's settings] --log-file …`). */
  nodePath: string;
  binScript: string;
  args: string[];
  dataDir: string;
  /** Where the engine writes its rotating log. */
  logFile: string;
  home: string;
  userName: string;
  uid: number | null;
  /** Set for the engine: LOCALSCRIBE_HOME, so the service uses the data folder setup used. */
  environment: Record<string, string>;
  /** The caller's environment, for where the platform keeps per-user files (XDG_CONFIG_HOME, SystemRoot). */
  env: NodeJS.ProcessEnv;
}

/** A file the service needs, and its bytes' encoding (Windows reads task XML as UTF-16). */
export interface ServiceFile {
  path: string;
  content: string;
  encoding: 'utf8' | 'utf16le';
}

export interface ServiceCommand {
  command: string;
  args: string[];
  /** A failure that means "nothing to do" (stopping a service that is not running) is not an error. */
  mayFail?: boolean;
}

/** What the platform says about the service. */
export interface ServiceStatus {
  state: 'running' | 'stopped' | 'not-installed' | 'unknown';
  detail: string;
}

export interface ServiceAdapter {
  /** How the platform calls it, for reports ("systemd user unit localscribe.service"). */
  readonly description: string;
  files(spec: ServiceSpec): ServiceFile[];
  /** Registers the service for login and starts it now; run after the files are written. */
  installCommands(spec: ServiceSpec): ServiceCommand[];
  /** Stops and unregisters it; run before the files are removed. */
  uninstallCommands(spec: ServiceSpec): ServiceCommand[];
  /** Run after the files are removed (systemd's daemon-reload). */
  afterRemoveCommands(spec: ServiceSpec): ServiceCommand[];
  statusCommand(spec: ServiceSpec): ServiceCommand;
  parseStatus(result: CommandResult): ServiceStatus;
  /** Where the platform keeps what the process printed outside the engine's log (a crash before logging). */
  platformLogHint(spec: ServiceSpec): string;
}

/** The engine's rotating log in the data folder. */
export function engineLogFile(dataDir: string): string {
  return path.join(dataDir, 'logs', 'engine.log');
}

/**
 * The service this installed LocalScribe runs: `node <bin> serve [settings] --log-file <data>/logs/engine.log`,
 * with the settings setup kept unless others are given.
 * @throws {ConfigError} when the kept settings cannot be read.
 */
export function serviceSpec(
  ctx: InstallContext,
  settings: EngineSettings = readSettings(ctx.dataDir),
): ServiceSpec {
  const logFile = engineLogFile(ctx.dataDir);
  return {
    nodePath: ctx.nodePath,
    binScript: ctx.binScript,
    args: ['serve', ...settingsArgs(settings), '--log-file', logFile],
    dataDir: ctx.dataDir,
    logFile,
    home: ctx.home,
    userName: ctx.userName,
    uid: ctx.uid,
    environment: { LOCALSCRIBE_HOME: ctx.dataDir },
    env: ctx.env,
  };
}

/** `value` as XML text or attribute content (the plist and the task XML). */
export function xmlText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
