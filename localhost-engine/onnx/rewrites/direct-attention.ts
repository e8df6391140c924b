/**
 * Rewrites each layer's GroupQueryAttention so that decoding reads the engine's cache buffers where they are,
 * and the graph outputs only the new keys and values (the KV delta outputs of `kv-delta.ts`).
 *
 * Why: onnxruntime's CPU GroupQueryAttention cannot use the caller's buffer as its present (onnxruntime-node
 * 1.30 has no IO binding, and a preallocated output comes back as a copy), so on every pass and for every layer
 * it zero-fills a present as long as the past buffer, copies the whole past into it, then reads it. At 1,000
 * tokens of context that is about 2.4 GB of memory traffic per decoded token for Phi-3-mini, more than its
 * weights. A decoding pass (one new token) instead attends with standard operators that read the past once, in
 * place, with two MatMuls:
 *
 *   scores = [q·pastKᵀ + pastBias | q·kᵀ + causal] · scale   softmax   out = p_past·pastV + p_new·v
 *
 * `pastBias` hides the buffer's positions from the past's length (attention_mask length − input_ids length)
 * on, so the past may be a buffer longer than the tokens it holds, as the token loop's cache is.
 *
 * A prompt pass (several new tokens) keeps the model's GroupQueryAttention, whose fused kernel is faster there:
 * the decomposed form materializes a new-tokens × past scores matrix five times over (transpose, mask, concat,
 * softmax, split), which cost 9 % of a 256-token pass at 2,048 tokens of context on Phi-3-mini; its present is
 * sliced to the new positions. One `If` per layer chooses, on the number of new tokens.
 *
 * Only graphs whose every attention is a GroupQueryAttention with the rotary embedding applied before it
 * (do_rotary 0), separate query/key/value inputs, no sliding window and no softcap, over a float32 cache, at
 * ONNX opset 13 or later, are rewritten; anything else returns null and the caller keeps the KV delta slices.
 * Every layer's past must have the same length (the token loop's do), and the positions past the held ones
 * must hold finite numbers (zeros or earlier keys): they are masked by adding −∞ to their scores.
 */
import { defaultOpset, findGraph, readGraph, stringField, type NodeView } from '../read';
import { DataType, GRAPH, NODE, VALUE_INFO } from '../schema';
import { initializer, withGraph, withRepeatedStrings } from '../splice';
import { fields, lengthDelimited } from '../wire';
import { encodeNode, encodeValueInfo, type AttributeSpec, type NodeSpec } from '../write';
import { addKvDeltaOutputs, kvDeltaName } from './kv-delta';

/** Prefix of every name this rewrite adds. */
const PREFIX = '/localscribe/attn';

/** A subgraph (GraphProto: node = 1, name = 2, output = 12) of encoded nodes, with float outputs of rank 3 or 4. */
function branch(name: string, nodes: Buffer[], outputs: [string, string, string]): Buffer {
  const shapes = [
    ['batch', 'new_tokens', 'hidden'],
    ['batch', 'kv_heads', 'new_tokens', 'head_size'],
    ['batch', 'kv_heads', 'new_tokens', 'head_size'],
  ];
  return Buffer.concat([
    ...nodes,
    lengthDelimited(2, Buffer.from(name)),
    ...outputs.map((o, i) =>
      lengthDelimited(GRAPH.output, encodeValueInfo({ name: o, elemType: DataType.FLOAT, shape: shapes[i] })),
    ),
  ]);
}

/** An If node choosing between two branches (encoded GraphProto payloads). */
function ifNode(
  name: string,
  cond: string,
  outputs: string[],
  thenBranch: Buffer,
  elseBranch: Buffer,
): Buffer {
  return encodeNode({
    name,
    opType: 'If',
    inputs: [cond],
    outputs,
    attributes: [
      { name: 'then_branch', kind: 'graph', value: thenBranch },
      { name: 'else_branch', kind: 'graph', value: elseBranch },
    ],
  });
}

/**
 * Returns `model` with every GroupQueryAttention in an `If` as described above (decoding: direct attention;
 * prompt passes: the original node and slices of its present) and `present.N.*` replaced by
 * `kvDeltaName(N, kind)` outputs ([batch, kv_heads, new_tokens, head_size]), or null when the graph does not
 * qualify.
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function directAttention(model: Uint8Array): { model: Buffer; layers: number } | null {
  const graph = findGraph(model);
  const view = readGraph(model, graph);
  const inputs = view.inputs;
  const attention: NodeView[] = [];
  for (const n of view.nodes) {
    if (n.opType === 'GroupQueryAttention') attention.push(n);
    else if (/Attention$/.test(n.opType)) return null;
  }
  if (attention.length === 0 || !inputs.has('attention_mask') || !inputs.has('input_ids')) return null;

  const byLayer = new Map<number, NodeView>();
  for (const a of attention) {
    const m = /^past_key_values\.(\d+)\.key$/.exec(a.inputs[3] ?? '');
    if (!m) return null;
    const layer = Number(m[1]);
    const ok =
      a.inputs[4] === `past_key_values.${layer}.value` &&
      a.inputs[1] &&
      a.inputs[2] &&
      a.outputs[1] === `present.${layer}.key` &&
      a.outputs[2] === `present.${layer}.value` &&
      (a.ints.get('do_rotary') ?? 0) === 0 &&
      (a.ints.get('local_window_size') ?? -1) <= 0 &&
      (a.floats.get('softcap') ?? 0) === 0 &&
      (a.ints.get('smooth_softmax') ?? 0) === 0 &&
      a.inputs.length <= 7;
    if (!ok || byLayer.has(layer)) return null;
    byLayer.set(layer, a);
  }
  const layers = byLayer.size;
  const headSize = inputs.get('past_key_values.0.key')?.dims[3];
  if (!headSize || defaultOpset(model) < 13) return null;
  for (let l = 0; l < layers; l++) {
    if (!byLayer.has(l)) return null;
    for (const kind of ['key', 'value']) {
      const past = inputs.get(`past_key_values.${l}.${kind}`);
      if (!past || past.elemType !== DataType.FLOAT || past.dims[3] !== headSize) return null;
    }
  }

  const p = PREFIX;
  const extra: Buffer[] = [
    initializer(`${p}/zero`, DataType.INT64, [], [0]),
    initializer(`${p}/one`, DataType.INT64, [], [1]),
    initializer(`${p}/axis1`, DataType.INT64, [1], [1]),
    initializer(`${p}/axis2`, DataType.INT64, [1], [2]),
    initializer(`${p}/axis0`, DataType.INT64, [1], [0]),
    initializer(`${p}/fzero`, DataType.FLOAT, [], [0]),
    initializer(`${p}/fneg`, DataType.FLOAT, [], [-Infinity]),
    initializer(`${p}/to_bshd`, DataType.INT64, [4], [0, 0, -1, headSize]),
    initializer(`${p}/to_bsh`, DataType.INT64, [3], [0, 0, -1]),
  ];
  // Nodes go to the main graph, or to the decode branch of the layer being written.
  let sink = extra;
  const node = (spec: NodeSpec): string => {
    sink.push(lengthDelimited(GRAPH.node, encodeNode(spec)));
    return spec.outputs[0];
  };
  const op = (name: string, opType: string, ins: string[], attributes?: AttributeSpec[]): string =>
    node({ name: `${p}/${name}`, opType, inputs: ins, outputs: [`${p}/${name}/out`], attributes });
  const perm = (value: number[]): AttributeSpec[] => [{ name: 'perm', kind: 'ints', value }];

  // Shared by every layer: S (new tokens), past length, P (the past buffer's length) and the two masks.
  const maskShape = op('mask_shape', 'Shape', ['attention_mask']);
  const idsShape = op('ids_shape', 'Shape', ['input_ids']);
  const total = op('total', 'Gather', [maskShape, `${p}/one`]);
  const news = op('new', 'Gather', [idsShape, `${p}/one`]);
  const pastLength = op('past_length', 'Sub', [total, news]);
  const buffer = op('buffer', 'Gather', [op('past_shape', 'Shape', ['past_key_values.0.key']), `${p}/axis2`]);
  const bufferScalar = op('buffer_scalar', 'Squeeze', [buffer, `${p}/axis0`]);
  const positions = op('positions', 'Range', [`${p}/zero`, bufferScalar, `${p}/one`]);
  const pastBias = op('past_bias', 'Where', [
    op('past_valid', 'Less', [positions, pastLength]),
    `${p}/fzero`,
    `${p}/fneg`,
  ]);
  const newRange = op('new_range', 'Range', [`${p}/zero`, news, `${p}/one`]);
  const rows = op('new_rows', 'Unsqueeze', [newRange, `${p}/axis1`]);
  const causal = op('causal', 'Where', [
    op('future', 'Greater', [newRange, rows]),
    `${p}/fneg`,
    `${p}/fzero`,
  ]);
  const news1 = op('new_1d', 'Gather', [idsShape, `${p}/axis1`]);
  const total1 = op('total_1d', 'Gather', [maskShape, `${p}/axis1`]);
  const start1 = op('start_1d', 'Sub', [total1, news1]);
  const isDecode = op('is_decode', 'Equal', [news, `${p}/one`]);
  const splitSizes = op('split_sizes', 'Concat', [buffer, news1], [{ name: 'axis', kind: 'int', value: 0 }]);

  // Target shapes of the reshapes between query heads and key heads, spelled out from S: onnxruntime cannot
  // infer a -1 dimension of an empty tensor (an empty past gives empty scores).
  const shapeCache = new Map<string, { groups: string; groupedProbs: string; heads: string }>();
  const shapesFor = (
    heads: number,
    kvHeads: number,
  ): { groups: string; groupedProbs: string; heads: string } => {
    const key = `${heads}_${kvHeads}`;
    const known = shapeCache.get(key);
    if (known) return known;
    const made = new Set<string>();
    const c = (name: string, values: number[]): string => {
      if (!made.has(name))
        extra.push(initializer(`${p}/${key}/${name}`, DataType.INT64, [values.length], values));
      made.add(name);
      return `${p}/${key}/${name}`;
    };
    const groupRows = op(`${key}/group_rows`, 'Mul', [news1, c('group', [heads / kvHeads])]);
    const concat = (name: string, parts: string[]): string =>
      op(`${key}/${name}`, 'Concat', parts, [{ name: 'axis', kind: 'int', value: 0 }]);
    const shapes = {
      // [B, heads, S, hs] → [B, kv_heads, group·S, hs]
      groups: concat('to_groups', [c('keep_kv', [0, kvHeads]), groupRows, c('hs', [headSize])]),
      // [B, heads, S, n] → [B, kv_heads, group·S, n]
      groupedProbs: concat('to_groups_p', [c('keep_kv', [0, kvHeads]), groupRows, c('keep', [0])]),
      // [B, kv_heads, group·S, n] → [B, heads, S, n]
      heads: concat('to_heads', [c('keep_heads', [0, heads]), news1, c('keep', [0])]),
    };
    shapeCache.set(key, shapes);
    return shapes;
  };
  for (let l = 0; l < layers; l++) {
    const a = byLayer.get(l)!;
    const heads = a.ints.get('num_heads')!;
    const kvHeads = a.ints.get('kv_num_heads')!;
    if (!heads || !kvHeads || heads % kvHeads !== 0) return null;
    const scale = a.floats.get('scale') || 1 / Math.sqrt(headSize);
    const L = `${l}`;
    extra.push(initializer(`${p}/${L}/scale`, DataType.FLOAT, [], [scale]));
    const shapes = shapesFor(heads, kvHeads);
    const decode: Buffer[] = [];
    sink = decode;
    const branchOut = { out: `${p}/${L}/out`, key: `${p}/${L}/k_new`, value: `${p}/${L}/v_new` };
    const [q, k, v] = a.inputs;
    const past = { key: a.inputs[3], value: a.inputs[4] };
    // [B, S, heads·hs] → [B, kv_heads, group·S, hs]: query heads that share a key head sit together.
    const qT = op(
      `${L}/q_t`,
      'Transpose',
      [op(`${L}/q_4d`, 'Reshape', [op(`${L}/q_scaled`, 'Mul', [q, `${p}/${L}/scale`]), `${p}/to_bshd`])],
      perm([0, 2, 1, 3]),
    );
    const qG = op(`${L}/q_groups`, 'Reshape', [qT, shapes.groups]);
    // [B, S, kv_heads·hs] → [B, kv_heads, S, hs]: the new keys and values, as the branch outputs them.
    const headsFirst = (x: string, kind: 'k' | 'v', output: string): string =>
      node({
        name: `${p}/${L}/${kind}_t`,
        opType: 'Transpose',
        inputs: [op(`${L}/${kind}_4d`, 'Reshape', [x, `${p}/to_bshd`])],
        outputs: [output],
        attributes: perm([0, 2, 1, 3]),
      });
    const kNew = headsFirst(k, 'k', branchOut.key);
    const vNew = headsFirst(v, 'v', branchOut.value);
    // q·pastKᵀ: onnxruntime folds the transpose into the product (FusedMatMul), so no operator copies the keys;
    // with one query row per key head (Phi-3-mini) it runs that row against the keys as they lie ([P, hs] per
    // head). The keys-first form, pastK·qᵀ and a transpose of the scores, ran slower (`npm run bench:attention`).
    const pastScoresHeads = op(`${L}/past_scores`, 'Reshape', [
      op(`${L}/past_scores_g`, 'MatMul', [
        qG,
        op(`${L}/k_past_t`, 'Transpose', [past.key], perm([0, 1, 3, 2])),
      ]),
      shapes.heads,
    ]);
    const newScores = op(`${L}/new_scores`, 'Reshape', [
      op(`${L}/new_scores_g`, 'MatMul', [qG, op(`${L}/k_new_t`, 'Transpose', [kNew], perm([0, 1, 3, 2]))]),
      shapes.heads,
    ]);
    const scores = op(
      `${L}/scores`,
      'Concat',
      [
        op(`${L}/past_masked`, 'Add', [pastScoresHeads, pastBias]),
        op(`${L}/new_masked`, 'Add', [newScores, causal]),
      ],
      [{ name: 'axis', kind: 'int', value: -1 }],
    );
    const probs = op(`${L}/probs`, 'Softmax', [scores], [{ name: 'axis', kind: 'int', value: -1 }]);
    const [pPast, pNew] = [`${p}/${L}/p_past`, `${p}/${L}/p_new`];
    node({
      name: `${p}/${L}/split`,
      opType: 'Split',
      inputs: [probs, splitSizes],
      outputs: [pPast, pNew],
      attributes: [{ name: 'axis', kind: 'int', value: -1 }],
    });
    const fromPast = op(`${L}/from_past`, 'MatMul', [
      op(`${L}/p_past_g`, 'Reshape', [pPast, shapes.groupedProbs]),
      past.value,
    ]);
    const fromNew = op(`${L}/from_new`, 'MatMul', [
      op(`${L}/p_new_g`, 'Reshape', [pNew, shapes.groupedProbs]),
      vNew,
    ]);
    const outHeads = op(`${L}/out_heads`, 'Reshape', [
      op(`${L}/out_g`, 'Add', [fromPast, fromNew]),
      shapes.heads,
    ]);
    node({
      name: `${p}/${L}/out`,
      opType: 'Reshape',
      inputs: [op(`${L}/out_t`, 'Transpose', [outHeads], perm([0, 2, 1, 3])), `${p}/to_bsh`],
      outputs: [branchOut.out],
    });
    sink = extra;

    // Prompt passes: the original attention, and slices of its present for the new positions.
    const prompt: Buffer[] = [
      lengthDelimited(
        GRAPH.node,
        withRepeatedStrings(model, a.field, NODE.output, [
          `${p}/${L}/gqa_out`,
          `${p}/${L}/present_k`,
          `${p}/${L}/present_v`,
        ]),
      ),
    ];
    for (const [kind, present] of [
      ['k', `${p}/${L}/present_k`],
      ['v', `${p}/${L}/present_v`],
    ]) {
      prompt.push(
        lengthDelimited(
          GRAPH.node,
          encodeNode({
            name: `${p}/${L}/${kind}_slice`,
            opType: 'Slice',
            inputs: [present, start1, total1, `${p}/axis2`],
            outputs: [`${p}/${L}/${kind}_slice`],
          }),
        ),
      );
    }
    extra.push(
      lengthDelimited(
        GRAPH.node,
        ifNode(
          `${p}/${L}/if_decode`,
          isDecode,
          [a.outputs[0], kvDeltaName(l, 'key'), kvDeltaName(l, 'value')],
          branch(`${p}/${L}/decode`, decode, [branchOut.out, branchOut.key, branchOut.value]),
          branch(`${p}/${L}/prompt`, prompt, [`${p}/${L}/gqa_out`, `${p}/${L}/k_slice`, `${p}/${L}/v_slice`]),
        ),
      ),
    );
  }
  for (let l = 0; l < layers; l++) {
    for (const kind of ['key', 'value'] as const) {
      const shape = [1, `kv_heads_${l}`, 'new_tokens', `head_size_${l}`];
      extra.push(
        lengthDelimited(
          GRAPH.output,
          encodeValueInfo({ name: kvDeltaName(l, kind), elemType: DataType.FLOAT, shape }),
        ),
      );
    }
  }
  const dropped = new Set([
    ...attention.map((a) => a.field.start),
    ...[...view.outputs]
      .filter(([name]) => /^present\.\d+\.(key|value)$/.test(name))
      .map(([, o]) => o.field.start),
  ]);
  const kept: Uint8Array[] = [];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    const isPresentInfo =
      f.number === GRAPH.valueInfo &&
      /^present\.\d+\.(key|value)$/.test(stringField(model, f, VALUE_INFO.name));
    if (!dropped.has(f.start) && !isPresentInfo) kept.push(model.subarray(f.start, f.end));
  }
  return { model: withGraph(model, graph, [...kept, ...extra]), layers };
}

/**
 * The graph the engine opens on the CPU for a GroupQueryAttention model: direct attention where the graph
 * allows it, else the KV delta slices of `present.*`; null when the graph has neither (nothing to gain).
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function engineKvGraph(model: Uint8Array): { model: Buffer; layers: number } | null {
  return directAttention(model) ?? addKvDeltaOutputs(model);
}
