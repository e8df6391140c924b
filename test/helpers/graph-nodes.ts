/** Test helper: the nodes of a serialized ONNX model's main graph, in order, read with the engine's own reader. */
import {
  fields,
  findGraph,
  GRAPH,
  repeatedStrings,
  stringField,
} from '../../localhost-engine/inference/onnx-bytes';

export interface GraphNode {
  name: string;
  opType: string;
  inputs: string[];
}

export function graphNodes(model: Uint8Array): GraphNode[] {
  const graph = findGraph(model);
  const nodes: GraphNode[] = [];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    // NodeProto: input = 1, name = 3, op_type = 4.
    if (f.number !== GRAPH.node) continue;
    nodes.push({
      name: stringField(model, f, 3),
      opType: stringField(model, f, 4),
      inputs: repeatedStrings(model, f, 1),
    });
  }
  return nodes;
}
