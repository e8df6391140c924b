#!/usr/bin/env bash
# Bundles `npm run bench` into plain JavaScript for the GPU machine, which has no npm, no registry and no
# TypeScript (see the README beside this file). Usage, from anywhere in the repository:
#   bench/device/build.sh [OUT_DIR]        # default: .device/bench (after the device pack, which clears .device)
# OUT_DIR gets run-bench.js, the two runners and the engine's worker threads side by side, and the Phi-3
# tokenizer the generated model copies. Only onnxruntime-node and onnxruntime-common stay outside (NODE_PATH).
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
out=$(realpath -m "${1:-$root/.device/bench}")
cd "$root"
rm -rf "$out" && mkdir -p "$out"
node_modules/.bin/esbuild \
  bench/run-bench.ts bench/engine-runner.ts bench/transformers-js-runner.ts bench/plain-loop-runner.ts \
  localhost-engine/inference/inference-worker.ts test/helpers/hooked-worker.ts \
  --bundle --platform=node --target=node20 --format=cjs --outdir="$out" --entry-names='[name]' \
  --external:onnxruntime-node --external:onnxruntime-common --alias:sharp=./bench/device/no-sharp.js \
  --external:typescript --external:tsx --log-level=warning
# models/phi3-tokenizer-dir.ts finds the tokenizer beside itself: in the bundle, beside run-bench.js.
cp -r models/tokenizer "$out/tokenizer"
du -sh "$out"
