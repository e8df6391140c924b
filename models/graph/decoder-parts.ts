/**
 * The weight-bearing parts of a Phi-3 decoder as onnxruntime-genai's model builder lays them out (builder.py's
 * make_embedding, make_layernorm, make_matmul + MatMul4BitsQuantizer, make_mlp_proj, make_lm_head), with the
 * builder's node and initializer names, so every real layout composes the same pieces in its own order.
 */
import { Phi3Config, validateConfig } from '../model-sizes';
import { DataType } from '../../localhost-engine/onnx/schema';
import { ValueInfoSpec } from '../../localhost-engine/onnx/write';
import {
  constantFloatTensor,
  isSuppressedToken,
  quantizedWeight,
  randomFloatTensor,
  weightInitializers,
} from '../phi3-weights';
import { ConstantNaming, FloatType, GraphBuilder } from './graph-builder';

const MS = 'com.microsoft';

/**
 * What differs between the exports in the parts this file makes; the int4 block size and zero points come from the
 * config (Phi3Config.blockSize, zeroPoints: asymmetric AWQ weights carry a uint8 zero point per block).
 */
export interface DecoderSpec {
  naming: ConstantNaming;
  /** Type of the activations, KV cache, logits and float weights. */
  ioType: FloatType;
  /** MatMulNBits' accuracy_level, or null where the export leaves the attribute out (the quantizer's None). */
  accuracyLevel: number | null;
}

/**
 * A decoder graph under construction: the builder plus the residual-stream state of builder.py's layernorm_attrs
 * (`root` is the stream, `skip` the branch output the next SkipSimplifiedLayerNormalization adds to it). Throws on
 * construction if the config breaks an invariant of the graph (validateConfig).
 */
export class DecoderGraph {
  readonly b: GraphBuilder;
  private root = '';
  private skip = '';
  private firstNorm = true;

  constructor(
    readonly c: Phi3Config,
    readonly spec: DecoderSpec,
  ) {
    validateConfig(c);
    this.b = new GraphBuilder(spec.naming);
  }

  get qSize(): number {
    return this.c.numAttentionHeads * this.c.headSize;
  }

  get kvSize(): number {
    return this.c.numKeyValueHeads * this.c.headSize;
  }

  /** The token embedding (unit-size rows keep the residual stream near RMS 1); returns its output. */
  embedding(): string {
    const c = this.c;
    const weight = this.b.init(
      randomFloatTensor(
        c.seed,
        'model.embed_tokens.weight',
        [c.vocabSize, c.hiddenSize],
        1,
        this.spec.ioType,
      ),
    );
    const out = this.b.op('Gather', '/model/embed_tokens/Gather', [weight, 'input_ids']);
    this.root = out;
    this.skip = out;
    return out;
  }

  /**
   * The layer's `input` or `post_attention` RMS norm: SimplifiedLayerNormalization for the very first, then
   * SkipSimplifiedLayerNormalization adding the last branch output to the stream. Returns the normed output.
   */
  norm(layer: number, location: 'input' | 'post_attention' | 'final_norm'): string {
    const base = `/model/layers.${layer}/${location}_layernorm`;
    const weight = this.b.init(
      constantFloatTensor(
        `model.layers.${layer}.${location}_layernorm.weight`,
        [this.c.hiddenSize],
        1,
        this.spec.ioType,
      ),
    );
    const eps = { name: 'epsilon', kind: 'float', value: this.c.rmsNormEps } as const;
    const out0 = `${base}/output_0`;
    if (this.firstNorm) {
      this.firstNorm = false;
      this.b.add({
        name: `${base}/LayerNorm`,
        opType: 'SimplifiedLayerNormalization',
        inputs: [this.root, weight],
        outputs: [out0],
        attributes: [
          eps,
          { name: 'axis', kind: 'int', value: -1 },
          { name: 'stash_type', kind: 'int', value: 1 },
        ],
      });
      return out0;
    }
    const last = location === 'final_norm';
    const out3 = `${base}/output_3`;
    this.b.add({
      name: `${base}/SkipLayerNorm`,
      opType: 'SkipSimplifiedLayerNormalization',
      domain: MS,
      inputs: [this.root, this.skip, weight],
      outputs: last ? [out0] : [out0, '', '', out3],
      attributes: [eps],
    });
    if (!last) this.root = out3;
    return out0;
  }

  /** Records a branch output (attention's o_proj, the MLP's down_proj) for the next norm to add. */
  branch(output: string): void {
    this.skip = output;
  }

  /**
   * A MatMul of `basename` (e.g. `/model/layers.0/attn/qkv_proj/MatMul`) as MatMul4BitsQuantizer leaves it: node
   * `<basename>_Q4`, weights `<weight>_Q4`, `_scales`, `_zero_points`; outputs of unit-RMS inputs have std `std`.
   */
  matMul(basename: string, input: string, n: number, k: number, std: number, output?: string): string {
    const c = this.c;
    const weightName = `${basename.slice(1).replace(/\//g, '.')}.weight`;
    const w = quantizedWeight(weightName, {
      seed: c.seed,
      n,
      k,
      blockSize: c.blockSize,
      outputStd: std,
      zeroRow: basename === '/lm_head/MatMul' ? isSuppressedToken : undefined,
      zeroPoints: c.zeroPoints,
      scaleType: this.spec.ioType,
      float16Scale: true,
      tensorNames: {
        b: `${weightName}_Q4`,
        scales: `${weightName}_scales`,
        zeroPoints: `${weightName}_zero_points`,
      },
    });
    const out = output ?? `${basename}/output_0`;
    this.b.add({
      name: `${basename}_Q4`,
      opType: 'MatMulNBits',
      domain: MS,
      inputs: [input, ...weightInitializers(w).map((t) => this.b.init(t))],
      outputs: [out],
      attributes: [
        { name: 'K', kind: 'int', value: k },
        { name: 'N', kind: 'int', value: n },
        { name: 'bits', kind: 'int', value: 4 },
        { name: 'block_size', kind: 'int', value: c.blockSize },
        ...(this.spec.accuracyLevel === null
          ? []
          : [{ name: 'accuracy_level', kind: 'int', value: this.spec.accuracyLevel } as const]),
      ],
    });
    return out;
  }

  /** o_proj after attention, recorded as the branch output. */
  outputProjection(layer: number, attention: string): void {
    const c = this.c;
    this.branch(
      this.matMul(`/model/layers.${layer}/attn/o_proj/MatMul`, attention, c.hiddenSize, this.qSize, 0.5),
    );
  }

  /**
   * The MLP with separate gate and up MatMuls (builder.py splits Phi-3's fused gate_up_proj in make_mlp_proj):
   * SiLU as Sigmoid then Mul, times up, then down; recorded as the branch output.
   */
  mlp(layer: number, input: string): void {
    const c = this.c;
    const base = `/model/layers.${layer}/mlp`;
    const gate = this.matMul(`${base}/gate_proj/MatMul`, input, c.intermediateSize, c.hiddenSize, 1);
    const up = this.matMul(`${base}/up_proj/MatMul`, input, c.intermediateSize, c.hiddenSize, 1);
    const sigmoid = this.b.op('Sigmoid', `${base}/act_fn/Sigmoid`, [gate]);
    const silu = this.b.op('Mul', `${base}/act_fn/Mul`, [gate, sigmoid]);
    const act = this.b.op('Mul', `${base}/Mul`, [silu, up]);
    // SiLU(g)·u of unit-size g, u has RMS about 0.6, hence the larger gain of down_proj.
    this.branch(this.matMul(`${base}/down_proj/MatMul`, act, c.hiddenSize, c.intermediateSize, 0.8));
  }

  /** The final norm and the untied int4 LM head writing `logits` (std 3: softmax neither flat nor one-hot). */
  head(): void {
    const c = this.c;
    const normed = this.norm(c.numHiddenLayers, 'final_norm');
    this.matMul('/lm_head/MatMul', normed, c.vocabSize, c.hiddenSize, 3, 'logits');
  }

  /** The graph's inputs and outputs in the builder's order; KV cache and logits in the io type. */
  io(positionIds: boolean): { inputs: ValueInfoSpec[]; outputs: ValueInfoSpec[] } {
    const c = this.c;
    const t = this.spec.ioType;
    const kv = (seq: string) => ['batch_size', c.numKeyValueHeads, seq, c.headSize];
    const inputs: ValueInfoSpec[] = [
      { name: 'input_ids', elemType: DataType.INT64, shape: ['batch_size', 'sequence_length'] },
      { name: 'attention_mask', elemType: DataType.INT64, shape: ['batch_size', 'total_sequence_length'] },
    ];
    if (positionIds) {
      inputs.push({
        name: 'position_ids',
        elemType: DataType.INT64,
        shape: ['batch_size', 'sequence_length'],
      });
    }
    const outputs: ValueInfoSpec[] = [
      { name: 'logits', elemType: t, shape: ['batch_size', 'sequence_length', c.vocabSize] },
    ];
    for (let i = 0; i < c.numHiddenLayers; i++) {
      inputs.push(
        { name: `past_key_values.${i}.key`, elemType: t, shape: kv('past_sequence_length') },
        { name: `past_key_values.${i}.value`, elemType: t, shape: kv('past_sequence_length') },
      );
      outputs.push(
        { name: `present.${i}.key`, elemType: t, shape: kv('total_sequence_length') },
        { name: `present.${i}.value`, elemType: t, shape: kv('total_sequence_length') },
      );
    }
    return { inputs, outputs };
  }
}
