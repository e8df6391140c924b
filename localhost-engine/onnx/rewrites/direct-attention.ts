/**
 * Rewrites each layer's attention (GroupQueryAttention or MultiHeadAttention, as Microsoft's and transformers.js'
 * Phi-3 exports have them) so that decoding reads the engine's cache buffers where they are, and the graph outputs
 * only the new keys and values (the KV delta outputs of `kv-delta.ts`).
 *
 * Why: onnxruntime's attention ops cannot use the caller's buffer as their present (onnxruntime-node 1.30 has no
 * IO binding, and a preallocated output comes back as a copy): on every pass, for every layer, they write a present
 * as long as the past and copy the whole past into it, and the caller gets it back as another copy. A decoding pass
 * (one new token) instead attends with standard operators that read the past once, in place:
 *
 *   scores = [q·pastKᵀ + pastBias | q·kᵀ] · scale   softmax   out = p_past·pastV + p_new·v
 *
 * `pastBias` hides the buffer's positions from the past's length (attention_mask length − input_ids length) on,
 * and those before a sliding window, so the past may be a buffer longer than the tokens it holds. Where the op
 * applied the rotary embedding itself (do_rotary), the decoding branch applies it to the query and the new key at
 * the past's length, from the op's own cos and sin caches; a packed query/key/value input is split first.
 *
 * A prompt pass (several new tokens) keeps the model's own op, whose fused kernel is faster there, and slices its
 * present to the new positions; MultiHeadAttention takes its past cut to the held length, and every `Shape` of a
 * past outside attention (MultiHeadAttention exports build their mask from it) reads that length instead of the
 * buffer's. One `If` per layer chooses, on the number of new tokens. float16 caches stay float16; their softmax
 * runs in float32, as onnxruntime's own float16 kernels do. With `halfCache`, a float32 graph's cache is float16
 * too: each branch widens its layer's past to float32 and rounds the new keys and values it outputs.
 */
import { defaultOpset, findGraph, readGraph, stringField } from '../read';
import { DataType, GRAPH, NODE, VALUE_INFO, type DataTypeValue } from '../schema';
import { initializer, withGraph, withRepeatedStrings } from '../splice';
import { fields, lengthDelimited } from '../wire';
import { encodeNode, encodeValueInfo, type AttributeSpec, type NodeSpec } from '../write';
import { attentionSites } from './attention-sites';
import { withoutDeadNodes } from './dead-nodes';
import { kvDeltaName } from './kv-delta';

/** Prefix of every name this rewrite adds. */
const PREFIX = '/localscribe/attn';
const MS = 'com.microsoft';

/** A subgraph (GraphProto: node = 1, name = 2, output = 12) of encoded nodes: the attention and the new keys and values. */
function branch(
  name: string,
  nodes: Buffer[],
  outputs: [string, string, string],
  types: { attention: DataTypeValue; cache: DataTypeValue },
): Buffer {
  const shapes = [
    ['batch', 'new_tokens', 'hidden'],
    ['batch', 'kv_heads', 'new_tokens', 'head_size'],
    ['batch', 'kv_heads', 'new_tokens', 'head_size'],
  ];
  return Buffer.concat([
    ...nodes,
    lengthDelimited(GRAPH.name, Buffer.from(name)),
    ...outputs.map((o, i) =>
      lengthDelimited(
        GRAPH.output,
        encodeValueInfo({ name: o, elemType: i ? types.cache : types.attention, shape: shapes[i] }),
      ),
    ),
  ]);
}

/**
 * Returns `model` with every attention node in an `If` as described above and `present.N.*` replaced by
 * `kvDeltaName(N, kind)` outputs ([batch, kv_heads, new_tokens, head_size]), or the reason the graph does not
 * qualify (for the engine's log; the caller then keeps the graph's own attention).
 * @throws Error when the bytes are not a well-formed ModelProto.
 */
export function directAttention(
  model: Uint8Array,
  options: { halfCache?: boolean } = {},
): { model: Buffer; layers: number } | { reason: string } {
  const graph = findGraph(model);
  const view = readGraph(model, graph);
  const analysis = attentionSites(view);
  if (typeof analysis === 'string') return { reason: analysis };
  if (!view.inputs.has('attention_mask') || !view.inputs.has('input_ids'))
    return { reason: 'the graph has no attention_mask or input_ids input' };
  if (defaultOpset(model) < 13) return { reason: 'the graph is older than ONNX opset 13' };
  const { sites, pastShapes } = analysis;
  const T = sites[0].elemType;
  // The cache's type: widened inside each layer's branch, so only one layer's past is ever float32 at a time.
  const C = options.halfCache ? DataType.FLOAT16 : T;
  const types = { attention: T, cache: C };
  const headSize = sites[0].headSize;

  const p = PREFIX;
  const extra: Buffer[] = [
    initializer(`${p}/zero`, DataType.INT64, [], [0]),
    initializer(`${p}/one`, DataType.INT64, [], [1]),
    initializer(`${p}/axis0`, DataType.INT64, [1], [0]),
    initializer(`${p}/axis1`, DataType.INT64, [1], [1]),
    initializer(`${p}/axis2`, DataType.INT64, [1], [2]),
    initializer(`${p}/fzero`, DataType.FLOAT, [], [0]),
    initializer(`${p}/fneg`, DataType.FLOAT, [], [-Infinity]),
    initializer(`${p}/to_bshd`, DataType.INT64, [4], [0, 0, -1, headSize]),
    initializer(`${p}/to_bsh`, DataType.INT64, [3], [0, 0, -1]),
  ];
  // Constants some graphs need (onnxruntime warns about unused ones): made on first use.
  const made = new Set<string>();
  const constant = (name: string, values: number[]): string => {
    if (!made.has(name)) extra.push(initializer(`${p}/${name}`, DataType.INT64, [values.length], values));
    made.add(name);
    return `${p}/${name}`;
  };
  // Nodes go to the main graph, or to the branch of the layer being written.
  let sink = extra;
  const node = (spec: NodeSpec): string => {
    sink.push(lengthDelimited(GRAPH.node, encodeNode(spec)));
    return spec.outputs[0];
  };
  const op = (
    name: string,
    opType: string,
    ins: string[],
    attributes?: AttributeSpec[],
    domain?: string,
  ): string =>
    node({ name: `${p}/${name}`, opType, inputs: ins, outputs: [`${p}/${name}/out`], attributes, domain });
  const perm = (value: number[]): AttributeSpec[] => [{ name: 'perm', kind: 'ints', value }];
  const axis = (value: number): AttributeSpec[] => [{ name: 'axis', kind: 'int', value }];
  const cast = (name: string, x: string, to: number): string =>
    op(name, 'Cast', [x], [{ name: 'to', kind: 'int', value: to }]);

  // Shared by every layer: S (new tokens), the past's length, P (the past buffer's length) and the masks.
  const maskShape = op('mask_shape', 'Shape', ['attention_mask']);
  const idsShape = op('ids_shape', 'Shape', ['input_ids']);
  const total = op('total', 'Gather', [maskShape, `${p}/one`]);
  const news = op('new', 'Gather', [idsShape, `${p}/one`]);
  const pastLength = op('past_length', 'Sub', [total, news]);
  const pastShape = op('past_shape', 'Shape', [sites[0].pastKey]);
  const buffer = op('buffer', 'Gather', [pastShape, `${p}/axis2`]);
  const bufferScalar = op('buffer_scalar', 'Squeeze', [buffer, `${p}/axis0`]);
  const positions = op('positions', 'Range', [`${p}/zero`, bufferScalar, `${p}/one`]);
  const held = op('past_valid', 'Less', [positions, pastLength]);
  const biasFor = new Map<number | null, string>();
  /** 0 where the new token may attend a past position, −∞ elsewhere (past the held ones, before the window). */
  const pastBias = (window: number | null): string => {
    const known = biasFor.get(window);
    if (known) return known;
    let valid = held;
    if (window !== null) {
      extra.push(initializer(`${p}/w${window}/reach`, DataType.INT64, [], [window - 1]));
      const first = op(`w${window}/first`, 'Sub', [pastLength, `${p}/w${window}/reach`]);
      valid = op(`w${window}/valid`, 'And', [
        held,
        op(`w${window}/in_window`, 'GreaterOrEqual', [positions, first]),
      ]);
    }
    const bias = op(`${window ?? 'all'}/past_bias`, 'Where', [valid, `${p}/fzero`, `${p}/fneg`]);
    biasFor.set(window, bias);
    return bias;
  };
  const news1 = op('new_1d', 'Gather', [idsShape, `${p}/axis1`]);
  const total1 = op('total_1d', 'Gather', [maskShape, `${p}/axis1`]);
  const start1 = op('start_1d', 'Sub', [total1, news1]);
  const isDecode = op('is_decode', 'Equal', [news, `${p}/one`]);
  const splitSizes = op('split_sizes', 'Concat', [buffer, news1], axis(0));
  // The new token's position, for the rotary embedding of ops that applied it themselves.
  const rotaryPosition = sites.some((s) => s.rotary)
    ? op('position', 'Reshape', [pastLength, constant('one_by_one', [1, 1])])
    : '';
  // MultiHeadAttention's prompt passes get a causal mask over the held and the new positions, [1, 1, S, total]:
  // the exports' own mask is built for a prompt with no past (its Expand fails on a second prompt pass).
  let causal = '';
  if (sites.some((s) => s.op === 'MultiHeadAttention')) {
    extra.push(initializer(`${p}/t_zero`, T, [], [0]), initializer(`${p}/t_neg`, T, [], [-Infinity]));
    const rows = op('rows', 'Unsqueeze', [
      op('rows_abs', 'Add', [op('new_range', 'Range', [`${p}/zero`, news, `${p}/one`]), pastLength]),
      `${p}/axis1`,
    ]);
    const later = op('later', 'Greater', [op('columns', 'Range', [`${p}/zero`, total, `${p}/one`]), rows]);
    causal = op('causal', 'Unsqueeze', [
      op('causal_2d', 'Where', [later, `${p}/t_neg`, `${p}/t_zero`]),
      constant('axes01', [0, 1]),
    ]);
  }

  // Every Shape of a past outside attention sees the held length, not the buffer's.
  const replaced = new Set<number>();
  for (const [i, s] of pastShapes.entries()) {
    const whole = op(`shape_${i}/whole`, 'Shape', [s.inputs[0]]);
    node({
      name: `${p}/shape_${i}`,
      opType: 'Concat',
      inputs: [
        op(`shape_${i}/head`, 'Slice', [whole, constant('zero_1d', [0]), constant('two_1d', [2])]),
        start1,
        op(`shape_${i}/tail`, 'Slice', [whole, constant('three_1d', [3]), constant('four_1d', [4])]),
      ],
      outputs: [s.outputs[0]],
      attributes: axis(0),
    });
    replaced.add(s.field.start);
  }

  // Target shapes of the reshapes between query heads and key heads, spelled out from S: onnxruntime cannot
  // infer a -1 dimension of an empty tensor (an empty past gives empty scores).
  const shapeCache = new Map<string, { groups: string; groupedProbs: string; heads: string }>();
  const shapesFor = (heads: number, kvHeads: number) => {
    const key = `${heads}_${kvHeads}`;
    const known = shapeCache.get(key);
    if (known) return known;
    const c = (name: string, values: number[]): string => {
      extra.push(initializer(`${p}/${key}/${name}`, DataType.INT64, [values.length], values));
      return `${p}/${key}/${name}`;
    };
    const [keepKv, hs, keep, keepHeads] = [
      c('keep_kv', [0, kvHeads]),
      c('hs', [headSize]),
      c('keep', [0]),
      c('keep_heads', [0, heads]),
    ];
    const groupRows = op(`${key}/group_rows`, 'Mul', [news1, c('group', [heads / kvHeads])]);
    const concat = (name: string, parts: string[]): string => op(`${key}/${name}`, 'Concat', parts, axis(0));
    const shapes = {
      // [B, heads, S, hs] → [B, kv_heads, group·S, hs]
      groups: concat('to_groups', [keepKv, groupRows, hs]),
      // [B, heads, S, n] → [B, kv_heads, group·S, n]
      groupedProbs: concat('to_groups_p', [keepKv, groupRows, keep]),
      // [B, kv_heads, group·S, n] → [B, heads, S, n]
      heads: concat('to_heads', [keepHeads, news1, keep]),
    };
    shapeCache.set(key, shapes);
    return shapes;
  };

  // Main-graph values, made before any branch is being written.
  for (const site of sites) pastBias(site.window);
  for (const site of sites) {
    const L = `${site.layer}`;
    const shapes = shapesFor(site.heads, site.kvHeads);
    extra.push(initializer(`${p}/${L}/scale`, T, [], [site.scale]));
    const decode: Buffer[] = [];
    sink = decode;
    let [q, k, v] = [site.query, site.key, site.value];
    if (site.packed) {
      const sizes = `${p}/${L}/qkv_sizes`;
      extra.push(
        initializer(
          sizes,
          DataType.INT64,
          [3],
          [site.heads * headSize, site.kvHeads * headSize, site.kvHeads * headSize],
        ),
      );
      [q, k, v] = [`${p}/${L}/q_in`, `${p}/${L}/k_in`, `${p}/${L}/v_in`];
      node({
        name: `${p}/${L}/qkv_split`,
        opType: 'Split',
        inputs: [site.query, sizes],
        outputs: [q, k, v],
        attributes: axis(-1),
      });
    }
    if (site.rotary) {
      const { cos, sin, interleaved } = site.rotary;
      const rotate = (x: string, which: string, heads: number): string =>
        op(
          `${L}/${which}_rotary`,
          'RotaryEmbedding',
          [x, rotaryPosition, cos, sin],
          [
            { name: 'interleaved', kind: 'int', value: interleaved },
            { name: 'num_heads', kind: 'int', value: heads },
          ],
          MS,
        );
      q = rotate(q, 'q', site.heads);
      k = rotate(k, 'k', site.kvHeads);
    }
    // [B, S, heads·hs] → [B, kv_heads, group·S, hs]: query heads that share a key head sit together.
    const qT = op(
      `${L}/q_t`,
      'Transpose',
      [op(`${L}/q_4d`, 'Reshape', [op(`${L}/q_scaled`, 'Mul', [q, `${p}/${L}/scale`]), `${p}/to_bshd`])],
      perm([0, 2, 1, 3]),
    );
    const qG = op(`${L}/q_groups`, 'Reshape', [qT, shapes.groups]);
    const asT = (x: string, name: string): string => (C === T ? x : cast(`${L}/${name}`, x, T));
    const asC = (x: string, name: string): string => (C === T ? x : cast(`${L}/${name}`, x, C));
    // [B, S, kv_heads·hs] → [B, kv_heads, S, hs]: the new keys and values, as the branch outputs them.
    const headsFirst = (x: string, kind: 'k' | 'v', output: string): string =>
      node({
        name: `${p}/${L}/${kind}_t`,
        opType: 'Transpose',
        inputs: [op(`${L}/${kind}_4d`, 'Reshape', [x, `${p}/to_bshd`])],
        outputs: [output],
        attributes: perm([0, 2, 1, 3]),
      });
    const kNew = headsFirst(k, 'k', `${p}/${L}/k_heads`);
    const vNew = headsFirst(v, 'v', `${p}/${L}/v_heads`);
    const out = { attention: `${p}/${L}/out`, key: asC(kNew, 'k_cache'), value: asC(vNew, 'v_cache') };
    // q·pastKᵀ: onnxruntime folds the transpose into the product (FusedMatMul), so no operator copies the keys;
    // the keys-first form, pastK·qᵀ, ran slower (`npm run bench:attention`).
    const scoresOf = (name: string, keys: string): string => {
      const s = op(`${name}_scores`, 'Reshape', [
        op(`${name}_scores_g`, 'MatMul', [qG, op(`${name}_k_t`, 'Transpose', [keys], perm([0, 1, 3, 2]))]),
        shapes.heads,
      ]);
      return T === DataType.FLOAT ? s : cast(`${name}_scores_f`, s, DataType.FLOAT);
    };
    // One new token attends the held past and itself: no causal mask among new tokens is needed.
    const scores = op(
      `${L}/scores`,
      'Concat',
      [
        op(`${L}/past_masked`, 'Add', [
          scoresOf(`${L}/past`, asT(site.pastKey, 'past_k')),
          pastBias(site.window),
        ]),
        scoresOf(`${L}/new`, kNew),
      ],
      axis(-1),
    );
    let probs = op(`${L}/probs`, 'Softmax', [scores], axis(-1));
    if (T !== DataType.FLOAT) probs = cast(`${L}/probs_t`, probs, T);
    const [pPast, pNew] = [`${p}/${L}/p_past`, `${p}/${L}/p_new`];
    node({
      name: `${p}/${L}/split`,
      opType: 'Split',
      inputs: [probs, splitSizes],
      outputs: [pPast, pNew],
      attributes: axis(-1),
    });
    const fromPast = op(`${L}/from_past`, 'MatMul', [
      op(`${L}/p_past_g`, 'Reshape', [pPast, shapes.groupedProbs]),
      asT(site.pastValue, 'past_v'),
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
      outputs: [out.attention],
    });

    // Prompt passes: the model's own op (MultiHeadAttention over the past cut to the held length), and slices of
    // its present for the new positions.
    const prompt: Buffer[] = [];
    sink = prompt;
    let opBytes = withRepeatedStrings(model, site.node.field, NODE.output, [
      `${p}/${L}/op_out`,
      `${p}/${L}/present_k`,
      `${p}/${L}/present_v`,
    ]);
    if (site.op === 'MultiHeadAttention' || C !== T) {
      const inputs = [...site.node.inputs];
      const [keySlot, valueSlot] = site.op === 'MultiHeadAttention' ? [6, 7] : [3, 4];
      const held = (past: string, kind: string): string => {
        const cut =
          site.op === 'MultiHeadAttention'
            ? op(`${L}/${kind}_held`, 'Slice', [past, constant('zero_1d', [0]), start1, `${p}/axis2`])
            : past;
        return asT(cut, `${kind}_held_t`);
      };
      if (site.op === 'MultiHeadAttention') inputs[5] = causal;
      inputs[keySlot] = held(site.pastKey, 'k');
      inputs[valueSlot] = held(site.pastValue, 'v');
      const whole = { number: GRAPH.node, wireType: 2, start: 0, payloadStart: 0, end: opBytes.length };
      opBytes = withRepeatedStrings(opBytes, whole, NODE.input, inputs);
    }
    prompt.push(lengthDelimited(GRAPH.node, opBytes));
    const [kSlice, vSlice] = (['k', 'v'] as const).map((kind) =>
      asC(
        op(`${L}/${kind}_slice`, 'Slice', [`${p}/${L}/present_${kind}`, start1, total1, `${p}/axis2`]),
        `${kind}_slice_c`,
      ),
    );
    sink = extra;
    extra.push(
      lengthDelimited(
        GRAPH.node,
        encodeNode({
          name: `${p}/${L}/if_decode`,
          opType: 'If',
          inputs: [isDecode],
          outputs: [site.node.outputs[0], kvDeltaName(site.layer, 'key'), kvDeltaName(site.layer, 'value')],
          attributes: [
            {
              name: 'then_branch',
              kind: 'graph',
              value: branch(`${p}/${L}/decode`, decode, [out.attention, out.key, out.value], types),
            },
            {
              name: 'else_branch',
              kind: 'graph',
              value: branch(`${p}/${L}/prompt`, prompt, [`${p}/${L}/op_out`, kSlice, vSlice], types),
            },
          ],
        }),
      ),
    );
  }
  for (const site of sites) {
    for (const kind of ['key', 'value'] as const) {
      const shape = [1, `kv_heads_${site.layer}`, 'new_tokens', `head_size_${site.layer}`];
      extra.push(
        lengthDelimited(
          GRAPH.output,
          encodeValueInfo({ name: kvDeltaName(site.layer, kind), elemType: C, shape }),
        ),
      );
    }
  }
  const dropped = new Set([...sites.map((s) => s.node.field.start), ...replaced]);
  const pastNames = new Set(sites.flatMap((s) => [s.pastKey, s.pastValue]));
  const symbolic = ['batch_size', 'kv_heads', 'past_sequence_length', 'head_size'];
  const kept: Uint8Array[] = [];
  for (const f of fields(model, graph.payloadStart, graph.end)) {
    if (dropped.has(f.start)) continue;
    const name = f.number === GRAPH.input ? stringField(model, f, VALUE_INFO.name) : '';
    if (C !== T && pastNames.has(name)) {
      const shape = view.inputs.get(name)!.dims.map((d, i) => d ?? symbolic[i]);
      kept.push(lengthDelimited(GRAPH.input, encodeValueInfo({ name, elemType: C, shape })));
      continue;
    }
    const isPresent =
      (f.number === GRAPH.output || f.number === GRAPH.valueInfo) &&
      /^present\.\d+\.(key|value)$/.test(stringField(model, f, VALUE_INFO.name));
    if (!isPresent) kept.push(model.subarray(f.start, f.end));
  }
  return { model: withoutDeadNodes(withGraph(model, graph, [...kept, ...extra])), layers: sites.length };
}
