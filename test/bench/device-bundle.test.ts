/**
 * The benchmark bundled for the GPU machine (`bench/device/build.sh`), which gets Node and onnxruntime-node from the
 * device pack and nothing else: built into a temporary folder and run from outside the repository with only
 * onnxruntime's two packages on NODE_PATH. Both runners load the tiny model and generate the same tokens, and
 * `run-bench.js` goes through a whole (tiny) benchmark: it generates the model with the bundled tokenizer, runs
 * the bundled runners beside it, measures the ceilings and writes its results and BENCHMARKS.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import { runner } from '../helpers/bench-runner';

const REPO = path.join(__dirname, '..', '..');

describe('the GPU machine bundle of the benchmark', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ls-device-'));
  const bundle = path.join(root, 'bench');
  const nodePath = path.join(root, 'nm', 'node_modules');
  // Nothing from the repository: no node_modules above the working folder, only onnxruntime on NODE_PATH.
  const child = {
    dir: bundle,
    cwd: bundle,
    env: { PATH: process.env.PATH, NODE_PATH: nodePath, HOME: root },
  };
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(() => {
    const build = spawnSync('bash', [path.join(REPO, 'bench', 'device', 'build.sh'), bundle], {
      encoding: 'utf8',
    });
    expect({ status: build.status, stderr: build.stderr }).toEqual({ status: 0, stderr: '' });
    mkdirSync(nodePath, { recursive: true });
    for (const pkg of ['onnxruntime-node', 'onnxruntime-common'])
      symlinkSync(path.join(REPO, 'node_modules', pkg), path.join(nodePath, pkg));
  });

  it('holds the scripts side by side, the worker threads and the tokenizer the model generator copies', () => {
    for (const file of [
      'run-bench.js',
      'engine-runner.js',
      'transformers-js-runner.js',
      'inference-worker.js',
      'hooked-worker.js',
      'tokenizer/phi3/tokenizer.json',
    ])
      expect(existsSync(path.join(bundle, file))).toBe(true);
  });

  it('runs both sides with only onnxruntime beside it, and they agree', async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const args = ['--model-dir', dir, '--prompts', '20', '--new-tokens', '4'];
    // --compiled as run-bench passes it: the bundle is compiled already and must not look for dist/.
    const engine = runner('engine-runner.ts', [...args, '--compiled', '--optimized-dir', 'none'], child);
    const transformers = runner('transformers-js-runner.ts', args, child);
    expect(engine.device).toBe('cpu');
    expect(engine.runs![0].tokens).toHaveLength(4);
    expect(engine.runs![0].tokens).toEqual(transformers.runs![0].tokens);
  });

  it('runs a whole benchmark from run-bench.js and writes its report beside the bundle', () => {
    const run = spawnSync(
      process.execPath,
      [
        'run-bench.js',
        '--size',
        'tiny',
        '--reps',
        '1',
        '--starts',
        '1',
        '--prompts',
        '16',
        '--new-tokens',
        '2',
        // node-llama-cpp is not in the bundle: the GPU machine has no npm to install it.
        '--peers',
        'plain,transformers',
      ],
      { ...child, encoding: 'utf8', timeout: 240_000 },
    );
    expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });
    const report = JSON.parse(
      readFileSync(path.join(bundle, 'results', 'engine-tiny-cpu-ms-cpu-int4.json'), 'utf8'),
    ) as {
      perPrompt: Array<{ sameTokens: boolean; plain?: { decode: number } }>;
      ceilings: { int4Gflops: number };
    };
    expect(report.perPrompt.map((p) => p.sameTokens)).toEqual([true]);
    expect(report.perPrompt[0].plain?.decode).toBeGreaterThan(0);
    expect(report.ceilings.int4Gflops).toBeGreaterThan(0);
    // The model was generated beside the bundle, with the bundled tokenizer.
    expect(existsSync(path.join(root, '.cache', 'models', 'tiny-ms-cpu-int4', 'tokenizer.json'))).toBe(true);
    expect(readFileSync(path.join(root, 'BENCHMARKS.md'), 'utf8')).toContain(
      '## `ms-cpu-int4` (tiny): the engine against the plain loop, transformers.js',
    );
  }, 300_000);
});
