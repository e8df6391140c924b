/**
 * Sets `accuracy_level` 4 on every int4 product (`MatMulNBits`) of a graph's main graph that leaves it at 0 or
 * unset, as transformers.js' q4 files and Microsoft's DirectML export do: onnxruntime's CPU kernel then rounds each
 * block of the input to int8 and multiplies in integers, as it does for Microsoft's CPU export.
 *
 * Why: at level 0 the CPU kernel multiplies in float, far slower in decode and prefill (BENCHMARKS.md). Level 4 is
 * what Microsoft ships for CPUs; the cost is the input's rounding to int8 per block, which
 * `test/helpers/same-logits.ts` bounds.
 */
import { findGraph, readNode, stringField } from '../read';
import { ATTRIBUTE, GRAPH, NODE } from '../schema';
import { withGraph } from '../splice';
import { fields, lengthDelimited } from '../wire';
import { encodeAttribute } from '../write';

/** The level whose CPU kernel quantizes the input to int8 (onnxruntime's contrib op documentation). */
export const INT8_ACCURACY_LEVEL = 4;

/**
 * `model` with every float-input `MatMulNBits` at accuracy level 4 and how many it changed, or null when none
 * needed it (the graph is then used as it is).
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function withInt8Activations(model: Uint8Array): { model: Buffer; nodes: number } | null {
  const graph = findGraph(model);
  const parts: Uint8Array[] = [];
  let changed = 0;
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    const node = f.number === GRAPH.node ? readNode(model, f) : null;
    if (!node || node.opType !== 'MatMulNBits' || (node.ints.get('accuracy_level') ?? 0) !== 0) {
      parts.push(model.subarray(f.start, f.end));
      continue;
    }
    // The node's fields but a level-0 attribute, then level 4.
    const kept: Uint8Array[] = [];
    for (const g of fields(model, f.payloadStart, f.end)) {
      const isLevel =
        g.number === NODE.attribute && stringField(model, g, ATTRIBUTE.name) === 'accuracy_level';
      if (!isLevel) kept.push(model.subarray(g.start, g.end));
    }
    const level = encodeAttribute({ name: 'accuracy_level', kind: 'int', value: INT8_ACCURACY_LEVEL });
    parts.push(lengthDelimited(GRAPH.node, Buffer.concat([...kept, lengthDelimited(NODE.attribute, level)])));
    changed++;
  }
  return changed ? { model: withGraph(model, graph, parts), nodes: changed } : null;
}
