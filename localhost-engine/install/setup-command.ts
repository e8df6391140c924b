/**
 * `localscribe setup`: everything a Word user needs, one step at a time, each reported and each skippable
 * (--no-trust, --no-service, --no-sideload, --no-download), then the doctor's report. Idempotent: a step already
 * done is left alone. What a step creates is recorded in the data folder at once, for `localscribe uninstall`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EngineConfig } from '../config';
import { download, type ModelsIo } from '../model-store/models-command';
import type { ModelStore } from '../model-store/model-store';
import { chooseModelDir } from '../server';
import { manifestForPort, userManifestPath } from './addin-manifest';
import { trustCertificate } from './certificate-trust';
import { formatReport, runDoctor } from './doctor/doctor';
import { probeEngine, waitForEngine } from './doctor/engine-probe';
import { VERSION } from '../version';
import type { InstallContext } from './install-context';
import { addToInstallRecord, type InstallEntry } from './install-record';
import { makeDirs, writeOwnedFile } from './owned-files';
import { installService } from './service/service-command';
import { keepSettings, type EngineSettings } from './setup-settings';
import { sideload } from './sideload';

export type StepStatus = 'done' | 'already' | 'skipped' | 'not-applicable' | 'failed';

export interface StepReport {
  step: string;
  status: StepStatus;
  detail: string;
}

export interface SetupOptions {
  config: EngineConfig;
  store: ModelStore;
  skip: { trust?: boolean; service?: boolean; sideload?: boolean; download?: boolean };
  io: ModelsIo;
  /**
   * The settings `config` and `store` were resolved from (install-cli's `chooseSettings`), kept for the login
   * service and later commands; without them, the kept ones stay as they are.
   */
  settings?: EngineSettings;
  /** How long to wait for a service started by this run to answer before the doctor looks (default 20 s). */
  serviceStartMs?: number;
}

interface StepOutcome {
  status: Exclude<StepStatus, 'skipped'>;
  detail: string;
  entries?: InstallEntry[];
}

const SERVICE_STEP = 'Start the engine at login';

/** The npx cache is npm's, not the user's: a service pointing into it breaks when npm clears it. */
function npxWarning(ctx: InstallContext): string {
  return ctx.binScript.split(path.sep).includes('_npx')
    ? ` It runs LocalScribe from npm's npx cache (${path.dirname(path.dirname(ctx.binScript))}), which npm may clear: for a copy that stays, \`npm install -g localscribe\` and run \`localscribe setup\` again.`
    : '';
}

/** The service, restarted when the engine that runs is another version than this package (after an update). */
async function serviceStep(ctx: InstallContext, config: EngineConfig): Promise<StepOutcome> {
  const probe = await probeEngine(config.port);
  const running = probe.kind === 'localscribe' ? probe.health.version : null;
  const stale = running !== null && running !== VERSION;
  const r = await installService(ctx, undefined, { restart: stale });
  if (r.status === 'failed') return r;
  const restarted = stale ? ` Restarted it: the engine that ran was ${running}, this is ${VERSION}.` : '';
  return { ...r, detail: `${r.detail}${restarted}${npxWarning(ctx)}` };
}

async function sideloadStep(ctx: InstallContext, config: EngineConfig): Promise<StepOutcome> {
  const shipped = readFileSync(path.join(ctx.packageRoot, 'manifest.xml'), 'utf8');
  const file = userManifestPath(ctx.dataDir);
  const written = writeOwnedFile(file, manifestForPort(shipped, config.port));
  addToInstallRecord(ctx.dataDir, ...written.entries);
  const result = await sideload(file, ctx);
  const status = written.status !== 'unchanged' && result.status === 'already' ? 'done' : result.status;
  return { status, detail: result.detail, entries: result.entries };
}

async function downloadStep(
  ctx: InstallContext,
  store: ModelStore,
  config: EngineConfig,
  io: ModelsIo,
): Promise<StepOutcome> {
  const dir = await chooseModelDir(config, store);
  const entry = store.defaultEntry();
  const target = store.installDir(entry);
  // The engine's folder, or the catalog's own (a model the engine does not pick, the user named another folder).
  for (const found of [dir, target]) {
    if (existsSync(found)) return { status: 'already', detail: `A model is installed: ${found}.` };
  }
  addToInstallRecord(ctx.dataDir, ...makeDirs(store.modelsDir));
  io.stderr.write(
    `Downloading ${entry.name} (about ${(entry.approxBytes / 1e9).toFixed(1)} GB; Ctrl+C stops it, and setup resumes it next time).\n`,
  );
  const code = await download(store, entry.id, io);
  if (code !== 0)
    return {
      status: 'failed',
      detail:
        code === 130
          ? 'Stopped; run `localscribe setup` again to resume.'
          : 'The download failed (see above); run `localscribe setup` again to resume.',
    };
  return {
    status: 'done',
    detail: `Installed ${entry.id} in ${store.installDir(entry)}.`,
    entries: [{ kind: 'model', id: entry.id, dir: store.installDir(entry) }],
  };
}

/** Runs setup's steps and the doctor; resolves with each step's report (it never throws for a failing step). */
export async function runSetup(ctx: InstallContext, options: SetupOptions): Promise<StepReport[]> {
  const { config, store, skip, io } = options;
  addToInstallRecord(ctx.dataDir, ...makeDirs(ctx.dataDir));
  // Before the service step: the service runs the engine with them (the port the manifest names, the models).
  if (options.settings) addToInstallRecord(ctx.dataDir, ...keepSettings(ctx.dataDir, options.settings));
  const steps: Array<[string, keyof SetupOptions['skip'], () => Promise<StepOutcome>]> = [
    ['Trust the localhost certificate', 'trust', () => trustCertificate(ctx)],
    [SERVICE_STEP, 'service', () => serviceStep(ctx, config)],
    ['Register the add-in with Word', 'sideload', () => sideloadStep(ctx, config)],
    ['Download the model', 'download', () => downloadStep(ctx, store, config, io)],
  ];
  const reports: StepReport[] = [];
  for (const [index, [step, flag, run]] of steps.entries()) {
    const label = `${index + 1}/${steps.length} ${step}`;
    if (skip[flag]) {
      reports.push({ step, status: 'skipped', detail: `--no-${flag}` });
      io.stdout.write(`${label}: skipped (--no-${flag})\n`);
      continue;
    }
    let outcome: StepOutcome;
    try {
      outcome = await run();
    } catch (err) {
      outcome = { status: 'failed', detail: (err as Error).message };
    }
    addToInstallRecord(ctx.dataDir, ...(outcome.entries ?? []));
    reports.push({ step, status: outcome.status, detail: outcome.detail });
    io.stdout.write(`${label}: ${outcome.status}\n    ${outcome.detail}\n`);
  }
  // A service started a moment ago may not listen yet: give it a little time before the doctor looks.
  const service = reports.find((r) => r.step === SERVICE_STEP);
  if (service?.status === 'done') await waitForEngine(config.port, options.serviceStartMs ?? 20_000);
  io.stdout.write('\n');
  io.stdout.write(formatReport(await runDoctor(ctx, { config, store })));
  return reports;
}
