/** The field numbers of onnx/onnx.proto's messages that this engine reads and writes, and tensor types. */

export const MODEL = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  graph: 7,
  opsetImport: 8,
  metadata: 14,
} as const;
export const OPSET = { domain: 1, version: 2 } as const;
export const GRAPH = {
  node: 1,
  name: 2,
  initializer: 5,
  input: 11,
  output: 12,
  valueInfo: 13,
  sparseInitializer: 15,
} as const;
export const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
export const ATTRIBUTE = { name: 1, f: 2, i: 3, s: 4, t: 5, g: 6, floats: 7, ints: 8, type: 20 } as const;
/** AttributeProto.AttributeType. */
export const ATTRIBUTE_TYPE = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  graph: 5,
  floats: 6,
  ints: 7,
} as const;
export const TENSOR = {
  dims: 1,
  dataType: 2,
  name: 8,
  rawData: 9,
  externalData: 13,
  dataLocation: 14,
} as const;
/** ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto and its Dimension. */
export const VALUE_INFO = { name: 1, type: 2 } as const;
export const TYPE = { tensorType: 1 } as const;
export const TENSOR_TYPE = { elemType: 1, shape: 2 } as const;
export const SHAPE = { dim: 1 } as const;
export const DIMENSION = { value: 1, param: 2 } as const;

/** TensorProto.DataType values the engine and the generator use. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
} as const;
export type DataTypeValue = (typeof DataType)[keyof typeof DataType];

/** Bytes per element of each supported data type. */
export const BYTES_PER_ELEMENT: Record<DataTypeValue, number> = {
  1: 4,
  2: 1,
  3: 1,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
};
