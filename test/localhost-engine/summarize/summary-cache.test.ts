import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cacheKey, SummaryCache } from '../../../localhost-engine/summarize/summary-cache';

const key = (text: string) => cacheKey({ modelId: 'm', promptVersion: 2, maxNewTokens: 180, text });

describe('SummaryCache', () => {
  it('keys on everything that shapes a summary', () => {
    const base = { modelId: 'm', promptVersion: 2, maxNewTokens: 180, text: 't' };
    const keys = new Set([
      cacheKey(base),
      cacheKey({ ...base, modelId: 'other' }),
      cacheKey({ ...base, promptVersion: 3 }),
      cacheKey({ ...base, maxNewTokens: 260 }),
      cacheKey({ ...base, text: 't ' }),
    ]);
    expect(keys.size).toBe(5);
  });

  it('survives a restart through its folder, and reads a damaged file as a miss', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ls-cache-'));
    await new SummaryCache(dir).set(key('a'), 'summary of a');
    const fresh = new SummaryCache(dir);
    expect(await fresh.get(key('a'))).toBe('summary of a');
    writeFileSync(path.join(dir, `${key('b')}.json`), '{ broken');
    expect(await fresh.get(key('b'))).toBeUndefined();
  });

  it('stays within its bound on disk', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ls-cache-'));
    const cache = new SummaryCache(dir, 10);
    for (let i = 0; i < 60; i++) await cache.set(key(String(i)), `s${i}`);
    await cache.prune();
    expect(readdirSync(dir).filter((n) => n.endsWith('.json')).length).toBeLessThanOrEqual(10);
    expect(await cache.get(key('59'))).toBe('s59');
  });

  it('works in memory only', async () => {
    const cache = new SummaryCache(null, 2);
    await cache.set(key('x'), 'X');
    await cache.set(key('y'), 'Y');
    await cache.set(key('z'), 'Z');
    expect(await cache.get(key('x'))).toBeUndefined();
    expect(await cache.get(key('z'))).toBe('Z');
  });
});
