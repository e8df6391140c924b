/**
 * Every layout the generator writes, by `--layout` name: the two original ones (`transformers`, `genai`: the
 * engine's tests still run on them), the copies of real exports (models/layouts/), and `gguf-q4_0`, a llama.cpp
 * GGUF of the `ms-cpu-int4` weights for the llama.cpp peer of the benchmarks.
 */
import { PHI3_GGUF_FILE, writePhi3Gguf } from './gguf/phi3-gguf';
import { REAL_LAYOUTS, RealLayoutName, isRealLayout } from './layouts/registry';
import { writeRealLayoutFolder } from './layouts/write-real-layout';
import { MODEL_SIZES, ModelSize, Phi3Config } from './model-sizes';
import { ModelLayout, writeModelFolder } from './write-model-folder';

export type GeneratedLayout = ModelLayout | RealLayoutName | 'gguf-q4_0';

/** All layout names, in the order the CLI's `all` generates them. */
export const GENERATED_LAYOUT_NAMES: readonly GeneratedLayout[] = [
  'transformers',
  'genai',
  ...(Object.keys(REAL_LAYOUTS) as RealLayoutName[]),
  'gguf-q4_0',
];

/** True when `value` is a layout name the generator knows. */
export function isGeneratedLayout(value: string): value is GeneratedLayout {
  return (GENERATED_LAYOUT_NAMES as readonly string[]).includes(value);
}

/** The dimensions of the model a layout holds at `size`. */
export function generatedConfig(layout: GeneratedLayout, size: ModelSize): Phi3Config {
  if (layout === 'gguf-q4_0') return REAL_LAYOUTS['ms-cpu-int4'].config(size);
  return isRealLayout(layout) ? REAL_LAYOUTS[layout].config(size) : MODEL_SIZES[size];
}

/** Writes the folder of `layout` at `size` into the empty folder `dir`. */
export function writeGeneratedFolder(
  dir: string,
  layout: GeneratedLayout,
  size: ModelSize,
  version: string,
): void {
  if (layout === 'gguf-q4_0') writePhi3Gguf(dir, size);
  else if (isRealLayout(layout)) writeRealLayoutFolder(dir, layout, size);
  else writeModelFolder(dir, MODEL_SIZES[size], layout, version);
}

export { PHI3_GGUF_FILE };
