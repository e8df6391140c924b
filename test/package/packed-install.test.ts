/**
 * LocalScribe as a user installs it: `npm pack`, then `npm install localscribe` from a registry on 127.0.0.1 that
 * publishes that tarball as the public one would, into an empty folder with an empty HOME and none of this
 * repository's npm settings (its .npmrc skips onnxruntime-node's CUDA download; a user's machine has no such
 * setting). Packages come from npm's cache; anything not there fails the install instead of going online. Then
 * `localscribe --version`, `serve` over HTTPS and `summarize` on the tiny model, from the installed copy.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { API_VERSION } from '../../localhost-engine/api/api-version';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { staleBuild } from '../../scripts/pack';
import { startLoopbackRegistry, type LoopbackRegistry } from '../helpers/loopback-registry';
import { runProcess, type Ran } from '../helpers/run-process';
import { testCertificate } from '../helpers/test-engine';
import { treeSnapshot } from '../helpers/tree-snapshot';

const ROOT = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  devDependencies: Record<string, string>;
};
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const run = (command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Ran> =>
  runProcess(command, args, { cwd, env });

/** A user's environment: PATH, an empty HOME, nothing of npm's or onnxruntime's from this repository. */
function userEnv(home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: home, USERPROFILE: home, ...extra };
}

describe('the packed package, installed as a user installs it', () => {
  let work: string;
  let home: string;
  let app: string;
  let registry: LoopbackRegistry;
  let installed: Ran;
  let packedFiles: string[];
  let bin: string;

  beforeAll(async () => {
    const stale = staleBuild(ROOT);
    if (stale) throw new Error(`${stale}: run \`npm run build\` first (npm test does).`);
    work = mkdtempSync(path.join(os.tmpdir(), 'localscribe-packed-'));
    const packed = await run(npm, ['pack', '--json', '--pack-destination', work], ROOT, process.env);
    if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
    const [result] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    packedFiles = result.files.map((f) => f.path);

    registry = await startLoopbackRegistry(path.join(work, result.filename), pkg, true);
    home = path.join(work, 'home');
    app = path.join(work, 'app');
    mkdirSync(home);
    mkdirSync(app);
    // Its own package.json, or npm would install into the nearest parent folder that has one.
    writeFileSync(path.join(app, 'package.json'), '{ "name": "a-word-user", "private": true }\n');
    // npm's own cache (warm after this repository's install), so nothing is downloaded.
    const cache = process.env.npm_config_cache ?? path.join(os.homedir(), '.npm');
    installed = await run(
      npm,
      ['install', pkg.name, '--registry', registry.url, '--prefer-offline', '--no-audit', '--no-fund'],
      app,
      userEnv(home, { npm_config_cache: cache }),
    );
    bin = path.join(app, 'node_modules', '.bin', 'localscribe');
  }, 170_000);

  afterAll(() => registry?.close());

  test('ships the built engine and pane, the manifest and the shrinkwrap, and no source or tests', () => {
    for (const file of [
      'bin/localscribe.js',
      'dist/localhost-engine/cli.js',
      'dist/localhost-engine/inference/inference-worker.js',
      'dist/taskpane/taskpane.html',
      'manifest.xml',
      'models/catalog.json',
      'assets/icon-32.png',
      'npm-shrinkwrap.json',
      'scripts/onnxruntime-preinstall.js',
    ]) {
      expect(packedFiles).toContain(file);
    }
    expect(packedFiles.filter((f) => /\.(ts|tsx|map)$/.test(f) || f.startsWith('test/'))).toEqual([]);
  });

  test('installs offline, without development packages, and without fetching onnxruntime’s CUDA provider', () => {
    // On failure the message shows the end of npm's output.
    expect(`exit ${installed.code}\n${installed.stderr.slice(-3000)}`).toMatch(/^exit 0\n/);
    const nested = path.join(app, 'node_modules', pkg.name, 'node_modules');
    for (const dev of ['typescript', 'tsx', 'react', '@fluentui/react-components', 'jest']) {
      expect(pkg.devDependencies[dev]).toBeDefined();
      expect(existsSync(path.join(nested, dev))).toBe(false);
    }
    expect(`${installed.stdout}${installed.stderr}`).not.toContain('nuget.org');
    if (process.platform === 'linux' && process.arch === 'x64') {
      const cuda = path.join(nested, 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64');
      expect(readFileSync(path.join(cuda, 'libonnxruntime_providers_cuda.so'), 'utf8')).toMatch(
        /^Placeholder written by LocalScribe/,
      );
    }
    // The registry was asked for LocalScribe and nothing it could not answer from the shrinkwrap and the cache.
    expect(registry.requests).toContain(`/${pkg.name}`);
  });

  test('localscribe --version prints the package version', async () => {
    const ran = await run(bin, ['--version'], app, userEnv(home));
    expect(ran).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  test('localscribe setup with every step skipped, then uninstall, leaves HOME exactly as it was', async () => {
    const before = treeSnapshot(home);
    const setup = await run(
      bin,
      ['setup', '--no-trust', '--no-service', '--no-sideload', '--no-download'],
      app,
      userEnv(home),
    );
    expect(setup.code).toBe(0);
    expect(setup.stdout).toMatch(/^1\/4 Trust the localhost certificate: skipped \(--no-trust\)$/m);
    expect(setup.stdout).toMatch(/^4\/4 Download the model: skipped \(--no-download\)$/m);
    expect(setup.stdout).toMatch(/^FAIL {2}A model is installed and intact$/m);
    expect(existsSync(path.join(home, '.local', 'share', 'localscribe', 'install-record.json'))).toBe(true);
    const uninstall = await run(bin, ['uninstall'], app, userEnv(home));
    expect(uninstall).toMatchObject({ code: 0, stderr: '' });
    expect(treeSnapshot(home)).toEqual(before);
  });

  test('localscribe serve answers /api/health and serves the pane over HTTPS, then closes on SIGTERM', async () => {
    const tls = await testCertificate();
    const certDir = mkdtempSync(path.join(work, 'cert-'));
    writeFileSync(path.join(certDir, 'localhost.crt'), tls.cert);
    writeFileSync(path.join(certDir, 'localhost.key'), tls.key);
    const model = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const child = spawn(
      bin,
      [
        'serve',
        '--port',
        '0',
        '--device',
        'cpu',
        '--model',
        model,
        '--cert',
        path.join(certDir, 'localhost.crt'),
        '--key',
        path.join(certDir, 'localhost.key'),
      ],
      { cwd: app, env: userEnv(home) },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const match = out.match(/LocalScribe engine on (https:\/\/localhost:\d+)/);
        if (match) resolve(match[1]);
      });
      child.on('close', (code) => reject(new Error(`serve exited (${code}) before listening: ${out}`)));
    });
    const get = (pathname: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const { port } = new URL(url);
        https
          .get(
            {
              host: '127.0.0.1',
              port,
              path: pathname,
              servername: 'localhost',
              ca: tls.cert,
              headers: { host: `localhost:${port}` },
            },
            (res) => {
              let body = '';
              res.on('data', (d: Buffer) => (body += d.toString()));
              res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
            },
          )
          .on('error', reject);
      });
    try {
      const health = await get('/api/health');
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toMatchObject({
        status: 'ok',
        version: pkg.version,
        apiVersion: API_VERSION,
      });
      const pane = await get('/taskpane.html');
      expect(pane.status).toBe(200);
      expect(pane.body).toContain('<script');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  test('localscribe summarize streams a summary of a text file on the tiny model', async () => {
    const model = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const file = path.join(work, 'minutes.txt');
    writeFileSync(file, 'The committee met on Tuesday.\n\nIt approved the budget for the new library.\n');
    const ran = await run(
      bin,
      ['summarize', file, '--model', model, '--device', 'cpu', '--length', 'short'],
      app,
      userEnv(home),
    );
    expect(ran.code).toBe(0);
    expect(ran.stdout.trim().length).toBeGreaterThan(0);
    expect(ran.stderr).toMatch(/^Summarizing 2 paragraphs/m);
    expect(ran.stderr).toMatch(/^Done: \d+ tokens/m);
  });
});
