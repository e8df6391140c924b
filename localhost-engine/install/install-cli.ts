/**
 * The commands that install LocalScribe for a user and look after it: setup, uninstall, service and doctor. They
 * parse their own flags, so the engine's command line stays as it is.
 */
import { parseArgs } from 'node:util';
import { currentInstallContext, type InstallContext } from './install-context';
import { addToInstallRecord, readInstallRecord, writeRecord } from './install-record';
import {
  installService,
  platformLogHint,
  serviceAdapterFor,
  serviceFiles,
  serviceStatus,
  tailEngineLog,
  uninstallService,
} from './service/service-command';
import { serviceSpec } from './service/service-adapter';
import { formatReport, runDoctor } from './doctor/doctor';
import { resolveConfig } from '../config';
import { defaultModelStore } from '../server';
import { runSetup } from './setup-command';
import { chooseSettings, readSettings, SETTING_NAMES } from './setup-settings';
import { runUninstall } from './uninstall-command';

export const INSTALL_USAGE = `  localscribe setup [--no-trust] [--no-service] [--no-sideload] [--no-download]
                    [--port N] [--config FILE] [--model DIR] [--models-dir DIR] (kept for the service)
  localscribe uninstall
  localscribe service install|uninstall|status|logs [--lines N]
  localscribe doctor [--json] [--port N] [--config FILE] [--model DIR] [--models-dir DIR]`;

/** The first words of the commands this module runs. */
export const INSTALL_COMMANDS: ReadonlySet<string> = new Set(['setup', 'uninstall', 'service', 'doctor']);

const SETTINGS: string[] = [...SETTING_NAMES];
/** The flags each command takes. */
const FLAGS: Record<string, string[]> = {
  service: ['lines'],
  doctor: ['json', ...SETTINGS],
  setup: ['no-trust', 'no-service', 'no-sideload', 'no-download', ...SETTINGS],
  uninstall: SETTINGS,
};

/** A mistake in how an install command was called: printed with the usage, exit code 2. */
export class InstallUsageError extends Error {}

export interface InstallIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** A line of the engine's JSON log as a person reads it: time, level, message, then the other fields. */
export function formatLogLine(line: string): string {
  try {
    const {
      level,
      time,
      msg,
      pid: _pid,
      hostname: _host,
      ...rest
    } = JSON.parse(line) as Record<string, unknown>;
    const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    return `${new Date(Number(time)).toISOString()} ${LEVELS[Number(level)] ?? level} ${String(msg ?? '')}${extra}`;
  } catch {
    return line;
  }
}

async function service(
  args: string[],
  values: { lines?: string },
  io: InstallIo,
  ctx: InstallContext,
): Promise<number> {
  const [sub, extra] = args;
  if (extra !== undefined) throw new InstallUsageError(`Unexpected argument "${extra}".`);
  const adapter = serviceAdapterFor(ctx.platform);
  switch (sub) {
    case 'install': {
      const result = await installService(ctx, adapter);
      addToInstallRecord(ctx.dataDir, ...result.entries);
      (result.status === 'failed' ? io.stderr : io.stdout).write(`${result.detail}\n`);
      return result.status === 'failed' ? 1 : 0;
    }
    case 'uninstall': {
      await uninstallService(ctx, adapter);
      const files = new Set(serviceFiles(ctx, adapter));
      writeRecord(
        ctx.dataDir,
        readInstallRecord(ctx.dataDir).filter(
          (e) => e.kind !== 'service' && !(e.kind === 'file' && files.has(e.path)),
        ),
      );
      io.stdout.write(`Removed the ${adapter.description}. The engine no longer starts at login.\n`);
      return 0;
    }
    case 'status': {
      const status = await serviceStatus(ctx, adapter);
      io.stdout.write(
        `${adapter.description}: ${status.state} (${status.detail})\nLog: ${serviceSpec(ctx).logFile}\n`,
      );
      return status.state === 'running' ? 0 : 1;
    }
    case 'logs': {
      const lines = Number(values.lines ?? '50');
      if (!Number.isInteger(lines) || lines < 1)
        throw new InstallUsageError(`--lines must be a whole number (got "${values.lines}").`);
      const { logFile } = serviceSpec(ctx);
      const tail = tailEngineLog({ logFile }, lines);
      if (tail.length === 0) io.stdout.write(`No engine log yet at ${logFile}.\n`);
      for (const line of tail) io.stdout.write(`${formatLogLine(line)}\n`);
      io.stderr.write(
        `(${logFile}; what the process printed outside it: ${platformLogHint(ctx, adapter)})\n`,
      );
      return 0;
    }
    default:
      throw new InstallUsageError(
        sub
          ? `Unknown service command "${sub}".`
          : 'Say what to do with the service: install, uninstall, status or logs.',
      );
  }
}

/**
 * Runs an install command (`argv[0]` is one of {@link INSTALL_COMMANDS}); resolves with the exit code.
 * @throws {InstallUsageError} for unknown flags or arguments (the CLI prints the usage).
 */
export async function installCli(
  argv: string[],
  io: InstallIo,
  ctx: InstallContext = currentInstallContext(),
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        lines: { type: 'string' },
        json: { type: 'boolean' },
        port: { type: 'string' },
        config: { type: 'string' },
        model: { type: 'string' },
        device: { type: 'string' },
        'models-dir': { type: 'string' },
        'hub-url': { type: 'string' },
        catalog: { type: 'string' },
        'no-trust': { type: 'boolean' },
        'no-service': { type: 'boolean' },
        'no-sideload': { type: 'boolean' },
        'no-download': { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new InstallUsageError((err as Error).message);
  }
  const [command, ...rest] = parsed.positionals;
  const { values } = parsed;
  const misplaced = Object.keys(values).find((flag) => !FLAGS[command]?.includes(flag));
  if (misplaced) throw new InstallUsageError(`--${misplaced} does not apply to "${command}".`);
  if (command === 'service') return service(rest, values, io, ctx);
  if (rest.length > 0) throw new InstallUsageError(`Unexpected argument "${rest[0]}".`);
  // What setup kept, so that doctor and uninstall look where the service's engine does.
  const settings = chooseSettings(values, ctx.env, readSettings(ctx.dataDir));
  const config = resolveConfig(
    { port: settings.port, config: settings.config, model: settings.model, device: settings.device },
    ctx.env,
  );
  const store = defaultModelStore(config, {
    modelsDir: settings['models-dir'],
    hubUrl: settings['hub-url'],
    catalog: settings.catalog,
    config: settings.config,
  });
  try {
    if (command === 'doctor') {
      const report = await runDoctor(ctx, { config, store });
      io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      return report.ok ? 0 : 1;
    }
    if (command === 'setup') {
      const skip = {
        trust: values['no-trust'],
        service: values['no-service'],
        sideload: values['no-sideload'],
        download: values['no-download'],
      };
      const steps = await runSetup(ctx, { config, store, skip, io, settings });
      return steps.some((s) => s.status === 'failed') ? 1 : 0;
    }
    if (command === 'uninstall') {
      const undone = await runUninstall(ctx, store);
      if (undone.length === 0)
        io.stdout.write(`Nothing to undo: setup has not run for this user (no record in ${ctx.dataDir}).\n`);
      for (const r of undone)
        (r.status === 'failed' ? io.stderr : io.stdout).write(
          `${r.status === 'failed' ? 'Could not undo: ' : ''}${r.detail}\n`,
        );
      return undone.some((r) => r.status === 'failed') ? 1 : 0;
    }
  } finally {
    await store.close();
  }
  throw new InstallUsageError(`Unknown command "${command}".`);
}
