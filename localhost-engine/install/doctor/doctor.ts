/**
 * `localscribe doctor`: every check of the connection from Word to the engine, and of what the engine needs,
 * each with what it saw and how to fix it. It only reads: it starts, writes and downloads nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { certificateLocations } from '../../certificates';
import type { EngineConfig } from '../../config';
import type { ModelFlags } from '../../model-store/settings';
import type { ModelStore } from '../../model-store/model-store';
import { chooseModelDir, defaultModelStore } from '../../server';
import { VERSION } from '../../version';
import { parseManifest } from '../addin-manifest';
import type { InstallContext } from '../install-context';
import { certificateCheck } from './certificate-check';
import type { CheckResult } from './doctor-check';
import { engineCheck, portCheck, serviceCheck } from './engine-checks';
import { serviceAdapterFor, serviceStatus } from '../service/service-command';
import { engineLogFile } from '../service/service-adapter';
import { probeEngine } from './engine-probe';
import { findManifests, manifestCheck, wordPort } from './manifest-check';
import { diskCheck, freeBytes, webAccessNote, webviewLoopbackCheck } from './machine-checks';
import { modelCheck } from './model-check';

export interface DoctorReport {
  version: string;
  /** False when any check failed. */
  ok: boolean;
  checks: CheckResult[];
}

export interface DoctorOptions {
  config: EngineConfig;
  models?: ModelFlags;
  /** The model store to ask (default: the engine's, from the settings). */
  store?: ModelStore;
}

/** The certificate the engine would load at its next start, read only (the engine makes one when there is none). */
function certificateOnDisk(
  config: EngineConfig,
  ctx: InstallContext,
): { pem: string | null; source: string } {
  const files = config.certFile
    ? [{ cert: config.certFile, source: 'config' }]
    : certificateLocations(ctx.dataDir, ctx.home).filter((l) => existsSync(l.key));
  const found = files.find((f) => existsSync(f.cert));
  if (!found)
    return {
      pem: null,
      source: 'none yet: the engine makes a self-signed one at its first start, which Word does not trust',
    };
  return { pem: readFileSync(found.cert, 'utf8'), source: `${found.cert} (${found.source})` };
}

/** Runs every check; never throws for a broken set-up, only reports it. */
export async function runDoctor(ctx: InstallContext, options: DoctorOptions): Promise<DoctorReport> {
  const { config } = options;
  const { id } = parseManifest(readFileSync(path.join(ctx.packageRoot, 'manifest.xml'), 'utf8'));
  const manifests = await findManifests(id, ctx);
  const port = wordPort(manifests, config.port);
  const probe = await probeEngine(port);
  const store = options.store ?? defaultModelStore(config, options.models);
  const served = probe.kind === 'nothing' ? null : probe.certificate;
  const onDisk = served ? null : certificateOnDisk(config, ctx);
  const modelDir = await chooseModelDir(config, store);
  const model = await modelCheck(modelDir, store, probe.kind === 'localscribe' ? probe.health : null);
  const missing =
    model.status === 'fail' && model.detail.startsWith('No model') ? store.defaultEntry().approxBytes : null;
  const checks = [
    engineCheck(port, probe),
    portCheck(port, probe),
    serviceCheck(
      await serviceStatus(ctx),
      serviceAdapterFor(ctx.platform).description,
      engineLogFile(ctx.dataDir),
    ),
    await certificateCheck(served ?? onDisk!.pem, served ? `served on port ${port}` : onDisk!.source, ctx),
    manifestCheck(manifests, config.port, ctx.platform),
    model,
    diskCheck(store.modelsDir, freeBytes(store.modelsDir), missing),
    await webviewLoopbackCheck(ctx),
    webAccessNote(port),
  ];
  return { version: VERSION, ok: checks.every((c) => c.status !== 'fail'), checks };
}

const MARKS: Record<CheckResult['status'], string> = {
  pass: 'PASS',
  fail: 'FAIL',
  warn: 'WARN',
  info: 'INFO',
  skip: 'SKIP',
};

/** The report as a person reads it in a terminal. */
export function formatReport(report: DoctorReport): string {
  const lines = [`LocalScribe ${report.version} doctor`];
  for (const c of report.checks) {
    lines.push(`${MARKS[c.status]}  ${c.title}`, `      ${c.detail}`);
    if (c.fix) lines.push(`      Fix: ${c.fix}`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  lines.push(
    report.ok
      ? 'Everything LocalScribe needs is in place.'
      : `${failed} check${failed === 1 ? '' : 's'} failed; each says how to fix it.`,
  );
  return `${lines.join('\n')}\n`;
}
