#!/usr/bin/env node
// `npm start`: after `npm run build`, makes sure Office trusts the engine's certificate (Windows and macOS),
// starts the engine serving the pane and the API on https://localhost:3000, and sideloads manifest.xml into Word
// desktop where Word is installed, unless Word loads what `localscribe setup` registered (left alone); elsewhere it
// prints how to add the manifest to Word on the web.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const pidFile = path.join(root, '.cache', 'engine.pid');
const manifest = path.join(root, 'manifest.xml');

async function main() {
  const desktop = process.platform === 'win32' || process.platform === 'darwin';
  if (desktop) {
    try {
      // Installs a local CA once (the OS asks for consent) so Word's web view trusts https://localhost.
      await require('office-addin-dev-certs').ensureCertificatesAreInstalled();
    } catch (err) {
      console.warn(`Could not install the development certificate: ${err.message}`);
    }
  }
  const engine = spawn(
    process.execPath,
    [path.join(root, 'bin', 'localscribe.js'), 'serve', ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  fs.mkdirSync(path.dirname(pidFile), { recursive: true });
  fs.writeFileSync(pidFile, String(engine.pid));
  engine.on('exit', (code) => {
    fs.rmSync(pidFile, { force: true });
    process.exit(code ?? 0);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => engine.kill(signal));

  if (desktop) {
    const { sideloadClone } = require('../dist/localhost-engine/install/sideload');
    const { currentInstallContext } = require('../dist/localhost-engine/install/install-context');
    const registered = await sideloadClone(manifest, currentInstallContext());
    console.log(registered.detail);
    if (registered.status === 'done' || registered.status === 'already') return;
  }
  const portFlag = process.argv.indexOf('--port');
  const port = portFlag > 0 ? process.argv[portFlag + 1] : process.env.LOCALSCRIBE_PORT || '3000';
  console.log(
    [
      '',
      `LocalScribe is starting on https://localhost:${port} (manifest.xml expects port 3000).`,
      'To use it in Word on the web: open a document, then Home > Add-ins > More Add-ins > Upload My Add-in,',
      `and choose ${manifest}.`,
      'Stop it with Ctrl+C or `npm stop`.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
