/**
 * OpenAI-compatible servers the user named, on the user's side of the machine only: the config file's `upstreams`
 * or the command line's `--upstream URL --upstream-model NAME`. A request never names a URL; it names an upstream
 * by the id given here. An API key is never in the config itself, only the name of the environment variable that
 * holds it.
 */
import { readFileSync } from 'node:fs';
import { BACKEND_ID_PATTERN } from '../api/schemas';
import { ConfigError } from '../config-error';

export interface UpstreamConfig {
  /** How the pane and requests name it (`options.backend`). */
  id: string;
  /** The server's OpenAI-compatible base (`http://localhost:11434/v1`); chats go to `{baseUrl}/chat/completions`. */
  baseUrl: string;
  model: string;
  /** Prompt and answer tokens the server accepts; null: what `/v1/models` says, else `DEFAULT_UPSTREAM_CONTEXT`. */
  contextLength: number | null;
  /** The environment variable that holds the API key (never the key); null: no key. */
  apiKeyEnv: string | null;
  /** An extra certificate authority to trust (PEM), for a server with an internal CA. */
  ca: string | null;
  /** Plain http to a host that is not on loopback, allowed explicitly. */
  allowHttp: boolean;
}

/** The command line's upstream, one at most. */
export interface UpstreamFlags {
  upstream?: string;
  upstreamModel?: string;
  upstreamContext?: string;
  upstreamKeyEnv?: string;
  upstreamCa?: string;
  upstreamAllowHttp?: boolean;
}

/** The id of the upstream named on the command line. */
export const COMMAND_LINE_UPSTREAM_ID = 'upstream';

const ID = new RegExp(BACKEND_ID_PATTERN);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const MIN_CONTEXT = 256;
const MAX_CONTEXT = 1_048_576;

/** True for names and addresses that stay on this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}

/** The base URL checked and normalized; `where` names the setting in messages. */
function baseUrl(text: string, allowHttp: boolean, where: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${where}: "${text}" is not a URL (for example http://localhost:11434/v1).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`${where}: "${text}" must start with https:// or http://.`);
  }
  if (url.username || url.password) {
    throw new ConfigError(
      `${where}: the URL must not hold credentials; put the API key in an environment variable and name it with --upstream-key-env (or "apiKeyEnv").`,
    );
  }
  if (url.search || url.hash) {
    throw new ConfigError(`${where}: "${text}" must not have a query or fragment.`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !allowHttp) {
    throw new ConfigError(
      `${where}: ${url.host} is not on this computer, so text would cross the network unencrypted; use https://, or allow plain http explicitly with --upstream-allow-http (or "allowHttp": true).`,
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}${path === '' ? '/v1' : path}`;
}

function contextLength(value: unknown, where: string): number | null {
  if (value === undefined || value === null) return null;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < MIN_CONTEXT || n > MAX_CONTEXT) {
    throw new ConfigError(
      `${where}: the context size "${String(value)}" is not a whole number of tokens from ${MIN_CONTEXT} to ${MAX_CONTEXT}.`,
    );
  }
  return n;
}

/** Checks that the named variable holds a usable key; the message never shows the key. */
function apiKeyEnv(value: unknown, env: NodeJS.ProcessEnv, where: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !ENV_NAME.test(value)) {
    throw new ConfigError(
      `${where}: the API key setting names an environment variable (letters, digits and _), not the key itself.`,
    );
  }
  const key = env[value];
  if (!key) throw new ConfigError(`${where}: the environment variable ${value} (the API key) is not set.`);
  if (/[\s\p{Cc}]/u.test(key)) {
    throw new ConfigError(`${where}: the environment variable ${value} holds spaces or control characters.`);
  }
  return value;
}

function caFile(value: unknown, where: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ConfigError(`${where}: "caFile" must be a file name.`);
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw new ConfigError(`${where}: the CA file ${value} cannot be read (${(err as Error).message}).`);
  }
}

function modelName(value: unknown, where: string): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > 256 || /\p{Cc}/u.test(value)) {
    throw new ConfigError(`${where}: name the model the server should run (--upstream-model, "model").`);
  }
  return value.trim();
}

function fromFileEntry(entry: unknown, index: number, env: NodeJS.ProcessEnv): UpstreamConfig {
  const where = `upstreams[${index}] in the config file`;
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) {
    throw new ConfigError(`${where}: expected an object with "id", "url" and "model".`);
  }
  const e = entry as Record<string, unknown>;
  const known = ['id', 'url', 'model', 'contextLength', 'apiKeyEnv', 'caFile', 'allowHttp'];
  const unknown = Object.keys(e).find((k) => !known.includes(k));
  if (unknown) throw new ConfigError(`${where}: unknown setting "${unknown}" (known: ${known.join(', ')}).`);
  if (typeof e.id !== 'string' || !ID.test(e.id) || e.id === 'local') {
    throw new ConfigError(
      `${where}: "id" must be lower-case letters, digits and dashes (up to 32), and not "local".`,
    );
  }
  if (typeof e.url !== 'string') throw new ConfigError(`${where}: "url" is missing.`);
  if (e.allowHttp !== undefined && typeof e.allowHttp !== 'boolean') {
    throw new ConfigError(`${where}: "allowHttp" must be true or false.`);
  }
  const allowHttp = e.allowHttp === true;
  return {
    id: e.id,
    baseUrl: baseUrl(e.url, allowHttp, where),
    model: modelName(e.model, where),
    contextLength: contextLength(e.contextLength, where),
    apiKeyEnv: apiKeyEnv(e.apiKeyEnv, env, where),
    ca: caFile(e.caFile, where),
    allowHttp,
  };
}

function fromFlags(flags: UpstreamFlags, env: NodeJS.ProcessEnv): UpstreamConfig | null {
  const where = '--upstream';
  const extras = [
    flags.upstreamModel && '--upstream-model',
    flags.upstreamContext && '--upstream-context',
    flags.upstreamKeyEnv && '--upstream-key-env',
    flags.upstreamCa && '--upstream-ca',
    flags.upstreamAllowHttp && '--upstream-allow-http',
  ].filter(Boolean);
  if (flags.upstream === undefined) {
    if (extras.length > 0) throw new ConfigError(`${extras[0]} needs --upstream URL.`);
    return null;
  }
  const allowHttp = flags.upstreamAllowHttp === true;
  return {
    id: COMMAND_LINE_UPSTREAM_ID,
    baseUrl: baseUrl(flags.upstream, allowHttp, where),
    model: modelName(flags.upstreamModel, where),
    contextLength: contextLength(flags.upstreamContext, '--upstream-context'),
    apiKeyEnv: apiKeyEnv(flags.upstreamKeyEnv, env, '--upstream-key-env'),
    ca: caFile(flags.upstreamCa, '--upstream-ca'),
    allowHttp,
  };
}

/**
 * The upstreams of the config file's `upstreams` array and of the command line (which replaces a file entry with
 * the same id), checked: a URL without credentials, https unless the host is on loopback or plain http is allowed
 * explicitly, a model name, a context size in range, a set API key variable, a readable CA file, unique ids.
 * @throws ConfigError naming the setting and what to do; never showing an API key.
 */
export function resolveUpstreams(
  flags: UpstreamFlags,
  fileValue: unknown,
  env: NodeJS.ProcessEnv,
): UpstreamConfig[] {
  if (fileValue !== undefined && !Array.isArray(fileValue)) {
    throw new ConfigError('"upstreams" in the config file must be an array.');
  }
  const fromFile = (fileValue ?? []).map((e, i) => fromFileEntry(e, i, env));
  const ids = new Set<string>();
  for (const u of fromFile) {
    if (ids.has(u.id)) throw new ConfigError(`Two upstreams in the config file have the id "${u.id}".`);
    ids.add(u.id);
  }
  const cli = fromFlags(flags, env);
  return cli ? [...fromFile.filter((u) => u.id !== cli.id), cli] : fromFile;
}
