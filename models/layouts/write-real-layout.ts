/** Writes a generated copy of a real export's folder: its graph, external data and configuration files. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ModelSize } from '../model-sizes';
import { WrittenModel, writeOnnxModel } from '../onnx-model-writer';
import { REAL_LAYOUTS, RealLayoutName } from './registry';

/**
 * Writes the folder of `layout` at `size` into `dir` (which must exist and should be empty). Deterministic: the same
 * layout and size give byte-identical files.
 */
export function writeRealLayoutFolder(dir: string, layout: RealLayoutName, size: ModelSize): WrittenModel {
  const l = REAL_LAYOUTS[layout];
  const c = l.config(size);
  l.writeConfigs(dir, c);
  const graphDir = path.join(dir, l.file.subdir);
  fs.mkdirSync(graphDir, { recursive: true });
  return writeOnnxModel(l.graph(c), { ...l.file, dir: graphDir });
}
