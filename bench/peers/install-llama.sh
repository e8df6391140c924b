#!/usr/bin/env bash
# Installs node-llama-cpp 3.21.1 with only its Linux x64 CPU binaries into .cache/bench-peers/ (git-ignored), outside
# the project's dependencies so that `npm ci` and CI stay lean. Optional dependencies (the CUDA, Vulkan and other
# platforms' binaries) are left out; NODE_LLAMA_CPP_SKIP_DOWNLOAD stops its postinstall from building llama.cpp.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="$root/.cache/bench-peers"
mkdir -p "$dest"
cp "$root/bench/peers/package.json" "$dest/package.json"
cd "$dest"
started=$(date +%s)
NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm install --omit=optional --no-audit --no-fund --loglevel=error
echo "installed into $dest in $(( $(date +%s) - started )) s, $(du -sh "$dest/node_modules" | cut -f1)"
