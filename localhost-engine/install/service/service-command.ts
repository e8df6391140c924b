/**
 * Installing, removing and asking after the login service, whatever the platform: the adapter says what to write
 * and run, this writes and runs it, and records what it created for `localscribe uninstall`.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { commandLine } from '../command-runner';
import type { InstallContext } from '../install-context';
import type { InstallEntry } from '../install-record';
import { makeDirs, writeOwnedFile } from '../owned-files';
import { launchAgent } from './launch-agent';
import { scheduledTask } from './scheduled-task';
import {
  serviceSpec,
  type ServiceAdapter,
  type ServiceCommand,
  type ServiceFile,
  type ServiceSpec,
  type ServiceStatus,
} from './service-adapter';
import { systemdUserUnit } from './systemd-user-unit';

/** The adapter for a platform. */
export function serviceAdapterFor(platform: NodeJS.Platform): ServiceAdapter {
  if (platform === 'win32') return scheduledTask;
  if (platform === 'darwin') return launchAgent;
  return systemdUserUnit;
}

/** What installing or removing the service did. */
export interface ServiceResult {
  status: 'done' | 'already' | 'failed';
  detail: string;
  entries: InstallEntry[];
}

async function runAll(commands: ServiceCommand[], ctx: InstallContext): Promise<string | null> {
  for (const { command, args, mayFail } of commands) {
    const result = await ctx.run(command, args);
    if (result.status !== 0 && !mayFail) {
      return `${commandLine(command, args)} failed: ${(result.stderr || result.stdout || result.error || `exit code ${result.status}`).trim()}`;
    }
  }
  return null;
}

function fileBytes(file: ServiceFile): Buffer {
  return file.encoding === 'utf16le'
    ? Buffer.from(`\ufeff${file.content}`, 'utf16le')
    : Buffer.from(file.content);
}

/** What the platform says about the service now. */
export async function serviceStatus(
  ctx: InstallContext,
  adapter = serviceAdapterFor(ctx.platform),
): Promise<ServiceStatus> {
  const { command, args } = adapter.statusCommand(serviceSpec(ctx));
  const result = await ctx.run(command, args);
  if (result.status === null)
    return { state: 'unknown', detail: `${command} could not run: ${result.error}` };
  return adapter.parseStatus(result);
}

/**
 * Installs the service for this user and starts it. Idempotent: an installed, running service with the same files
 * is left alone unless `restart` says otherwise (an updated package); changed files are rewritten and the service
 * restarted. Never throws for a failing command: the
 * result says which command failed, and lists what was created so far (so uninstall can remove it).
 */
export async function installService(
  ctx: InstallContext,
  adapter = serviceAdapterFor(ctx.platform),
  options: { restart?: boolean } = {},
): Promise<ServiceResult> {
  const spec = serviceSpec(ctx);
  const before = await serviceStatus(ctx, adapter);
  const logDir = path.dirname(spec.logFile);
  const entries: InstallEntry[] = existsSync(logDir)
    ? []
    : [...makeDirs(path.dirname(logDir)), { kind: 'logs', path: logDir }];
  makeDirs(logDir);
  let changed = false;
  for (const file of adapter.files(spec)) {
    const written = writeOwnedFile(file.path, fileBytes(file));
    entries.push(...written.entries);
    changed ||= written.status !== 'unchanged';
  }
  if (before.state === 'running' && !changed && !options.restart) {
    return { status: 'already', detail: `The ${adapter.description} is installed and running.`, entries };
  }
  if (before.state !== 'not-installed') {
    const failed = await runAll(adapter.uninstallCommands(spec), ctx);
    if (failed) return { status: 'failed', detail: failed, entries };
  }
  const failed = await runAll(adapter.installCommands(spec), ctx);
  if (before.state === 'not-installed' || before.state === 'unknown') {
    entries.push({ kind: 'service', description: adapter.description });
  }
  if (failed) return { status: 'failed', detail: failed, entries };
  const after = await serviceStatus(ctx, adapter);
  return {
    status: 'done',
    detail: `Installed the ${adapter.description}; it starts at login and restarts when it fails (now: ${after.detail}). Logs: ${spec.logFile}`,
    entries,
  };
}

/**
 * Stops and unregisters the service and removes its files.
 * @throws Error naming the command, or saying the service is still registered, when the platform refuses.
 */
export async function uninstallService(
  ctx: InstallContext,
  adapter = serviceAdapterFor(ctx.platform),
): Promise<void> {
  const spec = serviceSpec(ctx);
  const failed = await runAll(adapter.uninstallCommands(spec), ctx);
  if (failed) throw new Error(failed);
  for (const file of adapter.files(spec)) rmSync(file.path, { force: true });
  const after = await runAll(adapter.afterRemoveCommands(spec), ctx);
  if (after) throw new Error(after);
  // Stopping and deleting may "fail" because there is nothing to stop; whether it is gone is what counts.
  const left = await serviceStatus(ctx, adapter);
  if (left.state === 'running' || left.state === 'stopped') {
    throw new Error(`The ${adapter.description} is still registered (${left.detail}).`);
  }
}

/** The paths of the files the service consists of, for taking its entries out of the record. */
export function serviceFiles(ctx: InstallContext, adapter = serviceAdapterFor(ctx.platform)): string[] {
  return adapter.files(serviceSpec(ctx)).map((f) => f.path);
}

/** Where the platform keeps the process's own output. */
export function platformLogHint(ctx: InstallContext, adapter = serviceAdapterFor(ctx.platform)): string {
  return adapter.platformLogHint(serviceSpec(ctx));
}

/** The last `lines` lines of the engine's log (and of its rotated predecessor when the current file is short). */
export function tailEngineLog(spec: Pick<ServiceSpec, 'logFile'>, lines: number): string[] {
  const read = (file: string) =>
    existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  const current = read(spec.logFile);
  const all = current.length >= lines ? current : [...read(`${spec.logFile}.1`), ...current];
  return all.slice(-lines);
}
