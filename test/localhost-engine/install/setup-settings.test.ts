/**
 * The settings setup keeps for the login service: a damaged file is refused with a message that says what to do,
 * and each setting comes from its flag, else its variable, else what setup kept, paths made absolute.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../localhost-engine/config-error';
import { chooseSettings, readSettings, settingsFile } from '../../../localhost-engine/install/setup-settings';

describe('setup settings', () => {
  it('refuses a file it did not write, saying to delete it and run the command again', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ls-settings-'));
    expect(readSettings(dir)).toEqual({});
    for (const bad of ['{ nope', '[]', '{"port": 3000}', '{"colour": "blue"}']) {
      writeFileSync(settingsFile(dir), bad);
      expect(() => readSettings(dir)).toThrow(ConfigError);
      expect(() => readSettings(dir)).toThrow(/delete it, then run this command again/);
    }
    writeFileSync(settingsFile(dir), '{"port": "4000"}');
    expect(readSettings(dir)).toEqual({ port: '4000' });
  });

  it('takes a flag over its variable over what setup kept, and makes paths absolute', () => {
    const kept = { port: '4000', device: 'cpu', model: '/kept/model' };
    const env = { LOCALSCRIBE_PORT: '5000', LOCALSCRIBE_DEVICE: '' };
    expect(chooseSettings({ port: '6000', 'models-dir': 'models' }, env, kept)).toEqual({
      port: '6000',
      device: 'cpu',
      model: path.resolve('/kept/model'),
      'models-dir': path.resolve('models'),
    });
    expect(chooseSettings({}, env, kept).port).toBe('5000');
    expect(chooseSettings({}, {}, {})).toEqual({});
  });
});
