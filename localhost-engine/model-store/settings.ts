/**
 * Model-store settings, with the engine's precedence: flags, then environment variables, then the JSON config file
 * (`--config FILE`, `LOCALSCRIBE_CONFIG`, or `config.json` in the user data folder), then defaults.
 * - hub URL: `--hub-url`, `LOCALSCRIBE_HUB_URL`, `"hubUrl"`, https://huggingface.co (an organization's mirror
 *   serving the same URL shapes works);
 * - models folder: `--models-dir`, `LOCALSCRIBE_MODELS_DIR`, `"modelsDir"`, `<user data folder>/models`;
 * - catalog: `--catalog`, `LOCALSCRIBE_CATALOG`, `"catalog"`, the shipped `models/catalog.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config';
import { userDataDir } from '../paths';
import { DEFAULT_CATALOG_FILE } from './catalog';
import { DEFAULT_HUB_URL, resolveModelsDir } from './locations';

export interface ModelSettings {
  hubUrl: string;
  modelsDir: string;
  catalogFile: string;
}

export type ModelFlags = Partial<Record<'hubUrl' | 'modelsDir' | 'catalog' | 'config', string>>;

function configFile(flags: ModelFlags, env: NodeJS.ProcessEnv): Record<string, unknown> {
  const named = flags.config ?? env.LOCALSCRIBE_CONFIG;
  const file = named ?? path.join(userDataDir(env), 'config.json');
  if (!existsSync(file)) return {}; // a named file that is missing is reported by resolveConfig
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch (err) {
    throw new ConfigError(`The config file ${file} is not valid: ${(err as Error).message}.`);
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Resolves where models come from and go to.
 * @throws ConfigError when the hub URL is not an http(s) URL or the config file is not valid JSON.
 */
export function resolveModelSettings(
  flags: ModelFlags = {},
  env: NodeJS.ProcessEnv = process.env,
): ModelSettings {
  const file = configFile(flags, env);
  const hubUrl = flags.hubUrl ?? text(env.LOCALSCRIBE_HUB_URL) ?? text(file.hubUrl) ?? DEFAULT_HUB_URL;
  let parsed: URL | null = null;
  try {
    parsed = new URL(hubUrl);
  } catch {
    // reported below
  }
  if (!parsed || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) {
    throw new ConfigError(`The hub URL "${hubUrl}" is not an https:// (or http://) URL.`);
  }
  const modelsDirFlag = flags.modelsDir ?? text(env.LOCALSCRIBE_MODELS_DIR) ?? text(file.modelsDir);
  const catalog = flags.catalog ?? text(env.LOCALSCRIBE_CATALOG) ?? text(file.catalog);
  return {
    hubUrl: parsed.href.replace(/\/+$/, ''),
    modelsDir: resolveModelsDir(modelsDirFlag, env),
    catalogFile: catalog ? path.resolve(catalog) : DEFAULT_CATALOG_FILE,
  };
}
