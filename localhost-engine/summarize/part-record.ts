/**
 * A part summary as the part cache keeps it: the text shown and the model's points, their citations counted from
 * the part's first paragraph, so that the same part found elsewhere in an edited document is still a cache hit.
 */
import type { CitedPoint } from './citations';

export interface PartRecord {
  /** The summary as shown, without citation markers. */
  summary: string;
  /** The points as the model wrote them, citations as document indices. */
  points: CitedPoint[];
}

/** The part's text with its `[¶n]` labels counted from its first paragraph: what the cache key hashes. */
export function relativeLabels(text: string, first: number): string {
  return text.replace(/\[¶(\d+)\]/g, (_, n: string) => `[¶+${Number(n) - 1 - first}]`);
}

/** The record as the cache stores it. */
export function encodePartRecord(record: PartRecord, first: number): string {
  return JSON.stringify({
    summary: record.summary,
    points: record.points.map((p) => ({ text: p.text, sources: p.sources.map((s) => s - first) })),
  });
}

/**
 * The record a cache value holds, with citations back in this document's indices; undefined for a value that is
 * not one (an older format or a damaged file), which then counts as a miss. Citations outside the document go.
 */
export function decodePartRecord(value: string, first: number, count: number): PartRecord | undefined {
  try {
    const parsed = JSON.parse(value) as { summary?: unknown; points?: unknown };
    if (typeof parsed.summary !== 'string' || !Array.isArray(parsed.points)) return undefined;
    const points: CitedPoint[] = [];
    for (const p of parsed.points as Array<{ text?: unknown; sources?: unknown }>) {
      if (typeof p?.text !== 'string' || !Array.isArray(p.sources)) return undefined;
      const sources = p.sources
        .filter((s): s is number => Number.isInteger(s))
        .map((s) => s + first)
        .filter((s) => s >= 0 && s < count);
      points.push({ text: p.text, sources });
    }
    return { summary: parsed.summary, points };
  } catch {
    return undefined;
  }
}
