/**
 * The CPU's vector extensions that decide onnxruntime's kernel paths, for the test run's first line and every
 * benchmark's header: results differ in the last bits between AVX2 and AVX-512 machines, and speed by 2–2.5×.
 */
import { readFileSync } from 'node:fs';

/** Extensions MLAS (onnxruntime's CPU kernels) dispatches on, in /proc/cpuinfo's spelling. */
const WATCHED = [
  'sse4_1',
  'avx',
  'avx2',
  'fma',
  'f16c',
  'avx_vnni',
  'avx512f',
  'avx512bw',
  'avx512dq',
  'avx512vl',
  'avx512_vnni',
  'avx512_bf16',
  'amx_int8',
];

/** The watched extensions this CPU has (Linux; elsewhere an empty list). */
export function vectorExtensions(cpuinfo = '/proc/cpuinfo'): string[] {
  let text: string;
  try {
    text = readFileSync(cpuinfo, 'utf8');
  } catch {
    return [];
  }
  const line = /^flags\s*:(.*)$/m.exec(text);
  const flags = new Set(line ? line[1].trim().split(/\s+/) : []);
  return WATCHED.filter((f) => flags.has(f));
}

/**
 * The int4 (MatMulNBits) kernel family MLAS picks for these extensions, as its platform setup does: AVX-512
 * needs F, BW, DQ and VL; VNNI variants on top of AVX2 or AVX-512.
 */
export function int4KernelPath(extensions: readonly string[]): string {
  const has = (f: string): boolean => extensions.includes(f);
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every(has))
    return has('avx512_vnni') ? 'AVX-512 VNNI' : 'AVX-512';
  if (has('avx2') && has('fma')) return has('avx_vnni') ? 'AVX2 VNNI' : 'AVX2';
  return 'SSE/AVX';
}

/** One line for logs: "vector extensions: avx avx2 …; int4 kernels: AVX2". */
export function cpuFeaturesLine(): string {
  const ext = vectorExtensions();
  if (ext.length === 0) return 'vector extensions: unknown (no /proc/cpuinfo)';
  return `vector extensions: ${ext.join(' ')}; onnxruntime int4 kernels: ${int4KernelPath(ext)}`;
}
