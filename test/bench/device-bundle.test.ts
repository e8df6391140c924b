/**
 * The benchmark bundled for the GPU machine (`bench/device/build.sh`), which has Node and onnxruntime-node and
 * nothing else: built into a temporary folder and run from outside the repository with only onnxruntime's two
 * packages on NODE_PATH, both runners load the tiny model and generate the same tokens.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureGeneratedModel } from '../../models/ensure-generated-model';
import type { RunnerResult } from '../../bench/runner-result';

const REPO = path.join(__dirname, '..', '..');

describe('the GPU machine bundle of the benchmark', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'ls-device-'));
  const bundle = path.join(root, 'bench');
  const nodePath = path.join(root, 'nm', 'node_modules');
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

  function run(script: string, args: string[]): RunnerResult {
    // cwd outside the repository: nothing resolves from its node_modules.
    const child = spawnSync(process.execPath, [path.join(bundle, script), ...args], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NODE_PATH: nodePath, HOME: root },
    });
    const last = JSON.parse(child.stdout.trim().split('\n').at(-1)!) as RunnerResult;
    expect({ status: child.status, error: last.error }).toEqual({ status: 0, error: undefined });
    return last;
  }

  it('holds the scripts side by side, the worker threads and the tokenizer the model generator copies', () => {
    for (const file of [
      'run-bench.js',
      'engine-runner.js',
      'transformers-js-runner.js',
      'inference-worker.js',
      'shard-worker.js',
      'tokenizer/phi3/tokenizer.json',
    ])
      expect(existsSync(path.join(bundle, file))).toBe(true);
  });

  it('runs both sides with only onnxruntime beside it, and they agree', async () => {
    const dir = await ensureGeneratedModel({ size: 'tiny', layout: 'transformers' });
    const args = ['--model-dir', dir, '--prompts', '20', '--new-tokens', '4'];
    // --compiled as run-bench passes it: the bundle is compiled already and must not look for dist/.
    const engine = run('engine-runner.js', [...args, '--compiled', '--optimized-dir', 'none']);
    const transformers = run('transformers-js-runner.js', args);
    expect(engine.device).toBe('cpu');
    expect(engine.runs![0].tokens).toHaveLength(4);
    expect(engine.runs![0].tokens).toEqual(transformers.runs![0].tokens);
  });
});
