/**
 * Both kernel paths, wherever the suite runs: onnxruntime picks its CPU kernels from the CPU's vector extensions
 * (MLAS reads CPUID; no session or environment option narrows it), so on an AVX-512 machine the AVX2 path is
 * reached only on a CPU that lacks AVX-512. valgrind is one: it runs the same program on a virtual CPU whose
 * CPUID reports AVX2 and no AVX-512. The path cases run here natively and once more under valgrind.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { int4KernelPath, vectorExtensions } from '../helpers/cpu-features';
import { runPathCases, type PathCase } from './path-cases';

const run = promisify(execFile);

async function underValgrind(): Promise<PathCase[]> {
  const script = path.join(__dirname, 'print-path-cases.ts');
  try {
    const { stdout } = await run(
      'valgrind',
      ['--tool=none', '-q', process.execPath, '--require', require.resolve('tsx/cjs'), script],
      { maxBuffer: 16 * 2 ** 20, timeout: 280_000 },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as PathCase[];
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('valgrind is not installed: apt-get install -y valgrind');
    throw new Error(`the path cases failed under valgrind: ${e.message}\n${e.stderr ?? ''}`);
  }
}

describe('values computed on different kernel paths agree to the rounding', () => {
  let native: PathCase[];
  let avx2: PathCase[];

  beforeAll(async () => {
    [native, avx2] = await Promise.all([runPathCases(), underValgrind()]);
  }, 300_000);

  it("on this CPU's own path", () => {
    expect(native.length).toBeGreaterThan(5);
    for (const c of native)
      expect({ case: c.name, withinBound: c.ratio <= 1 }).toEqual({ case: c.name, withinBound: true });
  });

  it('on the AVX2 path (under valgrind)', () => {
    expect(avx2.map((c) => c.name)).toEqual(native.map((c) => c.name));
    for (const c of avx2)
      expect({ case: c.name, withinBound: c.ratio <= 1 }).toEqual({ case: c.name, withinBound: true });
  });

  // On an AVX2 CPU the native run is already the AVX2 path; anywhere else valgrind's must differ from it.
  it('and under valgrind the int4 kernels took another path than on a CPU with more than AVX2', () => {
    const own = int4KernelPath(vectorExtensions());
    const differing = avx2.filter((c, i) => c.digest !== native[i].digest).map((c) => c.name);
    if (own !== 'AVX2') expect(differing).toContain('last-position logits rewrite (generated GenAI layout)');
  });
});
