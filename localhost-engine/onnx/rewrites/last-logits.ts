/**
 * Rewrites a decoder graph that computes logits for every position of a pass (no `num_logits_to_keep` input,
 * as in Microsoft's onnxruntime-genai exports and transformers.js' Phi-3 files) so that it computes them for the
 * last position only: the LM head's input is sliced to that position first.
 *
 * Why: the token loop reads only the last position's logits. For the rest, each prompt pass runs the LM head on
 * every other position for nothing and hands their logits to JavaScript (`npm run bench:logits` measures it).
 *
 * Only the path from `logits` back to the LM head is touched, and only when every node on it works position by
 * position: Cast and Tanh, or Add/Sub/Mul/Div with a weight (a softcap, a bias), down to a MatMul with a weight
 * or a MatMulNBits, at ONNX opset 10 or later. Anything else returns null and the graph stays as it is.
 * `logits` is declared [batch, 1, vocab].
 */
import { defaultOpset, findGraph, readGraph, type NodeView } from '../read';
import { DataType, GRAPH, NODE, type DataTypeValue } from '../schema';
import { initializer, withGraph, withRepeatedStrings } from '../splice';
import { fields, lengthDelimited } from '../wire';
import { encodeNode, encodeValueInfo } from '../write';

/** Prefix of every name this rewrite adds. */
const PREFIX = '/localscribe/last_logits';

/** Ops between the LM head and `logits` that act on each position alone, with one input carrying the data. */
const UNARY = new Set(['Cast', 'Tanh']);
const WITH_WEIGHT = new Set(['Add', 'Sub', 'Mul', 'Div']);

/**
 * Returns `model` computing `logits` for the last position of each pass, or null when the graph already can
 * (`num_logits_to_keep`) or its LM head cannot be found as described above.
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function lastPositionLogits(model: Uint8Array): Buffer | null {
  // Slice takes its bounds as inputs from opset 10 on.
  if (defaultOpset(model) < 10) return null;
  const graph = findGraph(model);
  const view = readGraph(model, graph);
  const logits = view.outputs.get('logits');
  if (view.inputs.has('num_logits_to_keep') || !logits || logits.dims.length !== 3) return null;
  const producers = new Map<string, NodeView>();
  for (const n of view.nodes) for (const o of n.outputs) producers.set(o, n);

  let head: NodeView | null = null;
  let name = 'logits';
  for (let hops = 0; hops < 8 && !head; hops++) {
    const node = producers.get(name);
    if (!node) return null;
    const [a, b] = node.inputs;
    const weight = (x: string): boolean => view.initializers.has(x);
    if (node.opType === 'MatMulNBits' || (node.opType === 'MatMul' && weight(b))) head = node;
    else if (UNARY.has(node.opType)) name = a;
    else if (WITH_WEIGHT.has(node.opType) && node.inputs.length === 2 && weight(b)) name = a;
    else if (WITH_WEIGHT.has(node.opType) && node.inputs.length === 2 && weight(a)) name = b;
    else return null;
  }
  if (!head) return null;

  const last = `${PREFIX}/hidden`;
  const slice = lengthDelimited(
    GRAPH.node,
    encodeNode({
      name: `${PREFIX}/slice`,
      opType: 'Slice',
      inputs: [head.inputs[0], `${PREFIX}/starts`, `${PREFIX}/ends`, `${PREFIX}/axes`],
      outputs: [last],
    }),
  );
  const [batch, , vocab] = logits.dims;
  const parts: Uint8Array[] = [
    initializer(`${PREFIX}/starts`, DataType.INT64, [1], [-1]),
    // Slice clamps the end to the dimension's size.
    initializer(`${PREFIX}/ends`, DataType.INT64, [1], [Number.MAX_SAFE_INTEGER]),
    initializer(`${PREFIX}/axes`, DataType.INT64, [1], [1]),
  ];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    if (f.start === head.field.start) {
      // In place, after the slice: the nodes stay in topological order.
      parts.push(
        slice,
        lengthDelimited(
          GRAPH.node,
          withRepeatedStrings(model, head.field, NODE.input, [last, ...head.inputs.slice(1)]),
        ),
      );
    } else if (f.start === logits.field.start) {
      const shape = [batch ?? 'batch_size', 1, vocab ?? 'vocab_size'];
      parts.push(
        lengthDelimited(
          GRAPH.output,
          encodeValueInfo({ name: 'logits', elemType: logits.elemType as DataTypeValue, shape }),
        ),
      );
    } else {
      parts.push(model.subarray(f.start, f.end));
    }
  }
  return withGraph(model, graph, parts);
}
