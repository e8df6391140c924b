/**
 * The Phi-3 decoder graph as Microsoft's onnxruntime-genai model builder lays it out for the CPU (int4,
 * block 32, accuracy level 4), with the inputs and outputs that transformers.js and onnxruntime-genai feed:
 * Gather embedding → per layer [Skip]SimplifiedLayerNormalization → fused QKV MatMulNBits → Split →
 * RotaryEmbedding(Q, K) with position_ids → GroupQueryAttention → o_proj MatMulNBits →
 * SkipSimplifiedLayerNormalization → gate_up MatMulNBits → Split → SiLU(gate)·up → down MatMulNBits;
 * then the final norm, a Slice keeping the last `num_logits_to_keep` positions, and the untied LM head.
 */
import { Phi3Config, validateConfig } from './model-sizes';
import { NodeSpec, ValueInfoSpec } from '../localhost-engine/onnx/write';
import { DataType } from '../localhost-engine/onnx/schema';
import { GraphSource, TensorSource } from './onnx-model-writer';
import {
  constantFloatTensor,
  int64Tensor,
  isSuppressedToken,
  QuantizedWeight,
  quantizedWeight,
  weightInitializers,
  randomFloatTensor,
  rotaryCaches,
} from './phi3-weights';

const MS = 'com.microsoft';

/** Names of the graph's inputs and outputs, as Microsoft's and transformers.js' Phi-3 exports use them. */
export const IO_NAMES = {
  inputIds: 'input_ids',
  attentionMask: 'attention_mask',
  positionIds: 'position_ids',
  numLogitsToKeep: 'num_logits_to_keep',
  pastKey: (layer: number) => `past_key_values.${layer}.key`,
  pastValue: (layer: number) => `past_key_values.${layer}.value`,
  logits: 'logits',
  presentKey: (layer: number) => `present.${layer}.key`,
  presentValue: (layer: number) => `present.${layer}.value`,
} as const;

export interface Phi3GraphOptions {
  /**
   * Adds the int64 scalar input `num_logits_to_keep`: logits for the last N positions only, N = 0 meaning all.
   * transformers.js feeds it whenever a session lists it (1 during generate, 0 in a plain forward), which
   * spares prefill 32,064 floats per prompt token. onnxruntime-genai does not know it, and onnxruntime-node
   * neither lists nor accepts an input that has a default initializer, so it cannot be optional: genai-layout
   * models leave it out, as Microsoft's do.
   */
  numLogitsToKeepInput: boolean;
}

/**
 * Builds the decoder graph with lazily produced random weights. Throws if the config breaks an invariant of
 * the graph (see validateConfig).
 */
export function buildPhi3Graph(c: Phi3Config, options: Phi3GraphOptions): GraphSource {
  validateConfig(c);
  const nodes: NodeSpec[] = [];
  const initializers: TensorSource[] = [];
  const qSize = c.numAttentionHeads * c.headSize;
  const kvSize = c.numKeyValueHeads * c.headSize;

  const node = (n: NodeSpec): string[] => {
    nodes.push(n);
    return [...n.outputs];
  };
  // A MatMulNBits' inputs, its weight's initializers added to the graph.
  const matMulNBitsInputs = (input: string, w: QuantizedWeight): string[] => {
    const tensors = weightInitializers(w);
    initializers.push(...tensors);
    return [input, ...tensors.map((t) => t.name)];
  };
  const matMulNBits = (prefix: string, input: string, w: QuantizedWeight): string => {
    const out = `${prefix}/MatMulNBits/output_0`;
    node({
      name: `${prefix}/MatMulNBits`,
      opType: 'MatMulNBits',
      domain: MS,
      inputs: matMulNBitsInputs(input, w),
      outputs: [out],
      attributes: [
        { name: 'K', kind: 'int', value: w.k },
        { name: 'N', kind: 'int', value: w.n },
        { name: 'bits', kind: 'int', value: 4 },
        { name: 'block_size', kind: 'int', value: w.blockSize },
        { name: 'accuracy_level', kind: 'int', value: 4 },
      ],
    });
    return out;
  };
  const weight = (
    name: string,
    n: number,
    k: number,
    outputStd: number,
    zeroRow?: (row: number) => boolean,
  ) =>
    quantizedWeight(name, {
      seed: c.seed,
      n,
      k,
      blockSize: c.blockSize,
      outputStd,
      zeroRow,
      zeroPoints: c.zeroPoints,
    });
  const eps = { name: 'epsilon', kind: 'float', value: c.rmsNormEps } as const;

  // Graph constants.
  initializers.push(
    int64Tensor('/model/constants/INT64/[1]', [1], [1]),
    int64Tensor('/model/constants/INT64/1', [], [1]),
    int64Tensor('/model/constants/qkv_split', [3], [qSize, kvSize, kvSize]),
    int64Tensor('/model/constants/gate_up_split', [2], [c.intermediateSize, c.intermediateSize]),
  );
  // Attention metadata, computed once from attention_mask as Microsoft's builder does.
  const [maskSum] = node({
    name: '/model/attn_mask_reformat/attn_mask_subgraph/ReduceSum',
    opType: 'ReduceSum',
    inputs: [IO_NAMES.attentionMask, '/model/constants/INT64/[1]'],
    outputs: ['/model/attn_mask_reformat/attn_mask_subgraph/ReduceSum/output_0'],
    attributes: [{ name: 'keepdims', kind: 'int', value: 0 }],
  });
  const [maskSumMinus1] = node({
    name: '/model/attn_mask_reformat/attn_mask_subgraph/Sub',
    opType: 'Sub',
    inputs: [maskSum, '/model/constants/INT64/1'],
    outputs: ['/model/attn_mask_reformat/attn_mask_subgraph/Sub/output_0'],
  });
  const [seqlensK] = node({
    name: '/model/attn_mask_reformat/attn_mask_subgraph/Sub/Cast',
    opType: 'Cast',
    inputs: [maskSumMinus1],
    outputs: ['/model/attn_mask_reformat/attn_mask_subgraph/Sub/Cast/output_0'],
    attributes: [{ name: 'to', kind: 'int', value: DataType.INT32 }],
  });
  const [maskShape] = node({
    name: '/model/attn_mask_reformat/attn_mask_subgraph/Shape',
    opType: 'Shape',
    inputs: [IO_NAMES.attentionMask],
    outputs: ['/model/attn_mask_reformat/attn_mask_subgraph/Shape/output_0'],
  });
  const [totalLen64] = node({
    name: '/model/attn_mask_reformat/attn_mask_subgraph/Gather',
    opType: 'Gather',
    inputs: [maskShape, '/model/constants/INT64/1'],
    outputs: ['/model/attn_mask_reformat/attn_mask_subgraph/Gather/output_0'],
    attributes: [{ name: 'axis', kind: 'int', value: 0 }],
  });
  const [totalSeqLen] = node({
    name: '/model/attn_mask_reformat/attn_mask_subgraph/Gather/Cast',
    opType: 'Cast',
    inputs: [totalLen64],
    outputs: ['/model/attn_mask_reformat/attn_mask_subgraph/Gather/Cast/output_0'],
    attributes: [{ name: 'to', kind: 'int', value: DataType.INT32 }],
  });

  // Embedding (float, as in Microsoft's CPU int4 export). Unit-size rows keep the residual stream near RMS 1.
  const embed = randomFloatTensor(c.seed, 'model.embed_tokens.weight', [c.vocabSize, c.hiddenSize], 1);
  initializers.push(embed);
  const [embeds] = node({
    name: '/model/embed_tokens/Gather',
    opType: 'Gather',
    inputs: [embed.name, IO_NAMES.inputIds],
    outputs: ['/model/embed_tokens/Gather/output_0'],
  });

  const { cos, sin } = rotaryCaches({
    positions: c.maxPositionEmbeddings,
    headSize: c.headSize,
    theta: c.ropeTheta,
  });
  initializers.push(cos, sin);

  let residual = embeds;
  let pendingAdd: string | null = null; // output of the previous MLP, added to the residual by the next norm
  for (let i = 0; i < c.numHiddenLayers; i++) {
    const L = `/model/layers.${i}`;
    const inNorm = constantFloatTensor(`model.layers.${i}.input_layernorm.weight`, [c.hiddenSize], 1);
    const postNorm = constantFloatTensor(
      `model.layers.${i}.post_attention_layernorm.weight`,
      [c.hiddenSize],
      1,
    );
    initializers.push(inNorm, postNorm);

    let normed: string;
    if (pendingAdd === null) {
      [normed] = node({
        name: `${L}/input_layernorm/LayerNorm`,
        opType: 'SimplifiedLayerNormalization',
        inputs: [residual, inNorm.name],
        outputs: [`${L}/input_layernorm/output_0`],
        attributes: [
          { name: 'axis', kind: 'int', value: -1 },
          eps,
          { name: 'stash_type', kind: 'int', value: 1 },
        ],
      });
    } else {
      const outs = node({
        name: `${L}/input_layernorm/SkipLayerNorm`,
        opType: 'SkipSimplifiedLayerNormalization',
        domain: MS,
        inputs: [pendingAdd, residual, inNorm.name],
        outputs: [`${L}/input_layernorm/output_0`, '', '', `${L}/input_layernorm/output_3`],
        attributes: [eps],
      });
      normed = outs[0];
      residual = outs[3];
    }

    // Attention. Outputs of about unit size; o_proj adds a smaller update to the residual stream.
    const qkv = matMulNBits(
      `${L}/attn/qkv_proj`,
      normed,
      weight(`model.layers.${i}.attn.qkv_proj`, qSize + 2 * kvSize, c.hiddenSize, 1),
    );
    const [q, k, v] = node({
      name: `${L}/attn/qkv_proj/Split`,
      opType: 'Split',
      inputs: [qkv, '/model/constants/qkv_split'],
      outputs: [`${L}/attn/q`, `${L}/attn/k`, `${L}/attn/v`],
      attributes: [{ name: 'axis', kind: 'int', value: -1 }],
    });
    const rotary = (which: string, x: string): string =>
      node({
        name: `${L}/attn/${which}_rotary/RotaryEmbedding`,
        opType: 'RotaryEmbedding',
        domain: MS,
        inputs: [x, IO_NAMES.positionIds, cos.name, sin.name],
        outputs: [`${L}/attn/${which}_rotary/output_0`],
        attributes: [{ name: 'interleaved', kind: 'int', value: 0 }],
      })[0];
    const qRot = rotary('q', q);
    const kRot = rotary('k', k);
    const [attn] = node({
      name: `${L}/attn/GroupQueryAttention`,
      opType: 'GroupQueryAttention',
      domain: MS,
      inputs: [qRot, kRot, v, IO_NAMES.pastKey(i), IO_NAMES.pastValue(i), seqlensK, totalSeqLen],
      outputs: [`${L}/attn/GroupQueryAttention/output_0`, IO_NAMES.presentKey(i), IO_NAMES.presentValue(i)],
      attributes: [
        { name: 'num_heads', kind: 'int', value: c.numAttentionHeads },
        { name: 'kv_num_heads', kind: 'int', value: c.numKeyValueHeads },
        { name: 'local_window_size', kind: 'int', value: -1 },
        { name: 'do_rotary', kind: 'int', value: 0 },
        { name: 'rotary_interleaved', kind: 'int', value: 0 },
      ],
    });
    const oProj = matMulNBits(
      `${L}/attn/o_proj`,
      attn,
      weight(`model.layers.${i}.attn.o_proj`, c.hiddenSize, qSize, 0.5),
    );

    const post = node({
      name: `${L}/post_attention_layernorm/SkipLayerNorm`,
      opType: 'SkipSimplifiedLayerNormalization',
      domain: MS,
      inputs: [oProj, residual, postNorm.name],
      outputs: [`${L}/post_attention_layernorm/output_0`, '', '', `${L}/post_attention_layernorm/output_3`],
      attributes: [eps],
    });
    residual = post[3];

    // MLP: gate_up fused, SiLU(gate) * up, down.
    const gateUp = matMulNBits(
      `${L}/mlp/gate_up_proj`,
      post[0],
      weight(`model.layers.${i}.mlp.gate_up_proj`, 2 * c.intermediateSize, c.hiddenSize, 1),
    );
    const [gate, up] = node({
      name: `${L}/mlp/gate_up_proj/Split`,
      opType: 'Split',
      inputs: [gateUp, '/model/constants/gate_up_split'],
      outputs: [`${L}/mlp/gate`, `${L}/mlp/up`],
      attributes: [{ name: 'axis', kind: 'int', value: -1 }],
    });
    const [sig] = node({
      name: `${L}/mlp/act_fn/Sigmoid`,
      opType: 'Sigmoid',
      inputs: [gate],
      outputs: [`${L}/mlp/act_fn/Sigmoid/output_0`],
    });
    const [silu] = node({
      name: `${L}/mlp/act_fn/Mul`,
      opType: 'Mul',
      inputs: [gate, sig],
      outputs: [`${L}/mlp/act_fn/Mul/output_0`],
    });
    const [act] = node({
      name: `${L}/mlp/Mul`,
      opType: 'Mul',
      inputs: [silu, up],
      outputs: [`${L}/mlp/Mul/output_0`],
    });
    // SiLU(g)·u of unit-size g, u has RMS about 0.6, hence the larger gain of down_proj.
    pendingAdd = matMulNBits(
      `${L}/mlp/down_proj`,
      act,
      weight(`model.layers.${i}.mlp.down_proj`, c.hiddenSize, c.intermediateSize, 0.8),
    );
  }

  const finalNorm = constantFloatTensor('model.norm.weight', [c.hiddenSize], 1);
  initializers.push(finalNorm);
  const [normedOut] = node({
    name: '/model/layers.final_norm/SkipLayerNorm',
    opType: 'SkipSimplifiedLayerNormalization',
    domain: MS,
    inputs: [pendingAdd ?? embeds, residual, finalNorm.name],
    outputs: ['/model/layers.final_norm/output_0'],
    attributes: [eps],
  });

  // Keep the last N positions: Slice(start = -N) along the sequence axis; N = 0 gives start 0, i.e. all.
  let lmHeadInput = normedOut;
  if (options.numLogitsToKeepInput) {
    initializers.push(
      int64Tensor('/model/constants/INT64/[0]', [1], [0]),
      int64Tensor('/model/constants/INT64/[9223372036854775807]', [1], [9223372036854775807n]),
    );
    const [keep1d] = node({
      name: '/model/logits_to_keep/Unsqueeze',
      opType: 'Unsqueeze',
      inputs: [IO_NAMES.numLogitsToKeep, '/model/constants/INT64/[0]'],
      outputs: ['/model/logits_to_keep/Unsqueeze/output_0'],
    });
    const [start] = node({
      name: '/model/logits_to_keep/Neg',
      opType: 'Neg',
      inputs: [keep1d],
      outputs: ['/model/logits_to_keep/Neg/output_0'],
    });
    [lmHeadInput] = node({
      name: '/model/logits_to_keep/Slice',
      opType: 'Slice',
      inputs: [
        normedOut,
        start,
        '/model/constants/INT64/[9223372036854775807]',
        '/model/constants/INT64/[1]',
      ],
      outputs: ['/model/logits_to_keep/Slice/output_0'],
    });
  }

  // Untied LM head. Logits of std 3 make softmax neither flat nor one-hot when sampling.
  const lmHead = weight('lm_head', c.vocabSize, c.hiddenSize, 3, isSuppressedToken);
  node({
    name: '/lm_head/MatMulNBits',
    opType: 'MatMulNBits',
    domain: MS,
    inputs: matMulNBitsInputs(lmHeadInput, lmHead),
    outputs: [IO_NAMES.logits],
    attributes: [
      { name: 'K', kind: 'int', value: lmHead.k },
      { name: 'N', kind: 'int', value: lmHead.n },
      { name: 'bits', kind: 'int', value: 4 },
      { name: 'block_size', kind: 'int', value: lmHead.blockSize },
      { name: 'accuracy_level', kind: 'int', value: 4 },
    ],
  });

  const kvShape = (seq: string) => ['batch_size', c.numKeyValueHeads, seq, c.headSize] as const;
  const inputs: ValueInfoSpec[] = [
    { name: IO_NAMES.inputIds, elemType: DataType.INT64, shape: ['batch_size', 'sequence_length'] },
    {
      name: IO_NAMES.attentionMask,
      elemType: DataType.INT64,
      shape: ['batch_size', 'total_sequence_length'],
    },
    { name: IO_NAMES.positionIds, elemType: DataType.INT64, shape: ['batch_size', 'sequence_length'] },
  ];
  const outputs: ValueInfoSpec[] = [
    {
      name: IO_NAMES.logits,
      elemType: DataType.FLOAT,
      shape: ['batch_size', options.numLogitsToKeepInput ? 'logits_length' : 'sequence_length', c.vocabSize],
    },
  ];
  for (let i = 0; i < c.numHiddenLayers; i++) {
    inputs.push(
      { name: IO_NAMES.pastKey(i), elemType: DataType.FLOAT, shape: kvShape('past_sequence_length') },
      { name: IO_NAMES.pastValue(i), elemType: DataType.FLOAT, shape: kvShape('past_sequence_length') },
    );
    outputs.push(
      { name: IO_NAMES.presentKey(i), elemType: DataType.FLOAT, shape: kvShape('total_sequence_length') },
      { name: IO_NAMES.presentValue(i), elemType: DataType.FLOAT, shape: kvShape('total_sequence_length') },
    );
  }
  if (options.numLogitsToKeepInput) {
    inputs.push({ name: IO_NAMES.numLogitsToKeep, elemType: DataType.INT64, shape: [] });
  }

  return { name: 'main_graph', nodes, initializers, inputs, outputs };
}
