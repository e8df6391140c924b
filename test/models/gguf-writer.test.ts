/**
 * The GGUF of the generated ms-cpu-int4 weights (gguf-q4_0), read back by an independent reader: header, llama.cpp's
 * phi3 metadata and tokenizer, tensor names, shapes and types, 32-byte alignment, and Q4_0 blocks holding exactly
 * the int4 weights (and the F32 embedding exactly the embedding) of the ONNX model they come from.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { float16Value } from '../../localhost-engine/onnx/float16';
import { PHI3_GGUF_FILE } from '../../models/gguf/phi3-gguf';
import { repackRows } from '../../models/gguf/q4-0';
import { TokenType } from '../../models/gguf/phi3-vocab';
import { msCpuInt4 } from '../../models/layouts/ms-cpu-int4';
import { sourceBytes } from '../../models/onnx-model-writer';
import { GgufFile, readGguf } from './gguf-reader';

const c = msCpuInt4.config('tiny');
const Q4_0 = 2;
const F32 = 0;

/** Whether two float arrays hold the same bits (faster than toEqual on millions of values). */
function sameFloats(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

/** MatMulNBits (symmetric) weights dequantized: (q - 8) * scale, row by row. */
function dequantizeOnnx(b: Buffer, scales: Buffer, n: number, k: number): Float32Array {
  const s = new Float32Array(scales.buffer, scales.byteOffset, scales.length / 4);
  const out = new Float32Array(n * k);
  for (let i = 0; i < n * k; i++) {
    const q = i % 2 === 0 ? b[i >> 1] & 0x0f : b[i >> 1] >> 4;
    out[i] = (q - 8) * s[Math.floor(i / 32)];
  }
  return out;
}

/** Q4_0 blocks dequantized: (q - 8) * d, element j in byte j's low nibble, j + 16 in its high one. */
function dequantizeQ4_0(data: Buffer, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let blk = 0; blk < count / 32; blk++) {
    const at = blk * 18;
    const d = float16Value(data.readUInt16LE(at));
    for (let j = 0; j < 16; j++) {
      out[blk * 32 + j] = ((data[at + 2 + j] & 0x0f) - 8) * d;
      out[blk * 32 + j + 16] = ((data[at + 2 + j] >> 4) - 8) * d;
    }
  }
  return out;
}

describe('GGUF Q4_0 of the generated ms-cpu-int4 weights (tiny)', () => {
  let bytes: Buffer;
  let gguf: GgufFile;
  const onnx = new Map(msCpuInt4.graph(c).initializers.map((t) => [t.name, t]));
  const tensorData = (name: string): Buffer => {
    const t = gguf.tensors.find((x) => x.name === name);
    if (!t) throw new Error(`no tensor ${name}`);
    const count = t.dims.reduce((a, d) => a * d, 1);
    const size = t.type === Q4_0 ? (count / 32) * 18 : count * 4;
    return bytes.subarray(gguf.dataStart + t.offset, gguf.dataStart + t.offset + size);
  };

  beforeAll(async () => {
    const file = path.join(await ensureGeneratedModel({ size: 'tiny', layout: 'gguf-q4_0' }), PHI3_GGUF_FILE);
    bytes = readFileSync(file);
    gguf = readGguf(bytes);
  });

  it('is GGUF version 3 with llama.cpp’s phi3 metadata', () => {
    expect(gguf.version).toBe(3);
    const m = Object.fromEntries(gguf.metadata);
    expect(m).toMatchObject({
      'general.architecture': 'phi3',
      'general.file_type': 2,
      'general.quantization_version': 2,
      'phi3.context_length': 4096,
      'phi3.rope.scaling.original_context_length': 4096,
      'phi3.embedding_length': c.hiddenSize,
      'phi3.feed_forward_length': c.intermediateSize,
      'phi3.block_count': c.numHiddenLayers,
      'phi3.attention.head_count': c.numAttentionHeads,
      'phi3.attention.head_count_kv': c.numKeyValueHeads,
      'phi3.rope.dimension_count': c.headSize,
      'phi3.rope.freq_base': 10000,
      'phi3.attention.sliding_window': 2047,
    });
    expect(m['phi3.attention.layer_norm_rms_epsilon']).toBeCloseTo(1e-5, 10);
  });

  it('carries the Phi-3 tokenizer as a llama (SentencePiece) vocabulary', () => {
    const m = gguf.metadata;
    const tokens = m.get('tokenizer.ggml.tokens') as string[];
    const types = m.get('tokenizer.ggml.token_type') as number[];
    const scores = m.get('tokenizer.ggml.scores') as number[];
    expect(m.get('tokenizer.ggml.model')).toBe('llama');
    expect([tokens.length, types.length, scores.length]).toEqual([32064, 32064, 32064]);
    expect([tokens[1], tokens[13], tokens[450], tokens[32007], tokens[32063]]).toEqual([
      '<s>',
      '<0x0A>',
      '▁The',
      '<|end|>',
      '[PAD32063]',
    ]);
    expect([types[1], types[13], types[450], types[32007], types[32063]]).toEqual([
      TokenType.CONTROL,
      TokenType.BYTE,
      TokenType.NORMAL,
      TokenType.CONTROL,
      TokenType.UNUSED,
    ]);
    // BPE merges "▁ t" before "e r", so llama.cpp's highest-score-first merging must prefer "▁t".
    expect(scores[tokens.indexOf('▁t')]).toBeGreaterThan(scores[tokens.indexOf('er')]);
    expect([
      m.get('tokenizer.ggml.bos_token_id'),
      m.get('tokenizer.ggml.eos_token_id'),
      m.get('tokenizer.ggml.unknown_token_id'),
      m.get('tokenizer.ggml.padding_token_id'),
    ]).toEqual([1, 32000, 0, 32000]);
    expect(m.get('tokenizer.chat_template')).toContain('<|assistant|>');
  });

  it('names, shapes and types its tensors as llama.cpp’s phi3 architecture does', () => {
    const h = c.hiddenSize;
    const qkv = (c.numAttentionHeads + 2 * c.numKeyValueHeads) * c.headSize;
    const block = (i: number) => [
      [`blk.${i}.attn_norm.weight`, [h], F32],
      [`blk.${i}.attn_qkv.weight`, [h, qkv], Q4_0],
      [`blk.${i}.attn_output.weight`, [h, h], Q4_0],
      [`blk.${i}.ffn_norm.weight`, [h], F32],
      [`blk.${i}.ffn_up.weight`, [h, 2 * c.intermediateSize], Q4_0],
      [`blk.${i}.ffn_down.weight`, [c.intermediateSize, h], Q4_0],
    ];
    expect(gguf.tensors.map((t) => [t.name, t.dims, t.type])).toEqual([
      ['token_embd.weight', [h, 32064], F32],
      ...block(0),
      ...block(1),
      ['output_norm.weight', [h], F32],
      ['output.weight', [h, 32064], Q4_0],
    ]);
  });

  it('aligns the data section and every tensor to 32 bytes and ends with the last tensor', () => {
    expect(gguf.dataStart % 32).toBe(0);
    for (const t of gguf.tensors) expect(t.offset % 32).toBe(0);
    const last = gguf.tensors[gguf.tensors.length - 1];
    const lastBytes = ((last.dims[0] * last.dims[1]) / 32) * 18;
    expect(bytes.length).toBe(gguf.dataStart + last.offset + lastBytes + ((32 - (lastBytes % 32)) % 32));
  });

  it('holds exactly the ONNX model’s int4 weights (ffn_up: gate rows, then up rows) and embedding', () => {
    const ff = c.intermediateSize;
    const h = c.hiddenSize;
    const w = (name: string, n: number, k: number) =>
      dequantizeOnnx(
        sourceBytes(onnx.get(`${name}.weight_Q4`)!),
        sourceBytes(onnx.get(`${name}.weight_scales`)!),
        n,
        k,
      );
    const up = dequantizeQ4_0(tensorData('blk.1.ffn_up.weight'), 2 * ff * h);
    expect(sameFloats(up.subarray(0, ff * h), w('model.layers.1.mlp.gate_proj.MatMul', ff, h))).toBe(true);
    expect(sameFloats(up.subarray(ff * h), w('model.layers.1.mlp.up_proj.MatMul', ff, h))).toBe(true);
    expect(sameFloats(up.subarray(ff * h), w('model.layers.1.mlp.gate_proj.MatMul', ff, h))).toBe(false);
    const head = dequantizeQ4_0(tensorData('output.weight'), 32064 * h);
    expect(sameFloats(head, w('lm_head.MatMul', 32064, h))).toBe(true);
    expect(tensorData('token_embd.weight').equals(sourceBytes(onnx.get('model.embed_tokens.weight')!))).toBe(
      true,
    );
  });
});

describe('Q4_0 repacking of MatMulNBits blocks', () => {
  it('moves element 2j/2j+1 pairs to j/j+16 pairs and stores the scale as float16', () => {
    // One block whose element e holds nibble e % 16.
    const b = Uint8Array.from({ length: 16 }, (_, j) => ((2 * j) % 16) | (((2 * j + 1) % 16) << 4));
    const out = repackRows(b, Float32Array.of(0.5), 0, 32);
    expect(Buffer.from(out.subarray(0, 2)).readUInt16LE(0)).toBe(0x3800);
    expect(Array.from(out.subarray(2))).toEqual(
      Array.from({ length: 16 }, (_, j) => (j % 16) | (((j + 16) % 16) << 4)),
    );
  });

  it('refuses a scale that float16 cannot hold exactly', () => {
    expect(() => repackRows(new Uint8Array(16), Float32Array.of(0.1), 0, 32)).toThrow(/not a float16 value/);
  });
});
