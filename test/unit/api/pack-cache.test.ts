/**
 * The decoded-pack cache (api/search/pack-cache.ts) counts what each pack holds: its
 * compressed data and numbers from the start, its text and attrs once a read decompressed
 * them, so a newest-first page that reads a few numbers of many packs keeps them all,
 * and decompressed text still pushes the least recently used out.
 */
import { describe, expect, it } from 'vitest';
import { PackCache, packBytes } from '../../../api/search/pack-cache.js';
import { PackReader } from '../../../core/packs/decode.js';
import { encodePack, type PackRow } from '../../../core/packs/encode.js';
import { newRecord } from '../../../core/record.js';

function pack(seed: number): { reader: PackReader; base: number; raw: number } {
  const rows: PackRow[] = Array.from({ length: 500 }, (_, i) => {
    const r = newRecord('forward', 1_764_000_000 + i, 0, `line ${seed} ${i} ${'x'.repeat(200)}`);
    r.containerName = `c${seed}`;
    r.attrs = { n: i, seed };
    return { id: seed * 1000 + i, record: r };
  });
  const p = encodePack(rows, { codec: 'deflate' });
  const labels = p.labels;
  return {
    reader: new PackReader(labels, p.data),
    base: packBytes(p.data.length, p.rows),
    raw: p.rawBytes,
  };
}

describe('pack cache', () => {
  it('counts text and attrs only once decompressed, and again when the entry is taken', () => {
    const a = pack(1);
    const cache = new PackCache(1 << 30);
    cache.set('a', a.reader, a.base);
    expect(cache.size).toBe(a.base);
    a.reader.message(0);
    a.reader.attrs(0);
    expect(cache.get('a')).toBe(a.reader);
    expect(cache.size).toBe(a.base + a.reader.decodedBytes);
    expect(a.reader.decodedBytes).toBeGreaterThanOrEqual(a.raw);
  });

  it('keeps many packs whose text was never read; decompressed text evicts the oldest', () => {
    const packs = Array.from({ length: 6 }, (_, i) => pack(i + 1));
    const bound = packs.reduce((s, p) => s + p.base, 0) + packs[0]!.raw;
    const cache = new PackCache(bound);
    packs.forEach((p, i) => cache.set(`p${i}`, p.reader, p.base));
    packs.forEach((_, i) => expect(cache.get(`p${i}`)).toBe(packs[i]!.reader));
    // Two packs' text read: over the bound, so the least recently used (p0) goes.
    packs[4]!.reader.message(1);
    packs[5]!.reader.message(1);
    cache.get('p4');
    cache.get('p5');
    expect(cache.size).toBeLessThanOrEqual(bound);
    expect(cache.get('p0')).toBeUndefined();
    expect(cache.get('p5')).toBe(packs[5]!.reader);
  });
});
