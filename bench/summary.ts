/** What every bench script's results share: the line naming the machine they ran on, and medians. */
import os from 'node:os';
import { cpuFeaturesLine } from '../test/helpers/cpu-features';

/**
 * CPU count and model, memory, platform and the vector extensions onnxruntime's kernels use: e.g. "2× AMD EPYC,
 * 24 GiB, linux x64, vector extensions: avx avx2 fma …; onnxruntime int4 kernels: AVX2".
 */
export function machineLine(): string {
  const cpu = os.cpus();
  return `${cpu.length}× ${cpu[0]?.model.trim() ?? 'CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.arch()}, ${cpuFeaturesLine()}`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
