/**
 * The model the engine loads: there, loadable, and (for a model LocalScribe downloaded) every file the size and
 * checksum its download recorded. Nothing is fetched: a folder without a download record is only checked to load.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { inspectModelFolder, ModelFolderError } from '../../inference/model-folder';
import { INSTALL_RECORD } from '../../model-store/locations';
import type { ModelStore } from '../../model-store/model-store';
import type { HealthResponse } from '../../api/schemas';
import type { CheckResult } from './doctor-check';

const DOWNLOAD = 'Run `localscribe models download` (or click Download in the LocalScribe pane).';

export async function modelCheck(
  dir: string,
  store: ModelStore,
  health: HealthResponse | null,
): Promise<CheckResult> {
  const title = 'A model is installed and intact';
  if (health?.model.state === 'error') {
    return {
      id: 'model',
      title,
      status: 'fail',
      detail: `The engine could not load ${health.model.id}: ${health.model.error}`,
      fix: `Run \`localscribe models verify ${health.model.id}\`; if it reports damage, remove and download it again.`,
    };
  }
  try {
    await inspectModelFolder(dir, store.device === 'cpu' ? 'cpu' : 'gpu');
  } catch (err) {
    if (!(err instanceof ModelFolderError)) throw err;
    if (err.code === 'model_missing') {
      const entry = store.defaultEntry();
      return {
        id: 'model',
        title,
        status: 'fail',
        detail: `No model installed (looked in ${dir}).`,
        fix: `${DOWNLOAD} It is ${entry.name}, about ${(entry.approxBytes / 1e9).toFixed(1)} GB.`,
      };
    }
    return {
      id: 'model',
      title,
      status: 'fail',
      detail: err.message,
      fix: `Remove ${dir} and download the model again: ${DOWNLOAD}`,
    };
  }
  const entry = store.catalog.models.find((m) => path.resolve(store.installDir(m)) === path.resolve(dir));
  if (!entry || !existsSync(path.join(dir, INSTALL_RECORD))) {
    return {
      id: 'model',
      title,
      status: 'pass',
      detail: `${dir} holds a model that loads (no download record to check its files against).`,
    };
  }
  const result = await store.verify(entry.id);
  if (result.ok)
    return {
      id: 'model',
      title,
      status: 'pass',
      detail: `${entry.id}: all ${result.files} files match their download record, and the folder loads.`,
    };
  return {
    id: 'model',
    title,
    status: 'fail',
    detail: `${entry.id} is damaged: ${result.problems.join(' ')}`,
    fix: `Run \`localscribe models remove ${entry.id}\`, then \`localscribe models download ${entry.id}\`.`,
  };
}
