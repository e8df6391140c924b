/**
 * Adds "KV delta" outputs to a decoder graph: for each layer, the keys and values of this pass's new positions
 * only (`present.N.key` sliced to the last `input_ids` length positions), so the token loop can append them to
 * its own cache instead of fetching the whole `present.*` every step.
 *
 * Why: onnxruntime-node 1.30 copies every output it returns into a new JavaScript buffer, a preallocated one too
 * (onnxruntime fills the caller's buffer, then run() returns a copy of it). Fetching the full cache therefore
 * copies it (tens of MB per token of context, ~0.8 GB at 1,000 tokens for Phi-3-mini) on every
 * decoded token, which dominated decode at long context. The delta of one step is 0.8 MB. `npm run bench`
 * measures the modes side by side.
 *
 * Memory: `present.N.*` stops being a graph output, so onnxruntime frees each layer's present as soon as its
 * slice is taken, instead of holding all of them (the whole cache a second time) until the pass ends. That only
 * happens if each slice runs right after its layer, which the node order below arranges (`npm run bench:memory`
 * measures it).
 *
 * The engine uses this rewrite only for graphs `direct-attention-graph.ts` cannot rewrite (that one also removes
 * the attention's copy of the past).
 *
 * The rewrite works on the serialized model without decoding it (`onnx-bytes.ts`): the new nodes and outputs are
 * appended to the graph's bytes, and the outputs it drops are cut out of them.
 */
import { DataType, encodeNode, encodeValueInfo } from '../../models/onnx-proto';
import {
  fields,
  findGraph,
  GRAPH,
  initializer,
  LENGTH_DELIMITED,
  lengthDelimited,
  stringField,
  valueInfoType,
  withGraph,
  type Field,
} from './onnx-bytes';

/** The name of layer `layer`'s delta output for `kind`. */
export function kvDeltaName(layer: number, kind: 'key' | 'value'): string {
  return `present_delta.${layer}.${kind}`;
}

/** A ValueInfoProto's name (field 1). */
const valueInfoName = (bytes: Uint8Array, info: Field): string => stringField(bytes, info, 1);

/** The graph's output names with their element types. */
function graphOutputs(bytes: Uint8Array, graph: Field): Map<string, number> {
  const outputs = new Map<string, number>();
  for (const f of fields(bytes, graph.payloadStart, graph.end)) {
    if (f.number !== GRAPH.output || f.wireType !== LENGTH_DELIMITED) continue;
    outputs.set(valueInfoName(bytes, f), valueInfoType(bytes, f).elemType);
  }
  return outputs;
}

/** The names of this rewrite's nodes start with it. */
const SLICE_PREFIX = '/localscribe/kv_delta';

const PRESENT = /^present\.\d+\.(key|value)$/;

/**
 * Returns `model` (a serialized ModelProto) with one delta output per `present.N.key|value` in place of those
 * outputs, or null when the graph has no such outputs (nothing to gain). `keepPresent` keeps them as outputs too
 * (`npm run bench:kv` compares the ways of fetching the cache on one graph); the engine never fetches them.
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function addKvDeltaOutputs(
  model: Uint8Array,
  options: { keepPresent?: boolean } = {},
): { model: Buffer; layers: number } | null {
  const graph = findGraph(model);
  const outputs = graphOutputs(model, graph);
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
      const elemType = (outputs.get(`present.${l}.${kind}`) || DataType.FLOAT) as typeof DataType.FLOAT;
      const shape = [1, `kv_heads_${l}`, 'new_tokens', `head_size_${l}`];
      extra.push(
        lengthDelimited(GRAPH.output, encodeValueInfo({ name: kvDeltaName(l, kind), elemType, shape })),
      );
    }
  }
  const kept: Uint8Array[] = [];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    const isPresent =
      f.number === GRAPH.output && f.wireType === LENGTH_DELIMITED && PRESENT.test(valueInfoName(model, f));
    if (!isPresent || options.keepPresent) kept.push(model.subarray(f.start, f.end));
  }
  const rewritten = withGraph(model, graph, [...kept, ...extra]);
  return { model: orderKvDeltaSlices(rewritten) ?? rewritten, layers };
}

const DELTA_SLICE = new RegExp(`^${SLICE_PREFIX}/(\\d+)/(key|value)$`);

/** A NodeProto's name (field 3). */
const nodeName = (bytes: Uint8Array, node: Field): string => stringField(bytes, node, 3);

/**
 * Returns `model` with this rewrite's slice nodes moved to the end of the node list, from the last layer to the
 * first, or null when it has none.
 *
 * Why: onnxruntime's default execution order is a depth-first walk back from the graph's leaves, last leaf first.
 * With layer 0's slice the last leaf, each layer's slices run right after its attention, before the next layer
 * starts, and its present is freed there. In any other order the logits' walk can come first: every layer runs
 * before any slice, holding all the presents (the whole cache a second time) until the pass ends. Both the
 * rewrite above and the optimized copies onnxruntime saves (which come back in an order of its own;
 * `optimized-model.ts`) go through this.
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function orderKvDeltaSlices(model: Uint8Array): Buffer | null {
  const graph = findGraph(model);
  const kept: Uint8Array[] = [];
  const slices: Array<{ layer: number; kind: string; bytes: Uint8Array }> = [];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    const match =
      f.number === GRAPH.node && f.wireType === LENGTH_DELIMITED && DELTA_SLICE.exec(nodeName(model, f));
    if (match)
      slices.push({ layer: Number(match[1]), kind: match[2], bytes: model.subarray(f.start, f.end) });
    else kept.push(model.subarray(f.start, f.end));
  }
  if (slices.length === 0) return null;
  slices.sort((a, b) => b.layer - a.layer || a.kind.localeCompare(b.kind));
  return withGraph(model, graph, [...kept, ...slices.map((s) => s.bytes)]);
}
