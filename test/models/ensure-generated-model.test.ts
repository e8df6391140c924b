import { execFile } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureGeneratedModel, STAMP_FILE } from '../../models/ensure-generated-model';
import { GENERATED_LAYOUT_NAMES } from '../../models/generated-layouts';

function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

describe('ensureGeneratedModel', () => {
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'localscribe-models-'));
  });

  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it.each(GENERATED_LAYOUT_NAMES)('generates byte-identical %s folders', async (layout) => {
    const a = await ensureGeneratedModel({ size: 'tiny', layout, cacheDir: path.join(tmp, 'a') });
    const b = await ensureGeneratedModel({ size: 'tiny', layout, cacheDir: path.join(tmp, 'b') });
    expect(path.basename(a)).toBe(`tiny-${layout}`);
    expect(hashes(a)).toEqual(hashes(b));
  });

  it('reuses a stamped folder and regenerates one whose stamp differs', async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'genai', cacheDir: tmp });
    const marker = path.join(dir, 'marker');
    fs.writeFileSync(marker, '');
    expect(await ensureGeneratedModel({ size: 'tiny', layout: 'genai', cacheDir: tmp })).toBe(dir);
    expect(fs.existsSync(marker)).toBe(true);

    fs.writeFileSync(path.join(dir, STAMP_FILE), '{"generatorVersion":"old"}');
    await ensureGeneratedModel({ size: 'tiny', layout: 'genai', cacheDir: tmp });
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.existsSync(path.join(dir, 'model.onnx'))).toBe(true);
  });

  it('treats a folder without a stamp (an interrupted generation) as missing and leaves no temp folders', async () => {
    const dir = path.join(tmp, 'tiny-genai');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'model.onnx'), 'truncated');
    await ensureGeneratedModel({ size: 'tiny', layout: 'genai', cacheDir: tmp });
    expect(fs.statSync(path.join(dir, 'model.onnx')).size).toBeGreaterThan(1000);
    expect(fs.readdirSync(tmp)).toEqual(['tiny-genai']);
  });

  it('survives concurrent generation of the same folder by several processes (the CLI)', async () => {
    const tsx = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
    const cli = path.join(__dirname, '..', '..', 'models', 'generate.ts');
    const runs = [1, 2, 3].map(
      () =>
        new Promise<string>((resolve, reject) => {
          execFile(
            process.execPath,
            [tsx, cli, '--size', 'tiny', '--layout', 'genai', '--cache-dir', tmp],
            (err, stdout) => (err ? reject(err) : resolve(stdout.split('\t')[0])),
          );
        }),
    );
    const dirs = await Promise.all(runs);
    expect(dirs).toEqual([1, 2, 3].map(() => path.join(tmp, 'tiny-genai')));
    expect(fs.readdirSync(tmp)).toEqual(['tiny-genai']);
    expect(fs.readFileSync(path.join(tmp, 'tiny-genai', STAMP_FILE), 'utf8')).toContain('"layout": "genai"');
  });
});
