/** The layouts the project generates test models in, each with its decoder graph file. */
import { REAL_LAYOUTS, type RealLayoutName } from '../../models/layouts/registry';

/** The project's own two layouts (older tests were written on them). */
export const GENERATED_LAYOUTS = [
  ['transformers', 'onnx/model_q4.onnx'],
  ['genai', 'model.onnx'],
] as const;

/** The copies of the exports users download (`models/layouts/`), with their graph files. */
export const REAL_LAYOUT_FILES: ReadonlyArray<readonly [RealLayoutName, string]> = (
  Object.keys(REAL_LAYOUTS) as RealLayoutName[]
).map((name) => {
  const { subdir, modelFileName } = REAL_LAYOUTS[name].file;
  return [name, subdir ? `${subdir}/${modelFileName}` : modelFileName] as const;
});
