/**
 * Generates (or finds cached) the tiny test models once, before Jest's workers start, so parallel test files never
 * race to write the same folder; and gives the run its own user data folder, so nothing the engine caches there
 * (part summaries, optimized model copies) comes from or goes to the real one.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureGeneratedModel } from '../models/ensure-generated-model';
import { cpuFeaturesLine } from './helpers/cpu-features';

export default async (): Promise<void> => {
  // Float results differ in their last bits between AVX2 and AVX-512 kernels: a failure report says which ran.
  process.stdout.write(`\n${os.cpus()[0]?.model.trim() ?? 'CPU'}: ${cpuFeaturesLine()}\n`);
  process.env.LOCALSCRIBE_HOME = mkdtempSync(path.join(os.tmpdir(), 'localscribe-test-home-'));
  await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
  await ensureGeneratedModel({ size: 'tiny', layout: 'genai' });
};
