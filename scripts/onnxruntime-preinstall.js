#!/usr/bin/env node
// LocalScribe's preinstall, for installs of the packed package (npm install -g, npx): onnxruntime-node's
// postinstall fetches its CUDA provider from nuget.org on Linux x64 (hundreds of MB LocalScribe never loads), and
// offline or behind a proxy that fetch fails and takes the whole install with it. Its script skips the fetch when
// the files it would fetch exist, and npm runs every preinstall before any postinstall, so this writes them first
// as short text placeholders. It changes nothing where onnxruntime-node fetches nothing (Windows, macOS, Linux arm64)
// or where the user chose (ONNXRUNTIME_NODE_INSTALL, --onnxruntime-node-install, and their CUDA variants).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const PLACEHOLDER =
  'Placeholder written by LocalScribe at install time so that onnxruntime-node does not download its CUDA ' +
  'provider: LocalScribe uses the CPU, DirectML and WebGPU providers only. Delete this file and reinstall ' +
  'onnxruntime-node to get the real one.\n';

const CHOICES = [
  'ONNXRUNTIME_NODE_INSTALL',
  'npm_config_onnxruntime_node_install',
  'ONNXRUNTIME_NODE_INSTALL_CUDA',
  'npm_config_onnxruntime_node_install_cuda',
];

/**
 * The files onnxruntime-node's installer would download on `platform`/`arch`, read from its own metadata
 * (script/install-metadata.js), as absolute paths inside `ortDir`.
 */
function filesToFetch(ortDir, platform, arch) {
  const metadata = require(path.join(ortDir, 'script', 'install-metadata.js'));
  const key = `${platform}/${arch}`;
  const binDir = path.join(ortDir, 'bin', 'napi-v6', platform, arch);
  return (metadata.requirements[key] || []).flatMap((name) =>
    Object.keys(metadata.manifests[`${key}:${name}`] || {}).map((file) => path.join(binDir, file)),
  );
}

/** Writes a placeholder for each of those files that is missing; returns the ones it wrote. */
function writePlaceholders(ortDir, platform, arch) {
  const written = [];
  for (const file of filesToFetch(ortDir, platform, arch)) {
    if (fs.existsSync(file)) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, PLACEHOLDER);
    written.push(file);
  }
  return written;
}

function main() {
  const chosen = CHOICES.find((name) => process.env[name]);
  if (chosen) return; // the user decided what onnxruntime-node installs
  let ortDir;
  try {
    ortDir = path.dirname(require.resolve('onnxruntime-node/package.json', { paths: [process.cwd()] }));
  } catch {
    return; // not installed next to this package: nothing to prepare
  }
  const written = writePlaceholders(ortDir, process.platform, process.arch);
  if (written.length > 0) {
    console.log(
      `localscribe: skipped onnxruntime-node's CUDA download (not used); placeholders: ${written.join(', ')}`,
    );
  }
}

module.exports = { filesToFetch, writePlaceholders, PLACEHOLDER };
if (require.main === module) main();
