/**
 * Test helper: a serialized ONNX model's main graph — its nodes in order, with the subgraphs of `If` nodes, and its
 * output names — read with the engine's own reader.
 */
import {
  fields,
  findGraph,
  GRAPH,
  LENGTH_DELIMITED,
  repeatedStrings,
  stringField,
} from '../../localhost-engine/inference/onnx-bytes';

export interface GraphNode {
  name: string;
  opType: string;
  inputs: string[];
  /** Subgraph attributes (an If node's then_branch and else_branch), by attribute name. */
  branches: Record<string, GraphNode[]>;
}

/** A GraphProto's nodes and output names, from its bytes [from, to). */
function graphAt(bytes: Uint8Array, from: number, to: number): { nodes: GraphNode[]; outputs: string[] } {
  const nodes: GraphNode[] = [];
  const outputs: string[] = [];
  for (const f of fields(bytes, from, to)) {
    if (f.wireType !== LENGTH_DELIMITED) continue;
    if (f.number === GRAPH.output) outputs.push(stringField(bytes, f, 1));
    if (f.number !== GRAPH.node) continue;
    // NodeProto: input = 1, name = 3, op_type = 4, attribute = 5; AttributeProto: name = 1, g = 6.
    const node: GraphNode = {
      name: stringField(bytes, f, 3),
      opType: stringField(bytes, f, 4),
      inputs: repeatedStrings(bytes, f, 1),
      branches: {},
    };
    for (const a of fields(bytes, f.payloadStart, f.end)) {
      if (a.number !== 5 || a.wireType !== LENGTH_DELIMITED) continue;
      for (const g of fields(bytes, a.payloadStart, a.end)) {
        if (g.number === 6 && g.wireType === LENGTH_DELIMITED)
          node.branches[stringField(bytes, a, 1)] = graphAt(bytes, g.payloadStart, g.end).nodes;
      }
    }
    nodes.push(node);
  }
  return { nodes, outputs };
}

/** The main graph's nodes (with If branches) and output names. */
export function graphOf(model: Uint8Array): { nodes: GraphNode[]; outputs: string[] } {
  const graph = findGraph(model);
  return graphAt(model, graph.payloadStart, graph.end);
}

export function graphNodes(model: Uint8Array): GraphNode[] {
  return graphOf(model).nodes;
}
