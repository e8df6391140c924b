/**
 * Part summaries kept between runs, so a second run after a small edit recomputes only the parts that changed.
 * Keyed by a hash of everything that determines the summary (model, prompt version, output cap, the part's text);
 * in memory and, when a folder is given, on disk as one small JSON file per entry, bounded in count.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface CacheKeyParts {
  modelId: string;
  promptVersion: number;
  maxNewTokens: number;
  text: string;
}

/** A stable key for one part summary. */
export function cacheKey(k: CacheKeyParts): string {
  return createHash('sha256')
    .update(JSON.stringify([k.modelId, k.promptVersion, k.maxNewTokens, k.text]))
    .digest('hex');
}

export class SummaryCache {
  private readonly memory = new Map<string, string>();
  private writes = 0;

  /** @param dir the disk folder (created on first write), or null for memory only. */
  constructor(
    private readonly dir: string | null,
    private readonly maxEntries = 2000,
  ) {}

  /** The cached summary, or undefined. A damaged file reads as a miss, never as an error. */
  async get(key: string): Promise<string | undefined> {
    const hit = this.memory.get(key);
    if (hit !== undefined) {
      // Refresh recency: Map keeps insertion order, which is the eviction order.
      this.memory.delete(key);
      this.memory.set(key, hit);
      return hit;
    }
    if (!this.dir) return undefined;
    try {
      const parsed = JSON.parse(await fs.readFile(path.join(this.dir, `${key}.json`), 'utf8')) as {
        summary?: unknown;
      };
      if (typeof parsed.summary !== 'string') return undefined;
      this.remember(key, parsed.summary);
      return parsed.summary;
    } catch {
      return undefined;
    }
  }

  /** Stores a summary; a disk that refuses the write only loses the disk copy. */
  async set(key: string, summary: string): Promise<void> {
    this.remember(key, summary);
    if (!this.dir) return;
    try {
      await fs.mkdir(this.dir, { recursive: true });
      const file = path.join(this.dir, `${key}.json`);
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, JSON.stringify({ summary }));
      await fs.rename(tmp, file);
      if (++this.writes % 50 === 0) await this.prune();
    } catch {
      // The cache is an optimization; a full or read-only disk must not fail a summary.
    }
  }

  private remember(key: string, summary: string): void {
    this.memory.delete(key);
    this.memory.set(key, summary);
    while (this.memory.size > this.maxEntries) this.memory.delete(this.memory.keys().next().value as string);
  }

  /** Removes the oldest files beyond `maxEntries`. */
  async prune(): Promise<void> {
    if (!this.dir) return;
    const names = (await fs.readdir(this.dir)).filter((n) => n.endsWith('.json'));
    if (names.length <= this.maxEntries) return;
    const stats = await Promise.all(
      names.map(async (n) => ({ n, t: (await fs.stat(path.join(this.dir as string, n))).mtimeMs })),
    );
    stats.sort((a, b) => a.t - b.t);
    for (const { n } of stats.slice(0, names.length - this.maxEntries)) {
      await fs.rm(path.join(this.dir, n), { force: true });
    }
  }
}
