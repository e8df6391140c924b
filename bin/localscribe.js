#!/usr/bin/env node
// The `localscribe` command: the compiled CLI when `npm run build` has run, the TypeScript source otherwise.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'localhost-engine', 'cli.js');
let cli;
if (fs.existsSync(built)) cli = require(built);
else {
  require('tsx/cjs');
  cli = require('../localhost-engine/cli.ts');
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
