/**
 * Every layout the generator writes, by `--layout` name: the two original ones (`transformers`, `genai`: the
 * engine's tests still run on them) and the copies of real exports (models/layouts/).
 */
import { REAL_LAYOUTS, RealLayoutName, isRealLayout } from './layouts/registry';
import { writeRealLayoutFolder } from './layouts/write-real-layout';
import { MODEL_SIZES, ModelSize, Phi3Config } from './model-sizes';
import { ModelLayout, writeModelFolder } from './write-model-folder';

export type GeneratedLayout = ModelLayout | RealLayoutName;

/** All layout names, in the order the CLI's `all` generates them. */
export const GENERATED_LAYOUT_NAMES: readonly GeneratedLayout[] = [
  'transformers',
  'genai',
  ...(Object.keys(REAL_LAYOUTS) as RealLayoutName[]),
];

/** True when `value` is a layout name the generator knows. */
export function isGeneratedLayout(value: string): value is GeneratedLayout {
  return (GENERATED_LAYOUT_NAMES as readonly string[]).includes(value);
}

/** The dimensions of the model a layout holds at `size`. */
export function generatedConfig(layout: GeneratedLayout, size: ModelSize): Phi3Config {
  return isRealLayout(layout) ? REAL_LAYOUTS[layout].config(size) : MODEL_SIZES[size];
}

/** Writes the folder of `layout` at `size` into the empty folder `dir`. */
export function writeGeneratedFolder(
  dir: string,
  layout: GeneratedLayout,
  size: ModelSize,
  version: string,
): void {
  if (isRealLayout(layout)) writeRealLayoutFolder(dir, layout, size);
  else writeModelFolder(dir, MODEL_SIZES[size], layout, version);
}
