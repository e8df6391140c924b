/**
 * Where a decoder graph attends, layer by layer, as the direct-attention rewrite needs to know it: the op
 * (GroupQueryAttention or MultiHeadAttention), where its query, keys and values come from (packed or not), whether
 * it applies the rotary embedding itself, its window and scale, and the cache's element type. A graph the rewrite
 * cannot take gets the reason, in words for the engine's log.
 */
import type { GraphView, NodeView } from '../read';
import { DataType } from '../schema';

export interface AttentionSite {
  layer: number;
  node: NodeView;
  op: 'GroupQueryAttention' | 'MultiHeadAttention';
  /** Query input; with `packed`, the query, keys and values concatenated on the last axis. */
  query: string;
  key: string;
  value: string;
  packed: boolean;
  pastKey: string;
  pastValue: string;
  heads: number;
  kvHeads: number;
  headSize: number;
  scale: number;
  /** Rotary applied inside the op (GroupQueryAttention with do_rotary): its cos and sin caches. */
  rotary: { cos: string; sin: string; interleaved: number } | null;
  /** Keys a position attends to, its own included (GroupQueryAttention's local window); null: all. */
  window: number | null;
  /** float32 or float16: the cache's, and the attention's inputs'. */
  elemType: typeof DataType.FLOAT | typeof DataType.FLOAT16;
}

/** Where each input of the two ops sits (com.microsoft's contrib op schemas). */
const SLOTS = {
  GroupQueryAttention: { pastKey: 3, pastValue: 4, extra: [9, 10, 11] },
  MultiHeadAttention: { pastKey: 6, pastValue: 7, extra: [3, 4, 8, 9] },
} as const;

/** One attention node as a site, or why the rewrite cannot take it. */
function siteOf(n: NodeView, view: GraphView): AttentionSite | string {
  const op = n.opType as AttentionSite['op'];
  const slots = SLOTS[op];
  const m = /^past_key_values\.(\d+)\.key$/.exec(n.inputs[slots.pastKey] ?? '');
  if (!m) return `${n.name} does not read a past_key_values input`;
  const layer = Number(m[1]);
  if (n.inputs[slots.pastValue] !== `past_key_values.${layer}.value`)
    return `${n.name} reads another layer's values`;
  if (
    n.outputs[1] !== `present.${layer}.key` ||
    n.outputs[2] !== `present.${layer}.value` ||
    n.outputs.length > 3
  )
    return `${n.name} does not output exactly its layer's presents`;
  const used = slots.extra.filter((i) => (n.inputs[i] ?? '') !== '');
  if (used.length > 0) return `${n.name} uses inputs the rewrite does not model (${used.join(', ')})`;
  if ((n.floats.get('softcap') ?? 0) !== 0 || (n.ints.get('smooth_softmax') ?? 0) !== 0)
    return `${n.name} caps or smooths its softmax`;
  const past = view.inputs.get(n.inputs[slots.pastKey]);
  const headSize = past?.dims[3];
  if (!past || !headSize) return `${n.name}'s past has no fixed head size`;
  if (past.elemType !== DataType.FLOAT && past.elemType !== DataType.FLOAT16)
    return `${n.name}'s cache is neither float32 nor float16`;
  const heads = n.ints.get('num_heads') ?? 0;
  const kvHeads = op === 'GroupQueryAttention' ? (n.ints.get('kv_num_heads') ?? 0) : heads;
  if (!heads || !kvHeads || heads % kvHeads !== 0) return `${n.name} has no usable head counts`;
  const packed = op === 'GroupQueryAttention' && !n.inputs[1] && !n.inputs[2];
  if (!packed && (!n.inputs[1] || !n.inputs[2])) return `${n.name} takes keys and values it does not name`;
  const rotary =
    op === 'GroupQueryAttention' && n.ints.get('do_rotary') === 1
      ? { cos: n.inputs[7], sin: n.inputs[8], interleaved: n.ints.get('rotary_interleaved') ?? 0 }
      : null;
  if (rotary && (!rotary.cos || !rotary.sin)) return `${n.name} rotates without cos and sin caches`;
  const lws = op === 'GroupQueryAttention' ? (n.ints.get('local_window_size') ?? -1) : -1;
  return {
    layer,
    node: n,
    op,
    query: n.inputs[0],
    key: n.inputs[1],
    value: n.inputs[2],
    packed,
    pastKey: n.inputs[slots.pastKey],
    pastValue: n.inputs[slots.pastValue],
    heads,
    kvHeads,
    headSize,
    scale: n.floats.get('scale') || 1 / Math.sqrt(headSize),
    rotary,
    window: lws > 0 ? lws : null,
    elemType: past.elemType,
  };
}

/**
 * Every layer's attention site, in layer order, and the nodes outside them that read the past (only `Shape`
 * is allowed there: MultiHeadAttention exports read the past's length from it); or the reason the graph does not
 * qualify.
 */
export function attentionSites(view: GraphView): { sites: AttentionSite[]; pastShapes: NodeView[] } | string {
  const sites: AttentionSite[] = [];
  const pastShapes: NodeView[] = [];
  for (const n of view.nodes) {
    if (n.opType === 'GroupQueryAttention' || n.opType === 'MultiHeadAttention') {
      const site = siteOf(n, view);
      if (typeof site === 'string') return site;
      sites.push(site);
    } else if (n.opType.endsWith('Attention')) {
      return `the graph's ${n.opType} is not an op the rewrite knows`;
    } else if (n.inputs.some((i) => i.startsWith('past_key_values.'))) {
      if (n.opType !== 'Shape') return `${n.name} (${n.opType}) reads the past outside attention`;
      pastShapes.push(n);
    }
  }
  if (sites.length === 0) return 'the graph has no attention the rewrite knows';
  sites.sort((a, b) => a.layer - b.layer);
  if (sites.some((s, i) => s.layer !== i)) return 'the layers do not each have one attention node';
  const first = sites[0];
  if (sites.some((s) => s.elemType !== first.elemType || s.headSize !== first.headSize))
    return 'the layers differ in cache type or head size';
  return { sites, pastShapes };
}
