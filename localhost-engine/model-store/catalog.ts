/**
 * The model catalog (`models/catalog.json`): the models LocalScribe knows how to download, where on the hub each
 * one lives and which files make it up. Model ids come only from here; a request names an id, never a path or URL.
 * The TypeBox schema below is the source of truth; `models/catalog.schema.json` is the same schema for editors
 * (a test keeps the two equal).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { MODEL_ID_PATTERN } from '../api/schemas';
import type { DeviceOption } from '../inference/worker-protocol';

/** Ids are short, lower-case and safe as a folder name: no separators, no leading dot, no "..". */
export { MODEL_ID_PATTERN };
export const MODEL_ID_MAX_LENGTH = 64;

/** A path inside a hub repository: relative, forward slashes, no "." or ".." segments, no backslashes. */
const HUB_PATH = '(?!.*(?:^|/)\\.{1,2}(?:/|$))[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*';

export const CatalogDevice = Type.Union([Type.Literal('cpu'), Type.Literal('dml'), Type.Literal('webgpu')]);
export type CatalogDevice = Static<typeof CatalogDevice>;

export const CatalogEntry = Type.Object(
  {
    id: Type.String({ pattern: MODEL_ID_PATTERN, maxLength: MODEL_ID_MAX_LENGTH }),
    name: Type.String({ minLength: 1 }),
    /** `owner/name` on the hub. */
    repo: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    /** A branch name or a 40-hex commit id; a commit pins the exact bytes. */
    revision: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' }),
    /** The folder inside the repository that holds the model; "" for the repository root. */
    folder: Type.String({ pattern: `^(?:${HUB_PATH})?$` }),
    /** The files to fetch, relative to `folder`; they keep these relative paths in the installed folder. */
    files: Type.Array(Type.String({ pattern: `^${HUB_PATH}$` }), { minItems: 1, uniqueItems: true }),
    layout: Type.Union([Type.Literal('genai'), Type.Literal('transformers')]),
    devices: Type.Array(CatalogDevice, { minItems: 1, uniqueItems: true }),
    /** Devices for which this entry is the one the engine offers first. */
    defaultFor: Type.Array(CatalogDevice, { uniqueItems: true }),
    /** Approximate download size in bytes, for display before the hub is asked; the hub's sizes are used for checks. */
    approxBytes: Type.Integer({ minimum: 1 }),
    contextLength: Type.Integer({ minimum: 1 }),
    /** What was and was not checked about this entry (file names, sizes, revision), for the next maintainer. */
    comment: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type CatalogEntry = Static<typeof CatalogEntry>;

export const Catalog = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    catalogVersion: Type.Literal(1),
    comment: Type.Optional(Type.String()),
    models: Type.Array(CatalogEntry, { minItems: 1 }),
  },
  { additionalProperties: false, title: 'LocalScribe model catalog' },
);
export type Catalog = Static<typeof Catalog>;

const check = TypeCompiler.Compile(Catalog);

/** A catalog file that cannot be used, with the file and the first problem. */
export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CatalogError';
  }
}

const ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

/** The catalog shipped with LocalScribe. */
export const DEFAULT_CATALOG_FILE = path.join(ROOT, 'models', 'catalog.json');

/**
 * Validates a parsed catalog: the schema, then what a schema cannot say (unique ids, each default device listed
 * among the entry's devices, at most one default per device).
 * @throws CatalogError naming `source` and the first problem.
 */
export function parseCatalog(value: unknown, source = 'the catalog'): Catalog {
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    throw new CatalogError(
      `${source} is not a valid model catalog: ${first ? `${first.path || '/'}: ${first.message}` : 'invalid'}.`,
    );
  }
  const ids = new Set<string>();
  const defaults = new Map<string, string>();
  for (const entry of value.models) {
    if (ids.has(entry.id)) throw new CatalogError(`${source} lists the model id "${entry.id}" twice.`);
    ids.add(entry.id);
    for (const device of entry.defaultFor) {
      if (!entry.devices.includes(device)) {
        throw new CatalogError(`${source}: "${entry.id}" is the default for ${device} but does not list it.`);
      }
      const other = defaults.get(device);
      if (other)
        throw new CatalogError(`${source}: both "${other}" and "${entry.id}" are the default for ${device}.`);
      defaults.set(device, entry.id);
    }
  }
  return value;
}

/**
 * Reads and validates a catalog file (default: the shipped `models/catalog.json`).
 * @throws CatalogError when the file cannot be read, is not JSON, or is not a valid catalog.
 */
export function loadCatalog(file: string = DEFAULT_CATALOG_FILE): Catalog {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CatalogError(`Cannot read the model catalog ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new CatalogError(`The model catalog ${file} is not valid JSON (${(err as Error).message}).`);
  }
  return parseCatalog(parsed, `The model catalog ${file}`);
}

/** True when `id` has the shape of a model id (checked before any lookup). */
export function isModelId(id: string): boolean {
  return id.length <= MODEL_ID_MAX_LENGTH && new RegExp(MODEL_ID_PATTERN).test(id);
}

/** The concrete device an engine option stands for before a model is loaded: `auto` is DirectML on Windows. */
export function preferredDevice(
  device: DeviceOption,
  platform: NodeJS.Platform = process.platform,
): CatalogDevice {
  if (device !== 'auto') return device;
  return platform === 'win32' ? 'dml' : 'cpu';
}

/** The entries that suit `device`, its default first, then the others that list it, then the rest. */
export function entriesFor(catalog: Catalog, device: CatalogDevice): CatalogEntry[] {
  const rank = (e: CatalogEntry): number =>
    e.defaultFor.includes(device) ? 0 : e.devices.includes(device) ? 1 : 2;
  return [...catalog.models].sort((a, b) => rank(a) - rank(b));
}

/** The entry the engine offers for `device`. */
export function defaultEntryFor(catalog: Catalog, device: CatalogDevice): CatalogEntry {
  return entriesFor(catalog, device)[0];
}
