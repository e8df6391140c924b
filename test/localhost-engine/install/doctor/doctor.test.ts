/**
 * The doctor on real set-ups, each broken one way: a real engine on the tiny model (healthy), another HTTPS server
 * and a plain TCP one on the port, an engine serving a certificate for another host, a manifest naming another
 * port (in setup's copy and in Windows' registration), a missing model. Each check must fail with what it saw and
 * its fix, and only that check. The operating system's tools are stand-ins (openssl, systemctl, CheckNetIsolation).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import type { EngineConfig } from '../../../../localhost-engine/config';
import { manifestForPort, userManifestPath } from '../../../../localhost-engine/install/addin-manifest';
import { runDoctor, type DoctorReport } from '../../../../localhost-engine/install/doctor/doctor';
import {
  WEBVIEW_FAMILY,
  webviewLoopbackCheck,
} from '../../../../localhost-engine/install/doctor/machine-checks';
import type { InstallContext } from '../../../../localhost-engine/install/install-context';
import { WEF_DEVELOPER_KEY } from '../../../../localhost-engine/install/sideload';
import { loadCatalog } from '../../../../localhost-engine/model-store/catalog';
import { ModelStore } from '../../../../localhost-engine/model-store/model-store';
import { SHIPPED_MANIFEST } from '../../../../localhost-engine/package-files';
import { startEngine, type RunningEngine } from '../../../../localhost-engine/server';
import { ensureGeneratedModel } from '../../../../models/ensure-generated-model';
import { testCertificate, testEngineConfig } from '../../../helpers/test-engine';
import { testInstall } from '../install-fixtures';

const SHIPPED = readFileSync(SHIPPED_MANIFEST, 'utf8');

interface Setup {
  ctx: InstallContext;
  config: EngineConfig;
  store: ModelStore;
}

/** A Linux user whose openssl trusts the engine's certificate (`trusted`) and who has no login service. */
function setup(port: number, modelDir: string, platform: NodeJS.Platform = 'linux', trusted = true): Setup {
  const { ctx, commands } = testInstall(platform);
  commands.on('openssl', () =>
    trusted
      ? { status: 0, stdout: 'engine.crt: OK\n', stderr: '' }
      : { status: 2, stdout: '', stderr: 'error 18 at 0 depth lookup: self-signed certificate\n' },
  );
  commands.on('systemctl', () => ({ status: 0, stdout: 'LoadState=not-found\n', stderr: '' }));
  const store = new ModelStore({
    catalog: loadCatalog(),
    modelsDir: path.join(ctx.dataDir, 'models'),
    hubUrl: 'https://hub.invalid',
    device: 'cpu',
  });
  const config = testEngineConfig(modelDir, { port });
  return { ctx, config, store };
}

function writeUserManifest(ctx: InstallContext, port: number): string {
  const file = userManifestPath(ctx.dataDir);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, manifestForPort(SHIPPED, port));
  return file;
}

const check = (report: DoctorReport, id: string) => report.checks.find((c) => c.id === id)!;
const failed = (report: DoctorReport) => report.checks.filter((c) => c.status === 'fail').map((c) => c.id);

async function engineWith(tls: { key: string; cert: string }, model: string): Promise<RunningEngine> {
  return startEngine(testEngineConfig(model, { optimizedCopy: false }), {
    tls,
    logger: false,
    modelStore: null,
  });
}

function listening(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

describe('localscribe doctor', () => {
  let model: string;
  let engine: RunningEngine;

  beforeAll(async () => {
    model = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    engine = await engineWith(await testCertificate(), model);
  });
  afterAll(() => engine.close());

  test('a healthy set-up passes every check', async () => {
    const { ctx, config, store } = setup(engine.port, model);
    writeUserManifest(ctx, engine.port);
    const report = await runDoctor(ctx, { config, store });
    expect(failed(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(check(report, 'engine')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/^LocalScribe \d+\.\d+\.\d+; model /),
    });
    expect(check(report, 'certificate').status).toBe('pass');
    expect(check(report, 'manifest').status).toBe('pass');
    expect(check(report, 'model').detail).toContain('holds a model that loads');
    expect(check(report, 'service')).toMatchObject({
      status: 'warn',
      fix: 'Run `localscribe service install`.',
    });
    expect(check(report, 'word-on-the-web').detail).toMatch(
      /LocalNetworkAccessAllowedForUrls and LoopbackNetworkAllowedForUrls/,
    );
  });

  test('port taken by another HTTPS server: the engine and port checks fail and say what answered', async () => {
    const tls = await testCertificate();
    const other = https.createServer(tls, (_req, res) => {
      res.writeHead(404, { server: 'contoso-sync/2.1' });
      res.end('not here');
    });
    const port = await listening(other);
    try {
      const { ctx, config, store } = setup(port, model);
      writeUserManifest(ctx, port);
      const report = await runDoctor(ctx, { config, store });
      expect(failed(report)).toEqual(['engine', 'port']);
      expect(check(report, 'port')).toMatchObject({
        detail: `Port ${port} is taken by another program: it answered HTTP 404, server "contoso-sync/2.1" to /api/health.`,
        fix: expect.stringContaining('set "port" in config.json'),
      });
    } finally {
      other.close();
    }
  });

  test('port taken by a program that does not speak HTTPS', async () => {
    const other = net.createServer((socket) => socket.end('220 mail.example ESMTP\r\n'));
    const port = await listening(other);
    try {
      const { ctx, config, store } = setup(port, model);
      const report = await runDoctor(ctx, { config, store });
      expect(check(report, 'port').status).toBe('fail');
      expect(check(report, 'port').detail).toMatch(/does not speak HTTPS as LocalScribe does/);
    } finally {
      other.close();
    }
  });

  test('a certificate for another host: the certificate check fails and names the host', async () => {
    const pems = await generate([{ name: 'commonName', value: 'example.test' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'example.test' }] }],
    });
    const wrong = await engineWith({ key: pems.private, cert: pems.cert }, model);
    try {
      const { ctx, config, store } = setup(wrong.port, model);
      writeUserManifest(ctx, wrong.port);
      const report = await runDoctor(ctx, { config, store });
      expect(failed(report)).toEqual(['certificate']);
      expect(check(report, 'certificate').detail).toBe(
        `The certificate served on port ${wrong.port} is for DNS:example.test, not localhost: Word refuses the pane.`,
      );
      expect(check(report, 'certificate').fix).toContain('localscribe setup');
    } finally {
      await wrong.close();
    }
  });

  test('an untrusted certificate fails on macOS (security verify-cert), only warns on Linux (no Word there)', async () => {
    const linux = setup(engine.port, model, 'linux', false);
    writeUserManifest(linux.ctx, engine.port);
    const onLinux = await runDoctor(linux.ctx, linux);
    expect(check(onLinux, 'certificate')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('is not trusted by this computer (openssl verify'),
    });
    const mac = testInstall('darwin');
    mac.commands.on('security', () => ({ status: 1, stdout: '', stderr: 'CSSMERR_TP_NOT_TRUSTED\n' }));
    const { config, store } = setup(engine.port, model);
    const onMac = await runDoctor(mac.ctx, { config, store });
    expect(check(onMac, 'certificate')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('is not trusted by this computer (security verify-cert)'),
    });
    const [args] = mac.commands.callsTo('security');
    expect([args[0], ...args.slice(3)]).toEqual(['verify-cert', '-p', 'ssl', '-s', 'localhost']);
    expect(args.slice(1, 3)).toEqual(['-c', expect.stringMatching(/engine\.crt$/)]);
  });

  test('a manifest naming another port: the manifest check fails, and Word’s port is the one it names', async () => {
    const { ctx, config, store } = setup(engine.port, model);
    const other = engine.port === 3000 ? 3001 : 3000;
    const file = writeUserManifest(ctx, other);
    const report = await runDoctor(ctx, { config, store });
    expect(check(report, 'manifest')).toMatchObject({
      status: 'fail',
      detail: `${file} (setup's copy) names https://localhost:${other}`,
      fix: expect.stringContaining(`rewrites the manifest for port ${engine.port}`),
    });
    expect(check(report, 'engine').title).toBe(`The engine answers on https://localhost:${other}`);
  });

  test('on Windows the manifest registered with Word is the one checked', async () => {
    const { ctx, config, store } = setup(engine.port, model, 'win32');
    const registered = path.join(mkdtempSync(path.join(os.tmpdir(), 'clone-')), 'manifest.xml');
    writeFileSync(registered, SHIPPED);
    const run = ctx.run;
    const withRegistry: InstallContext = {
      ...ctx,
      run: async (command, args) =>
        command === 'reg' && args[0] === 'query'
          ? {
              status: 0,
              stdout: `\r\n${WEF_DEVELOPER_KEY}\r\n    ${args[3]}    REG_SZ    ${registered}\r\n`,
              stderr: '',
            }
          : command === 'powershell'
            ? { status: 0, stdout: 'True\r\n', stderr: '' }
            : run(command, args),
    };
    const report = await runDoctor(withRegistry, { config, store });
    expect(check(report, 'manifest').detail).toBe(
      `${registered} (registered with Word) names https://localhost:3000`,
    );
  });

  test('a missing model: the model check fails with the download command, the disk check counts its size', async () => {
    const { ctx, config, store } = setup(engine.port, path.join(os.tmpdir(), 'no-such-model-folder'));
    writeUserManifest(ctx, engine.port);
    const report = await runDoctor(ctx, { config, store });
    expect(failed(report)).toEqual(['model']);
    expect(check(report, 'model')).toMatchObject({
      detail: `No model installed (looked in ${path.join(os.tmpdir(), 'no-such-model-folder')}).`,
      fix: expect.stringContaining('Run `localscribe models download`'),
    });
    expect(check(report, 'disk').detail).toMatch(/the model download needs about \d+\.\d GB/);
  });
});

describe('the WebView loopback exemption (Windows)', () => {
  test('passes when CheckNetIsolation lists Word’s WebView, warns with the command otherwise', async () => {
    const { ctx, commands } = testInstall('win32');
    let listed = '';
    commands.on('CheckNetIsolation', () => ({ status: 0, stdout: listed, stderr: '' }));
    const missing = await webviewLoopbackCheck(ctx);
    expect(missing).toMatchObject({
      status: 'warn',
      fix: expect.stringContaining(`CheckNetIsolation LoopbackExempt -a -n="${WEBVIEW_FAMILY}"`),
    });
    listed = `List Loopback Exempted AppContainers\r\n\r\n[1] -----------------------------------------------------------------\r\n    Name: ${WEBVIEW_FAMILY}\r\n    SID:  S-1-15-2-1310292540\r\n\r\nOK.\r\n`;
    expect((await webviewLoopbackCheck(ctx)).status).toBe('pass');
    expect(commands.callsTo('CheckNetIsolation')).toEqual([
      ['LoopbackExempt', '-s'],
      ['LoopbackExempt', '-s'],
    ]);
  });

  test('does not apply elsewhere', async () => {
    expect((await webviewLoopbackCheck(testInstall('darwin').ctx)).status).toBe('skip');
  });
});
