/**
 * `localscribe models …` as a user runs it: a real process against the fake hub (trusted through
 * NODE_EXTRA_CA_CERTS, as an organization's mirror with its own CA would be), and the progress display.
 */
import { mkdtempSync, openSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TerminalProgress } from '../../../localhost-engine/model-store/terminal-progress';
import { addTinyModels, FakeHub } from '../../helpers/fake-hub';
import { runProcess, type Ran } from '../../helpers/run-process';

const BIN = path.join(__dirname, '..', '..', '..', 'bin', 'localscribe.js');

let hub: FakeHub;
let env: NodeJS.ProcessEnv;

function run(args: string[]): Promise<Ran> {
  return runProcess(process.execPath, [BIN, 'models', ...args], { env });
}

beforeAll(async () => {
  hub = await FakeHub.start();
  const tiny = await addTinyModels(hub);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ls-cli-models-'));
  writeFileSync(path.join(dir, 'catalog.json'), JSON.stringify(tiny.catalog));
  writeFileSync(path.join(dir, 'ca.pem'), hub.ca);
  env = {
    ...process.env,
    LOCALSCRIBE_HOME: path.join(dir, 'home'),
    LOCALSCRIBE_HUB_URL: hub.url,
    LOCALSCRIBE_CATALOG: path.join(dir, 'catalog.json'),
    NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.pem'),
    APPDATA: '',
  };
});
afterAll(async () => hub.close());

describe('localscribe models', () => {
  it('downloads the default model with a line per 5% on a non-TTY, then lists, verifies and removes it', async () => {
    const download = await run(['download', '--device', 'cpu']);
    expect(download.stderr).toContain('Downloading tiny-genai: 6 files');
    const percents = download.stderr.split('\n').filter((l) => /^\d+% /.test(l));
    expect(percents.length).toBeGreaterThan(3);
    expect(percents.length).toBeLessThanOrEqual(23); // one per 5% step, plus the install line
    expect(download.code).toBe(0);
    const dir = download.stdout.trim();
    expect(dir).toBe(path.join(env.LOCALSCRIBE_HOME!, 'models', 'tiny-genai'));

    const list = await run(['list', '--device', 'cpu']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/\* tiny-genai\s+installed/);
    expect(list.stdout).toMatch(/ {2}tiny-transformers\s+missing/);

    expect(await run(['verify', 'tiny-genai'])).toMatchObject({ code: 0 });
    const fd = openSync(path.join(dir, 'model.onnx.data'), 'r+');
    writeSync(fd, Buffer.from([0x42]), 0, 1, 1000);
    closeSync(fd);
    const damaged = await run(['verify', 'tiny-genai']);
    expect(damaged.code).toBe(1);
    expect(damaged.stdout).toContain('tiny-genai is damaged:\n  model.onnx.data is damaged: its SHA-256 is');

    const removed = await run(['remove', 'tiny-genai']);
    expect(removed).toMatchObject({ code: 0, stdout: `Removed ${dir}\n` });
  });

  it('refuses what is not a catalog id, with the usage', async () => {
    const bad = await run(['download', '../etc']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"../etc" is not a model id');
    const unknown = await run(['download', 'nope']);
    expect(unknown).toMatchObject({ code: 1, stderr: 'There is no model "nope" in the catalog.\n' });
  });
});

describe('the terminal progress display', () => {
  function capture(isTTY: boolean): {
    out: { write(t: string): void; isTTY: boolean; columns: number };
    text: () => string;
  } {
    let text = '';
    return { out: { write: (t: string) => void (text += t), isTTY, columns: 80 }, text: () => text };
  }
  const progress = (received: number) =>
    ({
      type: 'progress',
      stage: 'download',
      file: 'model.onnx.data',
      receivedBytes: received,
      totalBytes: 2_000_000_000,
      bytesPerSecond: 20_000_000,
      etaSeconds: (2_000_000_000 - received) / 20_000_000,
    }) as const;

  it('redraws one bar in place on a TTY, with bytes, rate and time left', () => {
    const c = capture(true);
    const p = new TerminalProgress(c.out);
    p.update(progress(500_000_000));
    p.update(progress(1_000_000_000));
    expect(c.text()).toContain('\r[######------------------]  25% 500 MB of 2.00 GB, 20.0 MB/s, 1 min left');
    expect(c.text()).toContain('\r[############------------]  50% 1.00 GB of 2.00 GB, 20.0 MB/s, 50 s left');
    expect(c.text()).not.toContain('\n');
  });

  it('writes a plain line per 5% when not a TTY', () => {
    const c = capture(false);
    const p = new TerminalProgress(c.out);
    for (let b = 0; b <= 2_000_000_000; b += 10_000_000) p.update(progress(b));
    expect(c.text().trim().split('\n')).toHaveLength(21);
  });
});
