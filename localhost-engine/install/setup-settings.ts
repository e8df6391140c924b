/**
 * The engine settings `localscribe setup` was given (flags or LOCALSCRIBE_* variables), kept in the data folder:
 * the login service runs `serve` with them, so the engine listens where setup's manifest points, and the later
 * install commands (setup, doctor, uninstall, service install) start from them rather than from the defaults.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config-error';
import type { InstallEntry } from './install-record';
import { writeOwnedFile } from './owned-files';

/** The settings the install commands take, named as their flags (and `serve`'s). */
export const SETTING_NAMES = [
  'port',
  'config',
  'model',
  'device',
  'models-dir',
  'hub-url',
  'catalog',
] as const;

export type SettingName = (typeof SETTING_NAMES)[number];
export type EngineSettings = Partial<Record<SettingName, string>>;

const ENV_NAMES: Record<SettingName, string> = {
  port: 'LOCALSCRIBE_PORT',
  config: 'LOCALSCRIBE_CONFIG',
  model: 'LOCALSCRIBE_MODEL',
  device: 'LOCALSCRIBE_DEVICE',
  'models-dir': 'LOCALSCRIBE_MODELS_DIR',
  'hub-url': 'LOCALSCRIBE_HUB_URL',
  catalog: 'LOCALSCRIBE_CATALOG',
};

// The service starts in another folder (systemd: the home; Task Scheduler: the data folder; launchd: /).
const PATH_SETTINGS: ReadonlySet<SettingName> = new Set(['config', 'model', 'models-dir', 'catalog']);

/** The file in the data folder. */
export function settingsFile(dataDir: string): string {
  return path.join(dataDir, 'engine-settings.json');
}

/**
 * The settings setup kept; none when it kept none.
 * @throws {ConfigError} naming the file when it is not a JSON object of strings.
 */
export function readSettings(dataDir: string): EngineSettings {
  const file = settingsFile(dataDir);
  if (!existsSync(file)) return {};
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // reported below
  }
  const valid =
    parsed !== null &&
    typeof parsed === 'object' &&
    !Array.isArray(parsed) &&
    Object.entries(parsed).every(
      ([k, v]) => SETTING_NAMES.includes(k as SettingName) && typeof v === 'string',
    );
  if (!valid) {
    throw new ConfigError(
      `${file} is not a settings file LocalScribe wrote; delete it, then run this command again (setup keeps new settings the next time it is given them).`,
    );
  }
  return parsed as EngineSettings;
}

/**
 * Each setting from its flag, else its LOCALSCRIBE_* variable, else what setup kept; paths made absolute. What is in
 * none of them is left to the engine (its config file, then its default).
 */
export function chooseSettings(
  flags: Partial<Record<SettingName, string | undefined>>,
  env: NodeJS.ProcessEnv,
  kept: EngineSettings,
): EngineSettings {
  const chosen: EngineSettings = {};
  for (const name of SETTING_NAMES) {
    const value = flags[name] ?? (env[ENV_NAMES[name]] || undefined) ?? kept[name];
    if (value !== undefined) chosen[name] = PATH_SETTINGS.has(name) ? path.resolve(value) : value;
  }
  return chosen;
}

/** Keeps `settings` for the service and later commands; returns the record entries for what it created. */
export function keepSettings(dataDir: string, settings: EngineSettings): InstallEntry[] {
  const file = settingsFile(dataDir);
  if (Object.keys(settings).length === 0 && !existsSync(file)) return [];
  return writeOwnedFile(file, `${JSON.stringify(settings, null, 2)}\n`).entries;
}

/** The settings as `serve`'s flags, in a fixed order. */
export function settingsArgs(settings: EngineSettings): string[] {
  return SETTING_NAMES.flatMap((name) => (settings[name] === undefined ? [] : [`--${name}`, settings[name]]));
}
