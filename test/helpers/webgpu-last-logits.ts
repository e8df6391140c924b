/**
 * Child process of gpu-devices.test.ts (it needs the SwiftShader environment from its start): opens a decoder on
 * WebGPU as the engine does (`createSession`) and as the file itself, runs the same prompt pass on both, and
 * prints one line of JSON: whether the engine's session was rewritten to the last position's logits, each
 * session's logits dims, and the largest difference between the engine's logits and the original's last row.
 *   tsx test/helpers/webgpu-last-logits.ts MODEL_FILE PROMPT_TOKENS
 */
import * as ort from 'onnxruntime-node';
import { createSession } from '../../localhost-engine/inference/session-factory';
import { readDecoderSignature } from '../../localhost-engine/inference/decoder-signature';
import { emptyPast } from './empty-past';
import { passFeeds } from './pass-feeds';

async function main(): Promise<void> {
  const [modelFile, promptTokens] = [process.argv[2], Number(process.argv[3])];
  const original = await ort.InferenceSession.create(modelFile, { executionProviders: ['webgpu'] });
  const sig = readDecoderSignature(original);
  const created = await createSession(modelFile, ['webgpu'], { layers: sig.layers });
  const engine = created.session as ort.InferenceSession;
  const feeds = { ...emptyPast(sig), ...passFeeds(0, promptTokens, sig.hasLogitsToKeep) };
  const [a, b] = [await original.run(feeds, ['logits']), await engine.run(feeds, ['logits'])];
  const vocab = a.logits.dims[2];
  const all = a.logits.data as Float32Array;
  const mine = b.logits.data as Float32Array;
  const offset = all.length - vocab;
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < vocab; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(mine[mine.length - vocab + i] - all[offset + i]));
    maxAbs = Math.max(maxAbs, Math.abs(all[offset + i]));
  }
  console.log(
    JSON.stringify({
      device: created.device,
      lastPositionLogits: created.graph.logits === 'last-position',
      originalDims: a.logits.dims,
      engineDims: b.logits.dims,
      maxDiff,
      maxAbs,
    }),
  );
  await Promise.all([original.release(), engine.release()]);
}

main().catch((err: unknown) => {
  console.log(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
  process.exitCode = 1;
});
