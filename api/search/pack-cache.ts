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
  /** What it holds in memory, roughly: compressed data, decoded numbers, decompressed text. */
  bytes: number;
}

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
    return e.reader;
  }

  set(key: string, reader: PackReader, bytes: number): void {
    if (bytes > this.maxBytes) return;
    const old = this.map.get(key);
    if (old) {
      this.held -= old.bytes;
      this.map.delete(key);
    }
    this.map.set(key, { reader, bytes });
    this.held += bytes;
    for (const [k, e] of this.map) {
      if (this.held <= this.maxBytes) break;
      this.map.delete(k);
      this.held -= e.bytes;
    }
  }

  clear(): void {
    this.map.clear();
    this.held = 0;
  }
}

/** Bytes a decoded pack holds, as the cache counts it. */
export function packBytes(dataBytes: number, rows: number, rawBytes: number): number {
  // Numbers: ids, times, severities, facilities (8-byte slots); text as JS strings may
  // take two bytes a character.
  return dataBytes + rows * 48 + rawBytes * 2;
}
