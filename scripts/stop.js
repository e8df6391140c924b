#!/usr/bin/env node
// `npm stop`: stops the engine `npm start` started and removes the add-in it registered with Word desktop.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const pidFile = path.join(root, '.cache', 'engine.pid');
if (fs.existsSync(pidFile)) {
  const pid = Number(fs.readFileSync(pidFile, 'utf8'));
  try {
    process.kill(pid, 'SIGTERM');
    console.log(`Stopped the engine (pid ${pid}).`);
  } catch {
    console.log('The engine was not running.');
  }
  fs.rmSync(pidFile, { force: true });
} else console.log('No engine started by `npm start` is running.');

// Takes back the registration `npm start` made (only while it still names this checkout's manifest and is not
// the one `localscribe setup` made).
const sideloadJs = path.join(root, 'dist', 'localhost-engine', 'install', 'sideload.js');
if (fs.existsSync(sideloadJs)) {
  const { removeSideload } = require(sideloadJs);
  const { currentInstallContext } = require('../dist/localhost-engine/install/install-context');
  removeSideload(path.join(root, 'manifest.xml'), currentInstallContext()).then(
    (removed) => removed && console.log('Removed LocalScribe from Word desktop.'),
    (err) => console.error(`Could not remove LocalScribe from Word desktop: ${err.message}`),
  );
}
