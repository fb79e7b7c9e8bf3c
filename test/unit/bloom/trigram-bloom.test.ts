/**
 * core/trigram-bloom.ts: the per-block trigram filter of the skip index. What must hold:
 * a block never loses a needle it holds (no false negatives, folded or not, for any text
 * PostgreSQL can store), the builder's fast path sets exactly the bits of the reference
 * definition (trigramHashes + hashPosition over Buffer.from's UTF-8), and case folds A-Z
 * only, as ILIKE does under the C collation.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BLOOM_BITS,
  BLOOM_HASHES,
  BLOOM_MAX_FILL,
  BLOOM_MIN_BITS,
  BloomBuilder,
  bloomHas,
  foldBloom,
  hashPosition,
  needleBitPositions,
  trigramHash,
  trigramHashes,
} from '../../../core/trigram-bloom.js';

/** Text as logs carry it: mixed case, accents, astral characters, lone surrogates. */
const unit = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom('a', 'B', 'z', 'Q', ' ', '=', '0', '9', 'A', 'Z', '@', '['),
  },
  { weight: 2, arbitrary: fc.constantFrom('é', 'É', 'ß', 'İ', 'Σ', 'σ', '€', '😀', '\u00a0') },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udfff', '\n', '\t') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const message = fc.string({ unit, maxLength: 60 });

/** Bits set by the reference definition: every trigram, every hash, full size. */
function referenceBits(messages: string[], bits = BLOOM_BITS): Set<number> {
  const shift = 32 - Math.log2(bits);
  const out = new Set<number>();
  for (const m of messages) {
    for (const h of trigramHashes(Buffer.from(m, 'utf8'))) {
      for (let i = 0; i < BLOOM_HASHES; i++) out.add(hashPosition(h, i, shift));
    }
  }
  return out;
}

function setBits(bytes: Uint8Array): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < bytes.length * 8; i++) if (bytes[i >> 3]! & (1 << (i & 7))) out.add(i);
  return out;
}

describe('trigram bloom', () => {
  it('never loses a substring of a message it was given, folded or full size', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 20 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (messages, pick, from, len) => {
          const b = new BloomBuilder();
          for (const m of messages) b.add(m);
          // By code point: half a surrogate pair is not a substring of the stored text.
          const m = Array.from(messages[pick % messages.length]!);
          const start = from % (m.length + 1);
          const needle = m.slice(start, start + (len % 40)).join('');
          // The query side lowers A-Z (validate.ts); any ASCII case must find the same bits.
          const lower = needle.replace(/[A-Z]/g, (c) => c.toLowerCase());
          const upper = needle.replace(/[a-z]/g, (c) => c.toUpperCase());
          for (const n of [needle, lower, upper]) {
            const ps = needleBitPositions(n);
            if (ps === null) continue;
            expect(bloomHas(b.bytes, ps), JSON.stringify({ messages, n })).toBe(true);
            expect(bloomHas(b.fullBytes, ps)).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('sets exactly the bits of the reference definition (UTF-8 as Buffer.from writes it)', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 8 }), (messages) => {
        const b = new BloomBuilder();
        for (const m of messages) b.add(m);
        expect(setBits(b.fullBytes)).toEqual(referenceBits(messages));
      }),
      { numRuns: 300 },
    );
  });

  it('encodes messages of any length in full, around its 16384-unit scratch buffer', () => {
    // 16384 units (the most the shared buffer takes, 3 UTF-8 bytes each at most), and past it.
    const fit = [`x${'€'.repeat(16_382)}Z`, `x${'é😀'.repeat(5461)}Z`];
    expect(fit.map((m) => m.length)).toEqual([16_384, 16_385]);
    for (const m of [...fit, 'Ab€😀\ud800'.repeat(5000)]) {
      const b = new BloomBuilder(2 ** 16);
      b.add(m);
      expect(setBits(b.fullBytes)).toEqual(referenceBits([m], 2 ** 16));
    }
  });

  it('folds A-Z only, as ILIKE under the C collation', () => {
    expect(needleBitPositions('HeLLo')).toEqual(needleBitPositions('hello'));
    expect(needleBitPositions('ÄBC')).not.toEqual(needleBitPositions('äbc'));
    const b = new BloomBuilder();
    b.add('Connection RESET by peer');
    expect(bloomHas(b.bytes, needleBitPositions('reset BY')!)).toBe(true);
    expect(bloomHas(b.bytes, needleBitPositions('timeout')!)).toBe(false);
  });

  it('cannot prune on needles under 3 UTF-8 bytes', () => {
    expect(needleBitPositions('')).toBeNull();
    expect(needleBitPositions('ab')).toBeNull();
    expect(needleBitPositions('é')).toBeNull(); // 2 bytes
    expect(needleBitPositions('éa')).not.toBeNull(); // 3 bytes, 1 trigram
    expect(needleBitPositions('€')!.length).toBeGreaterThan(0); // 3 bytes
  });

  it('returns sorted distinct positions within the filter', () => {
    fc.assert(
      fc.property(message, (m) => {
        const ps = needleBitPositions(m);
        if (ps === null) return;
        expect(ps).toEqual([...new Set(ps)].sort((a, b) => a - b));
        expect(ps.every((p) => p >= 0 && p < BLOOM_BITS)).toBe(true);
      }),
    );
  });

  it('hashes a trigram the same from a string and from bytes', () => {
    const t = (0x61 << 16) | (0x62 << 8) | 0x63;
    expect([...trigramHashes('ABC')]).toEqual([trigramHash(t)]);
    expect([...trigramHashes(new Uint8Array([0x41, 0x62, 0x43]))]).toEqual([trigramHash(t)]);
    expect(trigramHashes('ab')).toHaveLength(0);
  });

  it('folds by OR-ing bit pairs, so a folded filter keeps every position', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(127), (a, p) => {
        const f = foldBloom(a);
        expect(f).toHaveLength(8);
        const bit = (x: Uint8Array, i: number) => (x[i >> 3]! >> (i & 7)) & 1;
        expect(bit(f, p >> 1)).toBe(bit(a, p) | bit(a, p ^ 1));
      }),
    );
  });

  it('hands out the smallest fold under the fill limit, never under the minimum size', () => {
    const b = new BloomBuilder();
    expect(b.bytes).toHaveLength(BLOOM_MIN_BITS / 8); // empty: folds all the way
    for (let i = 0; i < 3000; i++) b.add(`request ${i * 7919} user${i % 97} took ${i % 1000}ms`);
    const bytes = b.bytes;
    expect(bytes.length).toBeLessThan(BLOOM_BITS / 8);
    const fill = (x: Uint8Array) => setBits(x).size / (x.length * 8);
    expect(fill(bytes)).toBeLessThanOrEqual(BLOOM_MAX_FILL);
    expect(fill(foldBloom(bytes))).toBeGreaterThan(BLOOM_MAX_FILL);
    expect(b.count).toBe(3000);
    expect(b.fill).toBeCloseTo(setBits(b.fullBytes).size / BLOOM_BITS, 10);
    expect(b.fill).toBeGreaterThan(0);
    b.reset();
    expect(b.count).toBe(0);
    expect(b.fill).toBe(0);
    expect(setBits(b.fullBytes).size).toBe(0);
  });

  it('hands out a copy that later adds and resets do not change', () => {
    const b = new BloomBuilder();
    b.add('first block');
    const before = b.bytes;
    const copy = Buffer.from(before);
    b.reset();
    b.add('something else entirely');
    expect(before).toEqual(copy);
  });

  it('refuses sizes that are not powers of two', () => {
    expect(() => new BloomBuilder(1000)).toThrow(RangeError);
    expect(() => new BloomBuilder(4)).toThrow(RangeError);
    expect(() => needleBitPositions('abc', 3 * 2 ** 10)).toThrow(RangeError);
  });
});
