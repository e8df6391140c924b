/**
 * Rewrites a decoder graph that computes logits for every position of a pass (no `num_logits_to_keep` input,
 * as in Microsoft's onnxruntime-genai exports) so that it computes them for the last position only: the LM
 * head's input is sliced to that position first.
 *
 * Why: the token loop reads only the last position's logits. For the rest, each prompt pass of 256 tokens on
 * Phi-3-mini runs the LM head 255 times for nothing (3,072 × 32,064 multiply-adds per token, about 3 % of a
 * prompt token's work) and hands 33 MB of logits to JavaScript. On the generated Phi-3-mini in the GenAI layout,
 * prefill of a 1,024-token prompt went from 31.99 to 33.29 tok/s (medians of 8 runs alternated in one process,
 * `npm run bench:logits`, BENCHMARKS.md); four runs of that command measured 3.0 to 4.1 % faster.
 *
 * Only the path from `logits` back to the LM head is touched, and only when every node on it works position by
 * position: Cast and Tanh, or Add/Sub/Mul/Div with a weight (a softcap, a bias), down to a MatMul with a weight
 * or a MatMulNBits, at ONNX opset 10 or later. Anything else returns null and the graph stays as it is.
 * `logits` is declared [batch, 1, vocab].
 */
import { DataType, encodeNode, encodeValueInfo, type DataTypeValue } from '../../models/onnx-proto';
import {
  defaultOpset,
  fields,
  findGraph,
  GRAPH,
  initializer,
  LENGTH_DELIMITED,
  lengthDelimited,
  repeatedStrings,
  stringField,
  valueInfoType,
  withGraph,
  withRepeatedStrings,
  type Field,
} from './onnx-bytes';

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
  const producers = new Map<string, Field>();
  const weights = new Set<string>();
  let logits: Field | null = null;
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    if (f.wireType !== LENGTH_DELIMITED) continue;
    if (f.number === GRAPH.input && stringField(model, f, 1) === 'num_logits_to_keep') return null;
    // TensorProto.name = 8.
    if (f.number === GRAPH.initializer) weights.add(stringField(model, f, 8));
    if (f.number === GRAPH.node) for (const o of repeatedStrings(model, f, 2)) producers.set(o, f);
    if (f.number === GRAPH.output && stringField(model, f, 1) === 'logits') logits = f;
  }
  if (!logits) return null;
  const declared = valueInfoType(model, logits);
  if (declared.dims.length !== 3) return null;

  let head: Field | null = null;
  let name = 'logits';
  for (let hops = 0; hops < 8 && !head; hops++) {
    const node = producers.get(name);
    if (!node) return null;
    const op = stringField(model, node, 4);
    const inputs = repeatedStrings(model, node, 1);
    if (op === 'MatMulNBits' || (op === 'MatMul' && weights.has(inputs[1]))) head = node;
    else if (UNARY.has(op)) name = inputs[0];
    else if (WITH_WEIGHT.has(op) && inputs.length === 2 && weights.has(inputs[1])) name = inputs[0];
    else if (WITH_WEIGHT.has(op) && inputs.length === 2 && weights.has(inputs[0])) name = inputs[1];
    else return null;
  }
  if (!head) return null;

  const headInputs = repeatedStrings(model, head, 1);
  const last = `${PREFIX}/hidden`;
  const slice = lengthDelimited(
    GRAPH.node,
    encodeNode({
      name: `${PREFIX}/slice`,
      opType: 'Slice',
      inputs: [headInputs[0], `${PREFIX}/starts`, `${PREFIX}/ends`, `${PREFIX}/axes`],
      outputs: [last],
    }),
  );
  const [batch, , vocab] = declared.dims;
  const parts: Uint8Array[] = [
    initializer(`${PREFIX}/starts`, DataType.INT64, [1], [-1]),
    // Slice clamps the end to the dimension's size.
    initializer(`${PREFIX}/ends`, DataType.INT64, [1], [Number.MAX_SAFE_INTEGER]),
    initializer(`${PREFIX}/axes`, DataType.INT64, [1], [1]),
  ];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    if (f.start === head.start) {
      // In place, after the slice: the nodes stay in topological order.
      parts.push(
        slice,
        lengthDelimited(GRAPH.node, withRepeatedStrings(model, head, 1, [last, ...headInputs.slice(1)])),
      );
    } else if (f.start === logits.start) {
      const shape = [batch ?? 'batch_size', 1, vocab ?? 'vocab_size'];
      parts.push(
        lengthDelimited(
          GRAPH.output,
          encodeValueInfo({ name: 'logits', elemType: declared.elemType as DataTypeValue, shape }),
        ),
      );
    } else {
      parts.push(model.subarray(f.start, f.end));
    }
  }
  return withGraph(model, graph, parts);
}
