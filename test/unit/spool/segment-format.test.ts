import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignUp,
  decodeAt,
  encodeRecord,
  recordSize,
  scan,
  HEADER_BYTES,
} from '../../../collector/spool/segment-format.js';

/** A segment-sized buffer (zeros, or `fill`) holding records `firstSeq`.. with the payloads. */
function segment(payloads: Buffer[], firstSeq = 1, size = 4096, fill?: Buffer): Buffer {
  const buf = fill ? Buffer.from(fill) : Buffer.alloc(size);
  let off = 0;
  payloads.forEach((p, i) => (off += encodeRecord(buf, off, firstSeq + i, 1000 + i, p)));
  return buf;
}

const P = [
  Buffer.from('alpha'),
  Buffer.from('b'.repeat(33)),
  Buffer.alloc(0),
  Buffer.from('gamma'),
];

describe('segment format', () => {
  it('round-trips records, padded to 8 bytes, with a clean end', () => {
    const buf = segment(P, 40);
    const res = scan(buf, 40);
    expect(res.records.map((r) => [r.seq, r.appendedAt, r.payload.toString()])).toEqual(
      P.map((p, i) => [40 + i, 1000 + i, p.toString()]),
    );
    for (const r of res.records) expect(r.offset % 8).toBe(0);
    expect(res.end).toBe(P.reduce((a, p) => a + recordSize(p.length), 0));
    expect(res).toMatchObject({ tail: 'clean', corrupt: 0, missing: 0, skippedBytes: 0 });
  });

  it('keeps sequence numbers up to 2^53 - 1 exact', () => {
    const buf = Buffer.alloc(256);
    encodeRecord(buf, 0, Number.MAX_SAFE_INTEGER, -1.5, Buffer.from('x'));
    const r = decodeAt(buf, 0);
    expect(r).toMatchObject({ seq: Number.MAX_SAFE_INTEGER, appendedAt: -1.5 });
  });

  it('a cut at every byte of the last record is a torn tail; the others stay', () => {
    const whole = segment(P);
    const lastStart = P.slice(0, -1).reduce((a, p) => a + recordSize(p.length), 0);
    const lastEnd = lastStart + HEADER_BYTES + P.at(-1)!.length;
    for (let cut = lastStart + 1; cut < lastEnd; cut++) {
      // As a crash leaves it in a preallocated file: the rest never written (zeros) ...
      const zeroed = Buffer.from(whole);
      zeroed.fill(0, cut);
      // ... or as a short file.
      for (const buf of [zeroed, whole.subarray(0, cut)]) {
        const res = scan(buf, 1);
        expect(res.records.map((r) => r.seq)).toEqual([1, 2, 3]);
        expect(res.end).toBe(lastStart);
        expect(res.tail).toBe('torn');
        expect(res.tornEnd).toBeGreaterThan(lastStart);
        expect(res.corrupt).toBe(0);
      }
    }
  });

  it('a corrupt record in the middle is skipped and counted; the records after it are read', () => {
    const buf = segment(P);
    const second = recordSize(P[0]!.length);
    buf[second + HEADER_BYTES + 5]! ^= 0x40; // a payload byte of record 2
    const res = scan(buf, 1);
    expect(res.records.map((r) => r.seq)).toEqual([1, 3, 4]);
    expect(res).toMatchObject({ corrupt: 1, missing: 1, tail: 'clean' });
    expect(res.skippedBytes).toBe(recordSize(P[1]!.length));
  });

  it('a damaged header (length) is resynced on the next aligned magic', () => {
    const buf = segment(P);
    buf.writeUInt32LE(0xffffff, 24); // record 1 claims 16 MiB
    const res = scan(buf, 1);
    expect(res.records.map((r) => r.seq)).toEqual([2, 3, 4]);
    expect(res).toMatchObject({ corrupt: 1, missing: 1 });
  });

  it("a recycled file's old records (numbered below the segment) are stale, not records", () => {
    const old = segment([P[1]!, P[1]!, P[1]!, P[1]!, P[1]!], 100);
    const buf = segment([P[0]!], 200, 0, old);
    const res = scan(buf, 200);
    expect(res.records.map((r) => r.seq)).toEqual([200]);
    expect(res.tail).toBe('stale');
    // Even when the new record is torn, no old record is taken for a new one.
    const torn = Buffer.from(buf);
    torn.fill(0xee, 8, 16);
    const t = scan(torn, 200);
    expect(t.records).toEqual([]);
    expect(t.tail).toBe('torn');
    expect(t.tornEnd).toBe(recordSize(P[1]!.length)); // up to the first old record
  });

  it('a record that survived past a hole (a lost page) is found, the gap counted', () => {
    const buf = segment(P);
    const second = recordSize(P[0]!.length);
    buf.fill(0, second, second + recordSize(P[1]!.length));
    const res = scan(buf, 1);
    expect(res.records.map((r) => r.seq)).toEqual([1, 3, 4]);
    expect(res.missing).toBe(1);
  });

  it('never throws, and every record it returns checks out, on arbitrary damage', () => {
    const whole = segment(P, 1, 512);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(511), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(512),
        (flips, cut) => {
          const buf = Buffer.from(whole.subarray(0, cut));
          for (const [at, v] of flips) if (at < buf.length) buf[at] = v;
          const res = scan(buf, 1);
          let last = 0;
          for (const r of res.records) {
            expect(r.seq).toBeGreaterThan(last);
            last = r.seq;
            expect(r.payload.equals(P[r.seq - 1]!)).toBe(true);
          }
          // A short file may end inside the last record's padding (outside the crc).
          expect(res.end).toBeLessThanOrEqual(alignUp(buf.length));
        },
      ),
    );
  });
});
