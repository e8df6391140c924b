/**
 * The attention parts of a Phi-3 decoder as onnxruntime-genai's model builder lays them out: Q/K/V projections
 * (packed or not), RotaryEmbedding nodes, GroupQueryAttention and MultiHeadAttention nodes, and the subgraphs that
 * turn `attention_mask` into what each op takes (builder.py's make_attention_mask_reformatting_for_gqa / _for_mha,
 * make_position_ids_reformatting).
 */
import { float16Bytes } from '../../localhost-engine/onnx/float16';
import { DataType } from '../../localhost-engine/onnx/schema';
import { DecoderGraph } from './decoder-parts';

const MS = 'com.microsoft';
const MASK = '/model/attn_mask_reformat';

/** GroupQueryAttention's mask inputs, and the int64 total length (read by the LongRoPE cache choice). */
export interface GqaMask {
  seqlensK: string;
  totalSequenceLength: string;
  totalLength: string;
}

/** cos_cache and sin_cache (initializers, or the outputs of LongRoPE's If). */
export interface RotaryCacheNames {
  cos: string;
  sin: string;
}

/**
 * seqlens_k (attention_mask's row sums − 1, int32) and total_sequence_length (its width, int32). The 2024 builder
 * kept ReduceSum's default keepdims (seqlens_k [batch, 1]); today's sets keepdims=0 ([batch]).
 */
export function gqaMask(d: DecoderGraph): GqaMask {
  const b = d.b;
  const base = `${MASK}/attn_mask_subgraph`;
  const one = b.int64([1]);
  const sum = b.op('ReduceSum', `${base}/ReduceSum`, ['attention_mask', one], {
    attributes: b.naming === 'builder-2024' ? [] : [{ name: 'keepdims', kind: 'int', value: 0 }],
  });
  const sub = b.op('Sub', `${base}/Sub`, [sum, one]);
  const int32 = [{ name: 'to', kind: 'int', value: DataType.INT32 } as const];
  const seqlensK = b.op('Cast', `${base}/Sub/Cast`, [sub], { attributes: int32 });
  const shape = b.op('Shape', `${base}/Shape`, ['attention_mask']);
  const totalLength = b.op('Gather', `${base}/Gather`, [shape, b.int64(1)], {
    attributes: [{ name: 'axis', kind: 'int', value: 0 }],
  });
  const totalSequenceLength = b.op('Cast', `${base}/Gather/Cast`, [totalLength], { attributes: int32 });
  return { seqlensK, totalSequenceLength, totalLength };
}

/** Shape → Gather(idx) → Unsqueeze, the builder's way of reading one dimension as a 1-D tensor. */
function dimension(d: DecoderGraph, base: string, n: number, input: string, idx: number): string {
  const b = d.b;
  const shape = b.op('Shape', `${base}/Shape_${n}`, [input]);
  const gather = b.op('Gather', `${base}/Gather_${n}`, [shape, b.int64(idx)], {
    attributes: [{ name: 'axis', kind: 'int', value: 0 }],
  });
  return b.op('Unsqueeze', `${base}/Unsqueeze_${n}`, [gather, b.int64([0])]);
}

/**
 * builder.py's make_common_mask_reformat_subgraph: expands `toExpand` to [batch, 1, rows, columns], where the
 * shape is read from `root` and `forConcat` (the -1 entries of an Expand shape replaced by 1).
 */
function expandToMaskShape(
  d: DecoderGraph,
  base: string,
  root: string,
  forConcat: string,
  toExpand: string,
  inputIds: boolean,
): string {
  const b = d.b;
  const batch = dimension(d, base, 1, root, 0);
  const length = dimension(d, base, 2, root, 1);
  const shapeParts = inputIds
    ? [batch, b.int64([1]), length, forConcat]
    : [batch, b.int64([1]), forConcat, length];
  const concat = b.op('Concat', `${base}/${inputIds ? 'Concat_1' : 'Concat'}`, shapeParts, {
    attributes: [{ name: 'axis', kind: 'int', value: 0 }],
  });
  const rank = b.op('Shape', `${base}/Shape_3`, [concat]);
  const ones = b.op(
    'ConstantOfShape',
    `${base}/${inputIds ? 'ConstantOfShape_1' : 'ConstantOfShape'}`,
    [rank],
    {
      attributes: [
        {
          name: 'value',
          kind: 'tensor',
          value: {
            name: '',
            dataType: DataType.INT64,
            dims: [1],
            rawData: new Uint8Array(BigInt64Array.of(1n).buffer),
          },
        },
      ],
    },
  );
  const minusOnes = b.op('Mul', `${base}/Mul`, [ones, b.int64(-1)]);
  const isMinusOne = b.op('Equal', `${base}/Equal`, [concat, minusOnes]);
  const shape = b.op('Where', `${base}/Where_1`, [isMinusOne, ones, concat]);
  return b.op('Expand', `${base}/Expand`, [toExpand, shape]);
}

/** The lowest finite value of the io type, which the builder's masks add for "do not attend". */
function lowest(d: DecoderGraph): number {
  return d.spec.ioType === DataType.FLOAT16 ? -65504 : -3.4028234663852886e38;
}

/**
 * The 4-D additive mask MultiHeadAttention takes as attention_bias, [batch, heads, sequence, total]: a causal
 * [sequence, sequence] part from input_ids plus the padding part from attention_mask (builder.py's
 * make_attention_mask_reformatting_for_mha). The April 2024 builder repeated it over heads with a Concat of
 * num_heads copies; from 2024-05-10 (#426) with a Tile. Also returns attention_mask's width (int64).
 */
export function mhaMask(d: DecoderGraph, heads: 'concat' | 'tile'): { mask: string; totalLength: string } {
  const b = d.b;
  const t = d.spec.ioType;
  const ids = `${MASK}/input_ids_subgraph`;
  const am = `${MASK}/attn_mask_subgraph`;
  const axis0 = [{ name: 'axis', kind: 'int', value: 0 } as const];

  const pastShape = b.op('Shape', `${MASK}/past_key_subgraph/Shape`, ['past_key_values.0.key']);
  const pastLength = b.op('Gather', `${MASK}/past_key_subgraph/Gather`, [pastShape, b.int64(2)], {
    attributes: axis0,
  });
  // The builder names these before it makes the Gather they read (ids/Gather_2); onnxruntime sorts the nodes.
  const seqLength = `${ids}/Gather_2/output_0`;
  const total = b.op('Add', `${ids}/Add_1`, [seqLength, pastLength]);
  const totalForConcat = b.op('Unsqueeze', `${ids}/Unsqueeze_3`, [total, b.int64([0])]);
  const rows = b.op('Unsqueeze', `${ids}/Unsqueeze_4`, [seqLength, b.int64([0])]);
  const columns = b.op('Unsqueeze', `${ids}/Unsqueeze_5`, [seqLength, b.int64([0])]);
  const seqForConcat = b.op('Unsqueeze', `${ids}/Unsqueeze_6`, [seqLength, b.int64([0])]);
  const square = b.op('Concat', `${ids}/Concat_2`, [rows, columns], { attributes: axis0 });
  const lowestBytes =
    t === DataType.FLOAT16 ? float16Bytes([lowest(d)]) : new Uint8Array(Float32Array.of(lowest(d)).buffer);
  const filled = b.op('ConstantOfShape', `${ids}/ConstantOfShape_2`, [square], {
    attributes: [
      { name: 'value', kind: 'tensor', value: { name: '', dataType: t, dims: [1], rawData: lowestBytes } },
    ],
  });
  const lastDim = (n: number) => {
    const shape = b.op('Shape', `${ids}/Shape_${n + 3}`, [filled]);
    const slice = b.op('Slice', `${ids}/Slice_${n}`, [
      shape,
      b.int64([-1]),
      b.int64([9223372036854775807n]),
      b.int64([0]),
    ]);
    return b.op('Squeeze', `${ids}/Squeeze_${n}`, [slice, b.int64([0])]);
  };
  const top = b.op('Unsqueeze', `${ids}/output_0`, [lastDim(1), b.int64([0])]);
  const column = b.op('Concat', `${ids}/Concat_3`, [top, b.int64([1])], { attributes: axis0 });
  const range = b.op('Range', `${ids}/Range`, [b.int64(0), lastDim(2), b.int64(1)]);
  const rangePlusOne = b.op('Add', `${ids}/Add_2`, [range, b.int64(1)]);
  const reshaped = b.op('Reshape', `${ids}/Reshape`, [rangePlusOne, column]);
  const below = b.op('Less', `${ids}/Less`, [range, reshaped]);
  const causal = b.op('Where', `${ids}/Where_2`, [below, b.float(0, t), filled]);
  const causal3 = b.op('Unsqueeze', `${ids}/Unsqueeze_8`, [causal, b.int64([0])]);
  const causal4 = b.op('Unsqueeze', `${ids}/Unsqueeze_9`, [causal3, b.int64([1])]);
  const causalExpanded = expandToMaskShape(d, ids, 'input_ids', totalForConcat, causal4, true);

  const mask3 = b.op('Unsqueeze', `${am}/Unsqueeze_3`, ['attention_mask', b.int64([1])]);
  const mask4 = b.op('Unsqueeze', `${am}/Unsqueeze_4`, [mask3, b.int64([2])]);
  const maskExpanded = expandToMaskShape(d, am, 'attention_mask', seqForConcat, mask4, false);
  const asFloat = b.op('Cast', `${am}/Cast_1`, [maskExpanded], {
    attributes: [{ name: 'to', kind: 'int', value: t }],
  });
  const inverted = b.op('Sub', `${am}/Sub`, [b.float(1, t), asFloat]);
  const masked = b.op('Cast', `${am}/Cast_2`, [inverted], {
    attributes: [{ name: 'to', kind: 'int', value: DataType.BOOL }],
  });
  const padding = b.op('Where', `${am}/Where_2`, [masked, b.float(lowest(d), t), inverted]);

  const sum = b.op('Add', `${MASK}/Add`, [padding, causalExpanded]);
  const mask =
    heads === 'tile'
      ? b.op('Tile', `${MASK}/Tile`, [sum, b.int64([1, d.c.numAttentionHeads, 1, 1])])
      : b.op('Concat', `${MASK}/Concat`, Array<string>(d.c.numAttentionHeads).fill(sum), {
          attributes: [{ name: 'axis', kind: 'int', value: 1 }],
        });
  return { mask, totalLength: `${am}/Gather_2/output_0` };
}

/** position_ids reshaped to [-1, sequence_length] (the 2024 Mistral/Phi-3 builder's make_position_ids_reformatting). */
export function positionIdsReformat(d: DecoderGraph): string {
  const b = d.b;
  const base = '/model/pos_ids_reformat';
  const shape = b.op('Shape', `${base}/Shape`, ['input_ids']);
  const length = b.op('Gather', `${base}/Gather`, [shape, b.int64(1)], {
    attributes: [{ name: 'axis', kind: 'int', value: 0 }],
  });
  const unsqueezed = b.op('Unsqueeze', `${base}/Unsqueeze`, [length, b.int64([0])]);
  const target = b.op('Concat', `${base}/Concat`, [b.int64([-1]), unsqueezed], {
    attributes: [{ name: 'axis', kind: 'int', value: 0 }],
  });
  return b.op('Reshape', `${base}/Reshape`, ['position_ids', target]);
}

/** Q, K and V projections: one packed qkv_proj MatMulNBits (then K and V are empty) or three. */
export function qkvProjections(
  d: DecoderGraph,
  layer: number,
  input: string,
  packed: boolean,
): { q: string; k: string; v: string } {
  const base = `/model/layers.${layer}/attn`;
  const h = d.c.hiddenSize;
  if (packed) {
    return { q: d.matMul(`${base}/qkv_proj/MatMul`, input, d.qSize + 2 * d.kvSize, h, 1), k: '', v: '' };
  }
  return {
    q: d.matMul(`${base}/q_proj/MatMul`, input, d.qSize, h, 1),
    k: d.matMul(`${base}/k_proj/MatMul`, input, d.kvSize, h, 1),
    v: d.matMul(`${base}/v_proj/MatMul`, input, d.kvSize, h, 1),
  };
}

/** Rotary embeddings applied to Q and K by RotaryEmbedding nodes (non-interleaved). */
export function rotaryQk(
  d: DecoderGraph,
  layer: number,
  qk: { q: string; k: string },
  positionIds: string,
  caches: RotaryCacheNames,
): { q: string; k: string } {
  const rotary = (which: 'q' | 'k', x: string) =>
    d.b.op(
      'RotaryEmbedding',
      `/model/layers.${layer}/attn/${which}_rotary/RotaryEmbedding`,
      [x, positionIds, caches.cos, caches.sin],
      { domain: MS, attributes: [{ name: 'interleaved', kind: 'int', value: 0 }] },
    );
  return { q: rotary('q', qk.q), k: rotary('k', qk.k) };
}

/** How an export's GroupQueryAttention nodes differ. */
export interface GqaOptions {
  /** Rotary inside the op (do_rotary=1, cos/sin caches as inputs 7 and 8). */
  rotary: RotaryCacheNames | null;
  /** 9 inputs (builder 2024: q, k, v, past k/v, seqlens_k, total_sequence_length, cos, sin) or 12 (today's). */
  inputCount: 9 | 12;
  /** Today's builder writes local_window_size (the model's sliding_window) and softcap; 2024's left them out. */
  window: { localWindowSize: number; softcap: number } | null;
}

/** A GroupQueryAttention node reading and writing the layer's KV cache; returns its output. */
export function groupQueryAttention(
  d: DecoderGraph,
  layer: number,
  qkv: { q: string; k: string; v: string },
  mask: GqaMask,
  o: GqaOptions,
): string {
  const name = `/model/layers.${layer}/attn/GroupQueryAttention`;
  const inputs = [
    qkv.q,
    qkv.k,
    qkv.v,
    `past_key_values.${layer}.key`,
    `past_key_values.${layer}.value`,
    mask.seqlensK,
    mask.totalSequenceLength,
    o.rotary?.cos ?? '',
    o.rotary?.sin ?? '',
    ...(o.inputCount === 12 ? ['', '', ''] : []),
  ];
  const c = d.c;
  return d.b.add({
    name,
    opType: 'GroupQueryAttention',
    domain: MS,
    inputs,
    outputs: [`${name}/output_0`, `present.${layer}.key`, `present.${layer}.value`],
    attributes: [
      { name: 'num_heads', kind: 'int', value: c.numAttentionHeads },
      { name: 'kv_num_heads', kind: 'int', value: c.numKeyValueHeads },
      { name: 'scale', kind: 'float', value: 1 / Math.sqrt(c.headSize) },
      ...(o.window
        ? [
            { name: 'local_window_size', kind: 'int', value: o.window.localWindowSize } as const,
            { name: 'softcap', kind: 'float', value: o.window.softcap } as const,
          ]
        : []),
      { name: 'do_rotary', kind: 'int', value: o.rotary ? 1 : 0 },
      { name: 'rotary_interleaved', kind: 'int', value: 0 },
    ],
  })[0];
}

/**
 * A MultiHeadAttention node: Q, K, V, no bias or key padding mask, the 4-D mask as attention_bias (input 5), the
 * layer's past key and value; returns its output.
 */
export function multiHeadAttention(
  d: DecoderGraph,
  layer: number,
  qkv: { q: string; k: string; v: string },
  mask: string,
): string {
  const name = `/model/layers.${layer}/attn/MultiHeadAttention`;
  return d.b.add({
    name,
    opType: 'MultiHeadAttention',
    domain: MS,
    inputs: [
      qkv.q,
      qkv.k,
      qkv.v,
      '',
      '',
      mask,
      `past_key_values.${layer}.key`,
      `past_key_values.${layer}.value`,
    ],
    outputs: [`${name}/output_0`, `present.${layer}.key`, `present.${layer}.value`],
    attributes: [
      { name: 'num_heads', kind: 'int', value: d.c.numAttentionHeads },
      { name: 'scale', kind: 'float', value: 1 / Math.sqrt(d.c.headSize) },
    ],
  })[0];
}
