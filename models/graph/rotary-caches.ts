/**
 * The cos/sin caches of a real export: plain initializers `cos_cache` / `sin_cache` [context, head/2], or Phi-3.5's
 * LongRoPE pair of caches chosen at run time by an `If` on the total length (builder.py's
 * make_rotary_embedding_multi_cache).
 */
import { sourceBytes, TensorSource } from '../onnx-model-writer';
import { rotaryCaches } from '../phi3-weights';
import { DecoderGraph } from './decoder-parts';
import { RotaryCacheNames } from './attention-parts';

/** Phi-3.5's rope_scaling: per-frequency factors below and above the original context length. */
export interface LongRope {
  originalMaxPositionEmbeddings: number;
  shortFactor: readonly number[];
  longFactor: readonly number[];
}

/** The caches as graph initializers named cos_cache and sin_cache. */
export function plainRotaryCaches(d: DecoderGraph): RotaryCacheNames {
  const c = d.c;
  const { cos, sin } = rotaryCaches({
    positions: c.maxPositionEmbeddings,
    headSize: c.headSize,
    theta: c.ropeTheta,
    dataType: d.spec.ioType,
  });
  return { cos: d.b.init(cos), sin: d.b.init(sin) };
}

/** LongRoPE's magnitude scale ("su"/"longrope" policy): sqrt(1 + ln(scale) / ln(original)). */
export function longRopeScale(context: number, original: number): number {
  const scale = context / original;
  return scale <= 1 ? 1 : Math.sqrt(1 + Math.log(scale) / Math.log(original));
}

/**
 * The `If` over `totalLength > original context` whose branches hold the long (context rows, long factors) and
 * short (original rows, short factors) caches as Constant nodes, both scaled by the LongRoPE magnitude scale.
 */
export function longRopeCaches(d: DecoderGraph, rope: LongRope, totalLength: string): RotaryCacheNames {
  const c = d.c;
  const b = d.b;
  const t = d.spec.ioType;
  const mscale = longRopeScale(c.maxPositionEmbeddings, rope.originalMaxPositionEmbeddings);
  const branch = (size: 'large' | 'small', positions: number, factors: readonly number[]) => {
    const names = { cos: `cos_cache_${size}`, sin: `sin_cache_${size}` };
    const caches = rotaryCaches({
      positions,
      headSize: c.headSize,
      theta: c.ropeTheta,
      dataType: t,
      names,
      factors,
      mscale,
    });
    const constant = (which: 'cos' | 'sin', cache: TensorSource) => ({
      name: `/${size}/${which}_cache/Constant`,
      opType: 'Constant',
      inputs: [],
      outputs: [cache.name],
      attributes: [
        {
          name: 'value',
          kind: 'tensor',
          value: { name: '', dataType: t, dims: cache.dims, rawData: sourceBytes(cache) },
        },
      ] as const,
    });
    return {
      name: `${size}_rotemb_caches_graph`,
      nodes: [constant('cos', caches.cos), constant('sin', caches.sin)],
      initializers: [],
      inputs: [],
      outputs: [
        { name: names.cos, elemType: t, shape: [positions, c.headSize / 2] },
        { name: names.sin, elemType: t, shape: [positions, c.headSize / 2] },
      ],
    };
  };
  const base = '/model/rotemb_caches_subgraph';
  const greater = b.op('Greater', `${base}/Greater`, [
    totalLength,
    b.int64(rope.originalMaxPositionEmbeddings),
  ]);
  const [cos, sin] = b.add({
    name: `${base}/If`,
    opType: 'If',
    inputs: [greater],
    outputs: ['cos_cache', 'sin_cache'],
    attributes: [
      {
        name: 'then_branch',
        kind: 'graph',
        value: branch('large', c.maxPositionEmbeddings, rope.longFactor),
      },
      {
        name: 'else_branch',
        kind: 'graph',
        value: branch('small', rope.originalMaxPositionEmbeddings, rope.shortFactor),
      },
    ],
  });
  return { cos, sin };
}
