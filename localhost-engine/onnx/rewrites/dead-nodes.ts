/**
 * Removes the nodes of a model's main graph whose outputs nothing reads: no graph output, no other node, no node
 * inside a subgraph (If branches read outer values by name). A rewrite that stops reading a subgraph (the
 * direct-attention rewrite replaces MultiHeadAttention's mask) must drop it, because onnxruntime still runs it.
 * Initializers only the dropped nodes read go too (onnxruntime would warn about each at every start).
 */
import { findGraph, readGraph, stringField, type GraphView } from '../read';
import { GRAPH, TENSOR } from '../schema';
import { withGraph } from '../splice';
import { fields, type Field } from '../wire';

/** Every name the nodes of `view`, and of their subgraphs at any depth, read. */
function namesRead(model: Uint8Array, view: GraphView, into: Set<string>): void {
  for (const n of view.nodes) {
    for (const i of n.inputs) if (i) into.add(i);
    for (const g of n.graphs.values()) namesRead(model, readGraph(model, g), into);
  }
}

/**
 * `model` without its dead main-graph nodes, or `model` itself when it has none.
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function withoutDeadNodes(model: Buffer): Buffer {
  const graph = findGraph(model);
  const view = readGraph(model, graph);
  const live = new Set<Field['start']>(view.nodes.map((n) => n.field.start));
  for (;;) {
    const read = new Set(view.outputs.keys());
    namesRead(model, { ...view, nodes: view.nodes.filter((n) => live.has(n.field.start)) }, read);
    const dead = view.nodes.filter(
      (n) => live.has(n.field.start) && !n.outputs.some((o) => o && read.has(o)),
    );
    if (dead.length === 0) break;
    for (const n of dead) live.delete(n.field.start);
  }
  if (live.size === view.nodes.length) return model;
  const read = new Set(view.outputs.keys());
  namesRead(model, { ...view, nodes: view.nodes.filter((n) => live.has(n.field.start)) }, read);
  const parts: Uint8Array[] = [];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    if (f.number === GRAPH.node && !live.has(f.start)) continue;
    if (f.number === GRAPH.initializer && !read.has(stringField(model, f, TENSOR.name))) continue;
    parts.push(model.subarray(f.start, f.end));
  }
  return withGraph(model, graph, parts);
}
