/**
 * CLI: generates (or finds cached) random-weight Phi-3 model folders.
 * Usage: npm run models:generate -- --size tiny|phi3-mini --layout <layout>|both|all [--cache-dir DIR]
 * where <layout> is one of GENERATED_LAYOUT_NAMES (models/generated-layouts.ts); `both` is transformers and genai.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isModelSize, ModelSize } from './model-sizes';
import { ensureGeneratedModel } from './ensure-generated-model';
import { GENERATED_LAYOUT_NAMES, GeneratedLayout, isGeneratedLayout } from './generated-layouts';

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(p) : fs.statSync(p).size;
  }
  return total;
}

function parseArgs(argv: readonly string[]): {
  size: ModelSize;
  layouts: GeneratedLayout[];
  cacheDir?: string;
} {
  const get = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const size = get('--size') ?? 'tiny';
  const layout = get('--layout') ?? 'both';
  if (!isModelSize(size)) throw new Error(`--size must be tiny or phi3-mini, not ${size}`);
  const layouts: GeneratedLayout[] =
    layout === 'both'
      ? ['transformers', 'genai']
      : layout === 'all'
        ? [...GENERATED_LAYOUT_NAMES]
        : isGeneratedLayout(layout)
          ? [layout]
          : [];
  if (layouts.length === 0) {
    throw new Error(
      `--layout must be one of ${GENERATED_LAYOUT_NAMES.join(', ')}, both or all, not ${layout}`,
    );
  }
  return { size, layouts, cacheDir: get('--cache-dir') };
}

async function main(): Promise<void> {
  const { size, layouts, cacheDir } = parseArgs(process.argv.slice(2));
  for (const layout of layouts) {
    const started = Date.now();
    const dir = await ensureGeneratedModel({ size, layout, cacheDir });
    const mb = (folderBytes(dir) / 1e6).toFixed(1);
    console.log(`${dir}\t${mb} MB\t${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
