/**
 * A model folder for a reference implementation (transformers.js) that runs the int4 products as the engine's CPU
 * graph does: where the engine gives them int8 inputs (`onnx/rewrites/int8-activations.ts`), a folder beside the
 * model's holds the graph with the same accuracy level and hard links to every other file (onnxruntime refuses
 * external data behind a symbolic link); elsewhere, the folder itself.
 */
import { linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withInt8Activations } from '../../localhost-engine/onnx/rewrites/int8-activations';

/** `dir`, or a copy whose graph `graphFile` (relative to `dir`) has the engine's accuracy levels; `remove` deletes it. */
export function folderAtEngineAccuracy(dir: string, graphFile: string): { dir: string; remove: () => void } {
  const int8 = withInt8Activations(readFileSync(path.join(dir, graphFile)));
  if (!int8) return { dir, remove: () => undefined };
  const copy = mkdtempSync(`${dir}-int8-`);
  const link = (from: string, to: string): void => {
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const [source, target] = [path.join(from, entry.name), path.join(to, entry.name)];
      if (path.relative(dir, source) === graphFile) writeFileSync(target, int8.model);
      else if (entry.isDirectory()) {
        mkdirSync(target);
        link(source, target);
      } else linkSync(source, target);
    }
  };
  link(dir, copy);
  return { dir: copy, remove: () => rmSync(copy, { recursive: true, force: true }) };
}
