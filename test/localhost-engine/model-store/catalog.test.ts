/**
 * The shipped catalog: valid against its schema, the schema file equal to the TypeBox source, one default per
 * device, and the refusals that keep ids and paths safe.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  Catalog,
  CatalogError,
  defaultEntryFor,
  DEFAULT_CATALOG_FILE,
  isModelId,
  loadCatalog,
  parseCatalog,
  preferredDevice,
} from '../../../localhost-engine/model-store/catalog';

const ROOT = path.join(__dirname, '..', '..', '..');

describe('models/catalog.json', () => {
  const catalog = loadCatalog();

  it('is the shipped catalog and validates', () => {
    expect(DEFAULT_CATALOG_FILE).toBe(path.join(ROOT, 'models', 'catalog.json'));
    expect(catalog.models.map((m) => m.id)).toEqual([
      'phi-3-mini-4k-instruct-cpu-int4',
      'phi-3-mini-4k-instruct-dml-int4-awq',
      'phi-3-mini-4k-instruct-q4',
      'phi-3.5-mini-instruct-q4f16-web',
    ]);
  });

  it('has a schema file equal to the TypeBox schema', () => {
    const file = JSON.parse(readFileSync(path.join(ROOT, 'models', 'catalog.schema.json'), 'utf8'));
    const { $schema: _draft, ...schema } = file;
    expect(schema).toEqual(JSON.parse(JSON.stringify(Catalog)));
  });

  it('offers DirectML int4 AWQ on Windows, the CPU int4 build elsewhere, q4f16 for WebGPU', () => {
    expect(defaultEntryFor(catalog, preferredDevice('auto', 'win32')).id).toBe(
      'phi-3-mini-4k-instruct-dml-int4-awq',
    );
    expect(defaultEntryFor(catalog, preferredDevice('auto', 'linux')).id).toBe(
      'phi-3-mini-4k-instruct-cpu-int4',
    );
    expect(defaultEntryFor(catalog, 'webgpu').id).toBe('phi-3.5-mini-instruct-q4f16-web');
  });

  it('never fetches genai_config.json for a transformers.js entry (the loader would take it for GenAI)', () => {
    for (const m of catalog.models.filter((e) => e.layout === 'transformers')) {
      expect(m.files).not.toContain('genai_config.json');
      expect(m.files.some((f) => /^onnx\/model_[a-z0-9]+\.onnx$/.test(f))).toBe(true);
    }
    for (const m of catalog.models.filter((e) => e.layout === 'genai'))
      expect(m.files).toContain('genai_config.json');
  });
});

describe('catalog validation', () => {
  const valid = loadCatalog();
  const withEntry = (patch: object): unknown => ({ ...valid, models: [{ ...valid.models[0], ...patch }] });

  it.each([
    ['an id with a path separator', { id: '../evil' }],
    ['a file path that climbs out', { files: ['../../etc/passwd'] }],
    ['an absolute file path', { files: ['/etc/passwd'] }],
    ['a folder with ".."', { folder: 'a/../../b' }],
    ['a default device it does not list', { defaultFor: ['webgpu'] }],
    ['an unknown field', { url: 'https://example.com/model.onnx' }],
  ])('refuses %s', (_what, patch) => {
    expect(() => parseCatalog(withEntry(patch), 'test')).toThrow(CatalogError);
  });

  it('refuses a duplicate id', () => {
    expect(() => parseCatalog({ ...valid, models: [valid.models[0], valid.models[0]] }, 'test')).toThrow(
      'test lists the model id "phi-3-mini-4k-instruct-cpu-int4" twice.',
    );
  });

  it('knows a model id when it sees one', () => {
    expect(isModelId('phi-3.5-mini-instruct-q4f16-web')).toBe(true);
    for (const bad of ['', '.x', 'a..b', 'A', 'a/b', 'a\\b', 'x'.repeat(65)])
      expect(isModelId(bad)).toBe(false);
  });
});
