/**
 * Decoded packs kept between the reads of one process, least recently used first out,
 * bounded by bytes: a pack read by page 1 of a search is read again by page 2 (its rows
 * straddle the cursor), by the histogram of the same query, by a context click on one of
 * its lines. A pack's row is never updated in place: the compactor deletes it and
 * inserts another (migration 012), so its identity (pack-source.ts packKey) names the
 * same bytes for as long as it exists, across snapshots.
 */
import type { PackReader } from '../../core/packs/decode.js';

export interface CachedPack {
  reader: PackReader;
  /** What it holds from the start: compressed data and decoded numbers. */
  base: number;
  /** base and what its decompressed sections hold, as last measured. */
  bytes: number;
}

/**
 * A pack's text and attrs are decompressed only when a read needs them (a newest-first
 * page over every stream reads a few numbers of each pack and the text of a handful), so
 * an entry is counted by what it holds: measured again whenever it is taken, and every
 * entry whenever one is added.
 */
export class PackCache {
  private readonly map = new Map<string, CachedPack>();
  private held = 0;

  constructor(readonly maxBytes: number) {}

  get size(): number {
    return this.held;
  }

  get(key: string): PackReader | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    this.measure(e);
    this.evict(key);
    return e.reader;
  }

  set(key: string, reader: PackReader, base: number): void {
    if (base > this.maxBytes) return;
    const old = this.map.get(key);
    if (old) {
      this.held -= old.bytes;
      this.map.delete(key);
    }
    const e = { reader, base, bytes: 0 };
    this.map.set(key, e);
    for (const x of this.map.values()) this.measure(x);
    this.evict(key);
  }

  clear(): void {
    this.map.clear();
    this.held = 0;
  }

  private measure(e: CachedPack): void {
    const now = e.base + e.reader.decodedBytes;
    this.held += now - e.bytes;
    e.bytes = now;
  }

  /** Least recently used out until under the bound, `keep` (the newest) aside. */
  private evict(keep: string): void {
    for (const [k, e] of this.map) {
      if (this.held <= this.maxBytes || k === keep) break;
      this.map.delete(k);
      this.held -= e.bytes;
    }
  }
}

/** Bytes a pack holds once decoded, before its text and attrs are (see PackCache). */
export function packBytes(dataBytes: number, rows: number): number {
  // Numbers: ids, times, severities, facilities (8-byte slots).
  return dataBytes + rows * 48;
}
