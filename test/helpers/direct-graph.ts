/** The engine's direct-attention rewrite of a graph, for tests that need it to apply (they fail with its reason). */
import { directAttention } from '../../localhost-engine/onnx/rewrites/direct-attention';

export function directGraph(model: Uint8Array): { model: Buffer; layers: number } {
  const rewritten = directAttention(model);
  if ('reason' in rewritten) throw new Error(`direct attention refused the graph: ${rewritten.reason}`);
  return rewritten;
}
