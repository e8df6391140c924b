import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, resolveConfig } from '../../localhost-engine/config';
import { localModelOptions } from '../../localhost-engine/server';

describe('resolveConfig', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'ls-config-'));
  const env = { LOCALSCRIBE_HOME: home };

  it('takes flags over environment over the config file over defaults', () => {
    const file = path.join(home, 'c.json');
    writeFileSync(file, JSON.stringify({ port: 4000, device: 'webgpu', model: '/m/file' }));
    expect(resolveConfig({ config: file }, env)).toMatchObject({
      port: 4000,
      device: 'webgpu',
      modelDir: path.resolve('/m/file'),
    });
    expect(
      resolveConfig({ config: file }, { ...env, LOCALSCRIBE_DEVICE: 'cpu', LOCALSCRIBE_PORT: '4100' }),
    ).toMatchObject({ port: 4100, device: 'cpu' });
    expect(
      resolveConfig({ config: file, device: 'dml', port: '4200' }, { ...env, LOCALSCRIBE_DEVICE: 'cpu' }),
    ).toMatchObject({ port: 4200, device: 'dml' });
    expect(resolveConfig({}, env)).toMatchObject({
      port: 3000,
      device: 'auto',
      host: 'localhost',
      optimizedCopy: true,
      kvCache: 'float16',
    });
    expect(resolveConfig({}, { ...env, LOCALSCRIBE_OPTIMIZED_COPY: 'off' }).optimizedCopy).toBe(false);
    expect(resolveConfig({}, { ...env, LOCALSCRIBE_KV_CACHE: 'model' }).kvCache).toBe('model');
    expect(resolveConfig({ kvCache: 'float16' }, { ...env, LOCALSCRIBE_KV_CACHE: 'model' }).kvCache).toBe(
      'float16',
    );
    expect(
      resolveConfig({ optimizedCopy: 'on' }, { ...env, LOCALSCRIBE_OPTIMIZED_COPY: 'off' }).optimizedCopy,
    ).toBe(true);
    expect(resolveConfig({}, env).modelDir.startsWith(home)).toBe(true);
  });

  it('names the bad value', () => {
    expect(() => resolveConfig({ device: 'cuda' }, env)).toThrow(
      /"cuda" is not one of auto, dml, webgpu, cpu/,
    );
    expect(() => resolveConfig({ port: 'x' }, env)).toThrow(ConfigError);
    expect(() => resolveConfig({ optimizedCopy: 'maybe' }, env)).toThrow(/"maybe" is not on or off/);
    expect(() => resolveConfig({ kvCache: 'int8' }, env)).toThrow(/"int8" is not one of float16, model/);
    expect(() => resolveConfig({ config: path.join(home, 'missing.json') }, env)).toThrow(/does not exist/);
    const bad = path.join(home, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect(() => resolveConfig({ config: bad }, env)).toThrow(/not valid/);
  });

  it('reuses the predecessor DirectML folder when LocalScribe has none of its own', () => {
    const appData = mkdtempSync(path.join(os.tmpdir(), 'ls-appdata-'));
    const old = path.join(appData, 'LocalScribe', 'models', 'phi-3-mini-onnx-directml');
    mkdirSync(old, { recursive: true });
    writeFileSync(path.join(old, 'genai_config.json'), '{}');
    expect(resolveConfig({}, { ...env, APPDATA: appData }).modelDir).toBe(old);
  });
});

describe('localModelOptions', () => {
  it("gives the local model's worker the device, the optimized copy and the KV cache the settings name", () => {
    const env = { LOCALSCRIBE_HOME: mkdtempSync(path.join(os.tmpdir(), 'ls-config-')) };
    const config = resolveConfig({ device: 'cpu', optimizedCopy: 'off', kvCache: 'model' }, env);
    expect(localModelOptions(config, '/models/m')).toEqual({
      modelDir: '/models/m',
      device: 'cpu',
      optimizedModelsDir: null,
      kvCache: 'model',
    });
    expect(localModelOptions(resolveConfig({}, env), '/models/m')).toMatchObject({
      device: 'auto',
      optimizedModelsDir: undefined,
      kvCache: 'float16',
    });
  });
});
