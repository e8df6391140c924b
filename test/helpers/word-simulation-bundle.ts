/**
 * The Word simulation (`test/word-simulation/`) bundled into one classic script for a browser page: it defines
 * `window.WordSimulation` (`{ createWordSimulation, … }`). Built with esbuild and cached under `.cache/` by a hash
 * of the simulation's sources, so only the first run after a change pays for the build.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const SIM_DIR = path.join(ROOT, 'test', 'word-simulation');
const CACHE_DIR = path.join(ROOT, '.cache', 'word-simulation');

/** The global the bundle assigns. */
export const SIMULATION_GLOBAL = 'WordSimulation';

/** Returns the bundle's JavaScript source (an IIFE assigning `window.WordSimulation`). */
export async function wordSimulationBundle(): Promise<string> {
  const sources = readdirSync(SIM_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  const hash = createHash('sha256');
  for (const f of sources) hash.update(f).update(readFileSync(path.join(SIM_DIR, f)));
  const file = path.join(CACHE_DIR, `word-simulation.v2.${hash.digest('hex').slice(0, 16)}.js`);
  if (existsSync(file)) return readFileSync(file, 'utf8');

  // esbuild is a dependency of the toolchain (tsx); required lazily so nothing else pays for loading it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(SIM_DIR, 'word-simulation.ts')],
    bundle: true,
    format: 'iife',
    globalName: SIMULATION_GLOBAL,
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
    // Playwright runs an init script inside a function, so the IIFE's `var` alone would not reach `window`.
    footer: { js: `globalThis.${SIMULATION_GLOBAL} = ${SIMULATION_GLOBAL};` },
  });
  const code = result.outputFiles[0].text;
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(file, code);
  return code;
}
