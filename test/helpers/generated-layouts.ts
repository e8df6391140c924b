/** The two layouts the project generates test models in, with each one's decoder graph file. */
export const GENERATED_LAYOUTS = [
  ['transformers', 'onnx/model_q4.onnx'],
  ['genai', 'model.onnx'],
] as const;
