/**
 * Adds "KV delta" outputs to a decoder graph: for each layer, the keys and values of this pass's new positions
 * only (`present.N.key` sliced to the last `input_ids` length positions), so the token loop can append them to
 * its own cache instead of fetching the whole `present.*` every step.
 *
 * Why: onnxruntime-node 1.30 copies every output it returns into a new JavaScript buffer (a preallocated one too),
 * so fetching the full cache copies all of it on every decoded token; a step's delta is one position per layer.
 * `present.N.*` stops being a graph output, so onnxruntime frees each layer's present as soon as its slice is
 * taken, if each slice runs right after its layer, which `orderKvDeltaSlices` arranges.
 *
 * The engine uses this rewrite only for graphs `direct-attention.ts` cannot rewrite.
 */
import { findGraph, readGraph, readNode } from '../read';
import { DataType, GRAPH } from '../schema';
import { initializer, withGraph } from '../splice';
import { fields, lengthDelimited, WIRE } from '../wire';
import { encodeNode, encodeValueInfo } from '../write';

/** The name of layer `layer`'s delta output for `kind`. */
export function kvDeltaName(layer: number, kind: 'key' | 'value'): string {
  return `present_delta.${layer}.${kind}`;
}

/** The names of this rewrite's nodes start with it. */
const SLICE_PREFIX = '/localscribe/kv_delta';

const PRESENT = /^present\.\d+\.(key|value)$/;

/**
 * Returns `model` (a serialized ModelProto) with one delta output per `present.N.key|value` in place of those
 * outputs, or null when the graph has no such outputs (nothing to gain). `keepPresent` keeps them as outputs too
 * (tests compare the two); the engine never fetches them.
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function addKvDeltaOutputs(
  model: Uint8Array,
  options: { keepPresent?: boolean } = {},
): { model: Buffer; layers: number } | null {
  const graph = findGraph(model);
  const { outputs } = readGraph(model, graph);
  let layers = 0;
  while (outputs.has(`present.${layers}.key`) && outputs.has(`present.${layers}.value`)) layers++;
  if (layers === 0) return null;

  // start = attention_mask length − input_ids length (the past's length); the new positions are [start, total).
  const p = SLICE_PREFIX;
  const extra: Buffer[] = [
    initializer(`${p}/one`, DataType.INT64, [1], [1]),
    initializer(`${p}/axis`, DataType.INT64, [1], [2]),
  ];
  const node = (name: string, opType: string, inputs: string[], output: string): void => {
    extra.push(lengthDelimited(GRAPH.node, encodeNode({ name, opType, inputs, outputs: [output] })));
  };
  node(`${p}/mask_shape`, 'Shape', ['attention_mask'], `${p}/mask_shape_out`);
  node(`${p}/total`, 'Gather', [`${p}/mask_shape_out`, `${p}/one`], `${p}/total_out`);
  node(`${p}/ids_shape`, 'Shape', ['input_ids'], `${p}/ids_shape_out`);
  node(`${p}/new`, 'Gather', [`${p}/ids_shape_out`, `${p}/one`], `${p}/new_out`);
  node(`${p}/start`, 'Sub', [`${p}/total_out`, `${p}/new_out`], `${p}/start_out`);
  // Their order in the node list decides when onnxruntime runs them: `orderKvDeltaSlices` below sets it.
  for (let l = 0; l < layers; l++) {
    for (const kind of ['key', 'value'] as const) {
      node(
        `${p}/${l}/${kind}`,
        'Slice',
        [`present.${l}.${kind}`, `${p}/start_out`, `${p}/total_out`, `${p}/axis`],
        kvDeltaName(l, kind),
      );
    }
  }
  for (let l = 0; l < layers; l++) {
    for (const kind of ['key', 'value'] as const) {
      const elemType = (outputs.get(`present.${l}.${kind}`)?.elemType ||
        DataType.FLOAT) as typeof DataType.FLOAT;
      const shape = [1, `kv_heads_${l}`, 'new_tokens', `head_size_${l}`];
      extra.push(
        lengthDelimited(GRAPH.output, encodeValueInfo({ name: kvDeltaName(l, kind), elemType, shape })),
      );
    }
  }
  const presents = new Set([...outputs].filter(([name]) => PRESENT.test(name)).map(([, v]) => v.field.start));
  const kept: Uint8Array[] = [];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    if (options.keepPresent || !(f.number === GRAPH.output && presents.has(f.start)))
      kept.push(model.subarray(f.start, f.end));
  }
  const rewritten = withGraph(model, graph, [...kept, ...extra]);
  return { model: orderKvDeltaSlices(rewritten) ?? rewritten, layers };
}

const DELTA_SLICE = new RegExp(`^${SLICE_PREFIX}/(\\d+)/(key|value)$`);

/**
 * Returns `model` with this rewrite's slice nodes moved to the end of the node list, from the last layer to the
 * first, or null when it has none.
 *
 * Why: onnxruntime's default execution order is a depth-first walk back from the graph's leaves, last leaf first.
 * With layer 0's slice the last leaf, each layer's slices run right after its attention and its present is freed
 * there; in any other order every layer can run before any slice, holding all the presents until the pass ends.
 * The optimized copies onnxruntime saves (in an order of its own; `optimized-model.ts`) go through this too.
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function orderKvDeltaSlices(model: Uint8Array): Buffer | null {
  const graph = findGraph(model);
  const kept: Uint8Array[] = [];
  const slices: Array<{ layer: number; kind: string; bytes: Uint8Array }> = [];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    const match =
      f.number === GRAPH.node &&
      f.wireType === WIRE.lengthDelimited &&
      DELTA_SLICE.exec(readNode(model, f).name);
    if (match)
      slices.push({ layer: Number(match[1]), kind: match[2], bytes: model.subarray(f.start, f.end) });
    else kept.push(model.subarray(f.start, f.end));
  }
  if (slices.length === 0) return null;
  slices.sort((a, b) => b.layer - a.layer || a.kind.localeCompare(b.kind));
  return withGraph(model, graph, [...kept, ...slices.map((s) => s.bytes)]);
}
