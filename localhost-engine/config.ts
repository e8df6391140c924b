/**
 * Engine settings from, in order of precedence: command-line flags, environment variables, a JSON config file
 * (`--config FILE`, `LOCALSCRIBE_CONFIG`, or `config.json` in the user data folder), then defaults.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config-error';
import type { DeviceOption, KvCacheOption } from './inference/worker-protocol';
import { DEFAULT_MODEL_NAME, predecessorModelDir, userDataDir } from './paths';
import { resolveUpstreams, type UpstreamConfig, type UpstreamFlags } from './upstream/upstream-config';

export { ConfigError };

export interface EngineConfig {
  port: number;
  /** Loopback only unless the user explicitly asks otherwise. */
  host: string;
  modelDir: string;
  device: DeviceOption;
  certFile: string | null;
  keyFile: string | null;
  /**
   * Keep an optimized copy of a CPU model (weights prepacked by onnxruntime; about twice the model's size on disk),
   * whose weights are memory-mapped (`inference/optimized-model.ts`). On by default.
   */
  optimizedCopy: boolean;
  /**
   * The CPU's KV cache: `float16` (default) keeps a float32 model's cache at half the memory, as llama.cpp does;
   * `model` keeps the model's own type, a little faster at long contexts (BENCHMARKS.md's memory section).
   */
  kvCache: KvCacheOption;
  /** OpenAI-compatible servers the user named (`upstream/upstream-config.ts`); none by default. */
  upstreams?: UpstreamConfig[];
}

export type Flags = Partial<
  Record<
    'port' | 'host' | 'model' | 'device' | 'config' | 'cert' | 'key' | 'optimizedCopy' | 'kvCache',
    string
  >
> &
  UpstreamFlags;

const DEVICES: DeviceOption[] = ['auto', 'dml', 'webgpu', 'cpu'];
const KV_CACHES: KvCacheOption[] = ['float16', 'model'];

function readConfigFile(file: string, required: boolean): Record<string, unknown> {
  if (!existsSync(file)) {
    if (required) throw new ConfigError(`The config file ${file} does not exist.`);
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`The config file ${file} is not valid: ${(err as Error).message}.`);
  }
}

function pick(
  flag: string | undefined,
  envValue: string | undefined,
  fileValue: unknown,
): string | undefined {
  if (flag !== undefined) return flag;
  if (envValue !== undefined && envValue !== '') return envValue;
  if (fileValue !== undefined && fileValue !== null) return String(fileValue);
  return undefined;
}

function defaultModelDir(env: NodeJS.ProcessEnv): string {
  const own = path.join(userDataDir(env), 'models', DEFAULT_MODEL_NAME);
  const old = predecessorModelDir(env);
  return !existsSync(own) && old && existsSync(path.join(old, 'genai_config.json')) ? old : own;
}

/**
 * Resolves the engine's settings.
 * @throws ConfigError naming the bad value and where it came from.
 */
export function resolveConfig(flags: Flags = {}, env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const fileName = flags.config ?? env.LOCALSCRIBE_CONFIG;
  const file = readConfigFile(fileName ?? path.join(userDataDir(env), 'config.json'), fileName !== undefined);

  const portText = pick(flags.port, env.LOCALSCRIBE_PORT, file.port) ?? '3000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`The port "${portText}" is not a number between 0 and 65535.`);
  }
  const device = (pick(flags.device, env.LOCALSCRIBE_DEVICE, file.device) ?? 'auto') as DeviceOption;
  if (!DEVICES.includes(device)) {
    throw new ConfigError(`The device "${device}" is not one of ${DEVICES.join(', ')}.`);
  }
  const model = pick(flags.model, env.LOCALSCRIBE_MODEL, file.model);
  const copy = pick(flags.optimizedCopy, env.LOCALSCRIBE_OPTIMIZED_COPY, file.optimizedCopy) ?? 'on';
  if (!['on', 'off', 'true', 'false'].includes(copy)) {
    throw new ConfigError(`The optimized-copy setting "${copy}" is not on or off.`);
  }
  const kvCache = (pick(flags.kvCache, env.LOCALSCRIBE_KV_CACHE, file.kvCache) ?? 'float16') as KvCacheOption;
  if (!KV_CACHES.includes(kvCache)) {
    throw new ConfigError(`The KV-cache setting "${kvCache}" is not one of ${KV_CACHES.join(', ')}.`);
  }
  return {
    port,
    host: pick(flags.host, env.LOCALSCRIBE_HOST, file.host) ?? 'localhost',
    modelDir: model ? path.resolve(model) : defaultModelDir(env),
    device,
    certFile: pick(flags.cert, env.LOCALSCRIBE_CERT, file.cert) ?? null,
    keyFile: pick(flags.key, env.LOCALSCRIBE_KEY, file.key) ?? null,
    optimizedCopy: copy === 'on' || copy === 'true',
    kvCache,
    upstreams: resolveUpstreams(flags, file.upstreams, env),
  };
}
