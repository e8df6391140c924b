/**
 * The downloader against a fake hub over HTTPS serving the tiny generated models: a full install, resumes that
 * fetch only the missing bytes, and every failure ending in a clear error with the models folder left clean.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inspectModelFolder } from '../../../localhost-engine/inference/model-folder';
import type { CatalogEntry } from '../../../localhost-engine/model-store/catalog';
import { DownloadError } from '../../../localhost-engine/model-store/download-error';
import {
  downloadModel,
  type DownloaderEvent,
  type DownloadOptions,
} from '../../../localhost-engine/model-store/downloader';
import { nodeFileWriter, type FileWriter } from '../../../localhost-engine/model-store/file-writer';
import { HubClient } from '../../../localhost-engine/model-store/hub-client';
import { downloadPaths, INSTALL_RECORD } from '../../../localhost-engine/model-store/locations';
import { addTinyModels, FakeHub, type TinyModels } from '../../helpers/fake-hub';

let hub: FakeHub;
let tiny: TinyModels;
let modelsDir: string;

const DATA = 'model.onnx.data';

function hubPath(entry: CatalogEntry, file: string): string {
  return entry.folder ? `${entry.folder}/${file}` : file;
}

function totalSize(entry: CatalogEntry): number {
  return entry.files.reduce((n, f) => n + hub.content(entry.repo, hubPath(entry, f)).length, 0);
}

function client(stallMs = 2000): HubClient {
  return new HubClient({ baseUrl: hub.url, ca: hub.ca, stallMs });
}

function run(
  entry: CatalogEntry,
  opts: Partial<DownloadOptions> = {},
): Promise<Awaited<ReturnType<typeof downloadModel>>> {
  return downloadModel({ entry, modelsDir, hub: client(), retryDelayMs: 0, progressIntervalMs: 0, ...opts });
}

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof DownloadError) return err;
    throw err;
  }
  throw new Error('expected the download to fail');
}

/** The models folder holds nothing: no model, no working files, no lock. */
function expectClean(): void {
  expect(readdirSync(modelsDir)).toEqual([]);
}

beforeAll(async () => {
  hub = await FakeHub.start();
  tiny = await addTinyModels(hub);
});
afterAll(async () => hub.close());
beforeEach(() => {
  hub.clearFaults();
  hub.resetCounters();
  modelsDir = mkdtempSync(path.join(os.tmpdir(), 'ls-models-'));
});

describe('a full download', () => {
  it('installs the GenAI-layout model from a repository subfolder, each byte fetched once', async () => {
    const events: DownloaderEvent[] = [];
    const result = await run(tiny.genai, { onEvent: (e) => events.push(e) });
    const dir = path.join(modelsDir, 'tiny-genai');
    expect(result).toEqual({
      dir,
      totalBytes: totalSize(tiny.genai),
      downloadedBytes: totalSize(tiny.genai),
      alreadyInstalled: false,
    });
    const model = await inspectModelFolder(dir);
    expect(model.layout).toBe('genai');
    expect(model.externalDataFiles).toEqual([path.join(dir, DATA)]);
    expect(hub.bytesServed()).toBe(totalSize(tiny.genai));
    for (const f of tiny.genai.files) {
      expect(
        readFileSync(path.join(dir, f)).equals(hub.content(tiny.genai.repo, hubPath(tiny.genai, f))),
      ).toBe(true);
    }
    // Only the model folder remains; the working files are gone, the install record is inside the model.
    expect(readdirSync(modelsDir)).toEqual(['tiny-genai']);
    expect(JSON.parse(readFileSync(path.join(dir, INSTALL_RECORD), 'utf8'))).toMatchObject({
      id: 'tiny-genai',
    });
    expect(events[0]).toMatchObject({ type: 'start', files: tiny.genai.files.length, receivedBytes: 0 });
    const last = events[events.length - 1];
    expect(last).toMatchObject({ type: 'progress', stage: 'install', receivedBytes: totalSize(tiny.genai) });
    expect(events.filter((e) => e.type === 'progress' && e.stage === 'download').length).toBeGreaterThan(2);
  });

  it('installs the transformers.js layout (files in onnx/) and says so when asked again', async () => {
    await run(tiny.transformers);
    const model = await inspectModelFolder(path.join(modelsDir, 'tiny-transformers'));
    expect(model).toMatchObject({ layout: 'transformers', dtype: 'q4' });
    hub.resetCounters();
    expect(await run(tiny.transformers)).toMatchObject({ alreadyInstalled: true });
    expect(hub.requests).toEqual([]);
  });

  it('refuses a second download of the same model while one runs', async () => {
    let release!: () => void;
    hub.fault(tiny.genai.repo, hubPath(tiny.genai, DATA), { gate: new Promise<void>((r) => (release = r)) });
    const first = run(tiny.genai);
    // The first holds the lock once it has asked for a file: wait for its request, not for time.
    while (!hub.requests.some((r) => r.url.includes('/resolve/'))) await new Promise((r) => setImmediate(r));
    const second = await failure(run(tiny.genai));
    expect(second.code).toBe('busy');
    release();
    await first;
  });
});

describe('resume', () => {
  it('resumes a dropped connection with a Range request and fetches only the missing bytes', async () => {
    const file = hubPath(tiny.genai, DATA);
    const size = hub.content(tiny.genai.repo, file).length;
    hub.fault(tiny.genai.repo, file, { dropAfterBytes: 3_000_000 });
    await run(tiny.genai);
    await inspectModelFolder(path.join(modelsDir, 'tiny-genai'));
    const ranges = hub.requests.filter((r) => r.url.endsWith(DATA) && r.url.startsWith('/cdn/'));
    expect(ranges.map((r) => r.status)).toEqual([200, 206]);
    // The resume starts where the bytes written to disk end (the last bytes in flight when the connection
    // closed may never reach the file), and asks only for the rest.
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(ranges[1].range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(2_900_000);
    expect(resumedAt).toBeLessThanOrEqual(3_000_000);
    expect(hub.bytesServed(tiny.genai.repo, file)).toBe(3_000_000 + (size - resumedAt));
  });

  it('resumes after the process was killed mid-file: a new downloader re-hashes the part and fetches the rest', async () => {
    const controller = new AbortController();
    const killed = await failure(
      run(tiny.genai, {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'progress' && e.file === DATA && e.receivedBytes > 4_000_000) controller.abort();
        },
      }),
    );
    expect(killed.code).toBe('cancelled');
    // Nothing the loader could mistake for a model; the working files stay for the resume.
    await expect(inspectModelFolder(path.join(modelsDir, 'tiny-genai'))).rejects.toMatchObject({
      code: 'model_missing',
    });
    const { staging } = downloadPaths(modelsDir, 'tiny-genai');
    const part = statSync(path.join(staging, `${DATA}.part`)).size;
    const finished = tiny.genai.files.filter((f) => existsSync(path.join(staging, f)));
    const onDisk =
      part + finished.reduce((n, f) => n + hub.content(tiny.genai.repo, hubPath(tiny.genai, f)).length, 0);
    expect(part).toBeGreaterThan(0);

    hub.resetCounters();
    const events: DownloaderEvent[] = [];
    const result = await downloadModel({
      entry: tiny.genai,
      modelsDir,
      hub: client(),
      onEvent: (e) => events.push(e),
    });
    expect(events[0]).toMatchObject({ type: 'start', receivedBytes: onDisk });
    expect(events.some((e) => e.type === 'progress' && e.stage === 'verify' && e.file === DATA)).toBe(true);
    expect(hub.requests.find((r) => r.url.endsWith(DATA) && r.url.startsWith('/cdn/'))?.range).toBe(
      `bytes=${part}-`,
    );
    expect(hub.bytesServed()).toBe(totalSize(tiny.genai) - onDisk);
    expect(result.downloadedBytes).toBe(totalSize(tiny.genai) - onDisk);
    await inspectModelFolder(result.dir);
    expect(readdirSync(modelsDir)).toEqual(['tiny-genai']);
  });

  it('starts a file over, cleanly, when the server ignores the Range header', async () => {
    const file = hubPath(tiny.genai, DATA);
    const size = hub.content(tiny.genai.repo, file).length;
    hub.fault(tiny.genai.repo, file, { dropAfterBytes: 1_000_000, ignoreRange: true });
    await run(tiny.genai);
    const dir = path.join(modelsDir, 'tiny-genai');
    expect(readFileSync(path.join(dir, DATA)).equals(hub.content(tiny.genai.repo, file))).toBe(true);
    expect(hub.bytesServed(tiny.genai.repo, file)).toBe(1_000_000 + size);
  });

  it('retries a 500 that goes away', async () => {
    hub.fault(tiny.genai.repo, hubPath(tiny.genai, 'tokenizer.json'), { status: 500, statusTimes: 2 });
    await run(tiny.genai);
    await inspectModelFolder(path.join(modelsDir, 'tiny-genai'));
  });
});

describe('failures end with a clear error and a clean models folder', () => {
  it('a corrupted byte in a large (LFS) file fails its SHA-256 and installs nothing', async () => {
    hub.fault(tiny.genai.repo, hubPath(tiny.genai, DATA), { corruptByteAt: 5_000_000 });
    const err = await failure(run(tiny.genai));
    expect(err.code).toBe('checksum_mismatch');
    expect(err.message).toMatch(
      /^model\.onnx\.data is damaged: its SHA-256 is [0-9a-f]{12}…, the hub publishes/,
    );
    expect(err.message).toContain('Nothing was installed');
    expectClean();
  });

  it('a corrupted byte in a small (git) file fails its git blob SHA-1', async () => {
    hub.fault(tiny.genai.repo, hubPath(tiny.genai, 'genai_config.json'), { corruptByteAt: 3 });
    const err = await failure(run(tiny.genai));
    expect(err.code).toBe('checksum_mismatch');
    expect(err.message).toContain('genai_config.json is damaged: its git SHA-1');
    expectClean();
  });

  it('a 404 for a file names the file and the repository', async () => {
    hub.fault(tiny.genai.repo, hubPath(tiny.genai, 'tokenizer.json'), { status: 404 });
    const err = await failure(run(tiny.genai));
    expect(err.code).toBe('not_found');
    expect(err.message).toBe(
      'The hub has no tokenizer.json of test-org/tiny-phi3-onnx at revision main (404 Not Found).',
    );
    expectClean();
  });

  it('a catalog entry naming a file the hub does not list fails before any byte is fetched', async () => {
    const err = await failure(run({ ...tiny.genai, files: [...tiny.genai.files, 'missing.bin'] }));
    expect(err.code).toBe('not_found');
    expect(err.message).toContain('cpu_and_mobile/tiny-int4/missing.bin');
    expect(err.message).toContain('catalog may be out of date');
    expect(hub.bytesServed()).toBe(0);
    expectClean();
  });

  it('an unknown revision is a 404 from the tree API', async () => {
    const err = await failure(run({ ...tiny.genai, revision: 'v9' }));
    expect(err).toMatchObject({ code: 'not_found' });
    expect(err.message).toContain('at revision v9');
    expectClean();
  });

  it('a 500 that persists gives up after the retries', async () => {
    hub.fault(tiny.genai.repo, hubPath(tiny.genai, DATA), { status: 500 });
    const err = await failure(run(tiny.genai, { maxRetries: 2 }));
    expect(err.code).toBe('server_error');
    expect(err.message).toMatch(
      /failed to send model\.onnx\.data .*\(500\); try again later\. \(gave up after 3 tries\)/,
    );
    expectClean();
  });

  it('a stalled connection fails as stalled after the retries', async () => {
    hub.fault(tiny.genai.repo, hubPath(tiny.genai, DATA), { stallAtByte: 100_000 });
    const err = await failure(run(tiny.genai, { hub: client(200), maxRetries: 1 }));
    expect(err.code).toBe('stalled');
    expect(err.message).toMatch(/stalled: nothing arrived for 200 ms\. \(gave up after 2 tries\)/);
    expectClean();
  });

  it('a hub whose Content-Length differs from the size it lists', async () => {
    const file = hubPath(tiny.genai, DATA);
    const size = hub.content(tiny.genai.repo, file).length;
    hub.fault(tiny.genai.repo, file, { listedSize: size - 10 });
    const err = await failure(run(tiny.genai));
    expect(err.code).toBe('size_mismatch');
    expect(err.message).toBe(
      `The hub lists model.onnx.data of test-org/tiny-phi3-onnx as ${size - 10} bytes, but it serves ${size} bytes. Nothing was installed.`,
    );
    expectClean();
  });

  it('a hub that sends more bytes than it lists (no Content-Length)', async () => {
    const file = hubPath(tiny.genai, DATA);
    hub.fault(tiny.genai.repo, file, { listedSize: 1_000_000, chunked: true });
    const err = await failure(run(tiny.genai));
    expect(err.code).toBe('size_mismatch');
    expect(err.message).toContain('it sent more bytes than that');
    expectClean();
  });

  it('a hub that lists more bytes than it has', async () => {
    const file = hubPath(tiny.genai, DATA);
    const size = hub.content(tiny.genai.repo, file).length;
    hub.fault(tiny.genai.repo, file, { listedSize: size + 1000, chunked: true });
    const err = await failure(run(tiny.genai));
    expect(err.code).toBe('size_mismatch');
    expect(err.message).toContain(`it has no bytes after ${size}`);
    expectClean();
  });

  it('a full disk while writing names the space the model needs', async () => {
    let written = 0;
    const fullAfter: FileWriter = {
      async open(file, mode) {
        const real = await nodeFileWriter.open(file, mode);
        return {
          async write(data) {
            written += data.length;
            if (written > 2_000_000) {
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            }
            await real.write(data);
          },
          close: (sync) => real.close(sync),
        };
      },
    };
    const err = await failure(run(tiny.genai, { writer: fullAfter }));
    expect(err.code).toBe('disk_full');
    const mb = (totalSize(tiny.genai) / 1e6).toFixed(1);
    expect(err.message).toContain(`Tiny Phi-3 (GenAI layout) needs ${mb} MB of free space in ${modelsDir}`);
    expectClean();
  });

  it('too little free space is refused before the first byte, with the amount needed', async () => {
    const err = await failure(run(tiny.genai, { freeBytes: async () => 1_000_000 }));
    expect(err.code).toBe('disk_full');
    const mb = (totalSize(tiny.genai) / 1e6).toFixed(1);
    expect(err.message).toBe(
      `Not enough free space for Tiny Phi-3 (GenAI layout): it needs ${mb} MB more in ${modelsDir}, and only 1.00 MB is free. Free up at least ${((totalSize(tiny.genai) - 1e6) / 1e6).toFixed(1)} MB and download again.`,
    );
    expect(hub.bytesServed()).toBe(0);
    expectClean();
  });

  it('files that are not a loadable model are not installed', async () => {
    const err = await failure(
      run({ ...tiny.genai, files: tiny.genai.files.filter((f) => f !== 'tokenizer.json') }),
    );
    expect(err.code).toBe('invalid_model');
    expect(err.message).toContain('the tokenizer');
    expectClean();
  });
});
