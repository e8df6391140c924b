/**
 * Accumulates a decoder graph the way onnxruntime-genai's model builder does: nodes in creation order, one node per
 * name (later requests for a node of an existing name are dropped, which is how the builder shares its mask
 * subgraphs), and scalar or short constants as `Constant` nodes named after their type and value.
 */
import { float16Bits } from '../../localhost-engine/onnx/float16';
import { GraphSource, TensorSource } from '../onnx-model-writer';
import { DataType, DataTypeValue } from '../../localhost-engine/onnx/schema';
import { NodeSpec, ValueInfoSpec } from '../../localhost-engine/onnx/write';

/**
 * How the builder of a given date names its constants: `/model/constants/TensorProto.INT64/1D/1` in 2024
 * (builder.py's make_constant: type, rank, value), `/model/constants/INT64/[1]` since the onnx_ir rewrite.
 */
export type ConstantNaming = 'builder-2024' | 'builder-2025';

export type FloatType = typeof DataType.FLOAT | typeof DataType.FLOAT16;

const TYPE_NAMES: Record<number, string> = {
  [DataType.INT64]: 'INT64',
  [DataType.FLOAT]: 'FLOAT',
  [DataType.FLOAT16]: 'FLOAT16',
};

/** Python's repr of a float constant as the builder's f-strings print it (`1.0`, `-3.4028235e+38`). */
function pythonFloat(value: number, type: FloatType): string {
  if (type === DataType.FLOAT16 && value === -65504) return '-65500.0'; // numpy prints float16 shortest
  if (value === -3.4028234663852886e38) return '-3.4028235e+38';
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

/** A graph under construction: add nodes, initializers and constants, then finish() with the graph's io. */
export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorSource[] = [];
  private readonly names = new Set<string>();

  constructor(readonly naming: ConstantNaming) {}

  /** Adds `n` unless a node of its name exists; returns its outputs either way. */
  add(n: NodeSpec): string[] {
    if (!this.names.has(n.name)) {
      this.names.add(n.name);
      this.nodes.push(n);
    }
    return [...n.outputs];
  }

  /** Adds a one-output node named `name` whose output is `<name>/output_0`, and returns that output. */
  op(opType: string, name: string, inputs: readonly string[], extra: Partial<NodeSpec> = {}): string {
    return this.add({ name, opType, inputs, outputs: [`${name}/output_0`], ...extra })[0];
  }

  /** Adds an initializer and returns its name. */
  init(t: TensorSource): string {
    this.initializers.push(t);
    return t.name;
  }

  /** An int64 constant: a scalar for a number, a 1-D tensor for an array. */
  int64(value: number | bigint | readonly (number | bigint)[]): string {
    const values = Array.isArray(value) ? value : [value as number | bigint];
    const rank = Array.isArray(value) ? 1 : 0;
    const text =
      this.naming === 'builder-2024'
        ? `TensorProto.INT64/${rank}D/${values.join(', ')}`
        : `INT64/${rank === 1 ? `[${values.join(', ')}]` : values[0]}`;
    const raw = new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
    return this.constant(text, DataType.INT64, rank === 1 ? [values.length] : [], raw);
  }

  /** A scalar constant of a float type (the graph's io type). */
  float(value: number, type: FloatType): string {
    const text =
      this.naming === 'builder-2024'
        ? `TensorProto.${TYPE_NAMES[type]}/0D/${pythonFloat(value, type)}`
        : `${TYPE_NAMES[type]}/${pythonFloat(value, type)}`;
    const raw =
      type === DataType.FLOAT16
        ? new Uint8Array(Uint16Array.of(float16Bits(value)).buffer)
        : new Uint8Array(Float32Array.of(value).buffer);
    return this.constant(text, type, [], raw);
  }

  private constant(text: string, dataType: DataTypeValue, dims: number[], rawData: Uint8Array): string {
    const name = `/model/constants/${text}`;
    this.add({
      name: name.replace('constants', 'constant_nodes'),
      opType: 'Constant',
      inputs: [],
      outputs: [name],
      attributes: [
        {
          name: 'value',
          kind: 'tensor',
          value: { name: name.replace('constants', 'numpy_helper'), dataType, dims, rawData },
        },
      ],
    });
    return name;
  }

  /** The finished graph. */
  finish(inputs: readonly ValueInfoSpec[], outputs: readonly ValueInfoSpec[]): GraphSource {
    return { name: 'main_graph', nodes: this.nodes, initializers: this.initializers, inputs, outputs };
  }
}
