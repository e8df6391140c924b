/**
 * Where LocalScribe keeps its files on each OS: the per-user data folder (models, certificates it made, config).
 */
import os from 'node:os';
import path from 'node:path';

/** The per-user data folder; `LOCALSCRIBE_HOME` overrides it (tests use a temporary one). */
export function userDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.LOCALSCRIBE_HOME) return path.resolve(env.LOCALSCRIBE_HOME);
  const home = env.HOME ?? env.USERPROFILE ?? os.homedir();
  if (platform === 'win32')
    return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'LocalScribe');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'LocalScribe');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'localscribe');
}

/** The model folder used when none is named. */
export const DEFAULT_MODEL_NAME = 'phi-3-mini-4k-instruct-onnx';

/** The predecessor's DirectML model (GenAI layout), worth reusing rather than downloading 2 GB again. */
export function predecessorModelDir(env: NodeJS.ProcessEnv = process.env): string | null {
  return env.APPDATA ? path.join(env.APPDATA, 'LocalScribe', 'models', 'phi-3-mini-onnx-directml') : null;
}
