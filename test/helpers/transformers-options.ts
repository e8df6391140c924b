/** How transformers.js' `from_pretrained` finds a generated copy of a real export's graph. */
import { REAL_LAYOUTS, type RealLayoutName } from '../../models/layouts/registry';

/** Its dtype suffix (`onnx/model_q4.onnx` → q4), or the GenAI file itself beside config.json. */
export function transformersOptions(layout: RealLayoutName): Record<string, unknown> {
  const file = REAL_LAYOUTS[layout].file;
  const dtype = /^model_(.+)\.onnx$/.exec(file.modelFileName)?.[1];
  return file.subdir === 'onnx' && dtype
    ? { dtype }
    : { dtype: 'fp32', subfolder: '', model_file_name: file.modelFileName.replace(/\.onnx$/, '') };
}
