#!/usr/bin/env node
// The `localscribe` command: the compiled CLI in dist/, which an installed package always has (npm pack builds it);
// in a clone that has not run `npm run build`, the TypeScript source through tsx (a development dependency).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const built = path.join(__dirname, '..', 'dist', 'localhost-engine', 'cli.js');
const source = path.join(__dirname, '..', 'localhost-engine', 'cli.ts');
let cli;
if (fs.existsSync(built)) cli = require(built);
else if (fs.existsSync(source)) {
  require('tsx/cjs');
  cli = require(source);
} else {
  console.error(`LocalScribe is incomplete: ${built} is missing. Reinstall it.`);
  process.exit(1);
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
