#!/usr/bin/env node
// `npm stop`: stops the engine `npm start` started and removes the sideloaded add-in from Word desktop.
'use strict';
const { spawnSync } = require('node:child_process');
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

const devSettings = path.join(
  root,
  'node_modules',
  '.bin',
  process.platform === 'win32' ? 'office-addin-dev-settings.cmd' : 'office-addin-dev-settings',
);
if ((process.platform === 'win32' || process.platform === 'darwin') && fs.existsSync(devSettings)) {
  spawnSync(devSettings, ['unregister', path.join(root, 'manifest.xml')], {
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
}
