/**
 * The writer's binary COPY data read back by an independent reader of the format
 * (PostgreSQL docs, "COPY", "Binary Format"): every field of random records, with NULLs,
 * non-ASCII text, strings past the label cache's limits, times at the ends of the range
 * and a buffer that must grow many times. PostgreSQL reads the same bytes in
 * test/integration/writer.test.ts and test/integration/tail/stored-record.test.ts.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BinaryCopy, COPY_COLUMNS } from '../../../collector/writer/copy-binary.js';
import { MAX_TS_SEC, MIN_TS_SEC, type LogRecord } from '../../../core/record.js';

const PG_EPOCH_US = 946_684_800n * 1_000_000n;

/** Reads binary COPY data back into [id, ts µs since 1970, ts_ns, received µs, ...texts]. */
function readCopy(b: Buffer): unknown[][] {
  expect(b.subarray(0, 11).toString('latin1')).toBe('PGCOPY\n\xff\r\n\0');
  expect(b.readInt32BE(11)).toBe(0);
  expect(b.readInt32BE(15)).toBe(0);
  let o = 19;
  const rows: unknown[][] = [];
  for (;;) {
    const n = b.readInt16BE(o);
    o += 2;
    if (n === -1) break;
    expect(n).toBe(COPY_COLUMNS.length);
    const fields: (Buffer | null)[] = [];
    for (let i = 0; i < n; i++) {
      const len = b.readInt32BE(o);
      o += 4;
      fields.push(len === -1 ? null : b.subarray(o, (o += len)));
    }
    const f = (i: number) => fields[i]!;
    const text = (i: number) => (fields[i] === null ? null : f(i).toString('utf8'));
    const int2 = (i: number) => (fields[i] === null ? null : f(i).readInt16BE(0));
    rows.push([
      f(0).readBigInt64BE(0),
      f(1).readBigInt64BE(0) + PG_EPOCH_US,
      int2(2),
      f(3).readBigInt64BE(0) + PG_EPOCH_US,
      ...[4, 5, 6, 7, 8, 9, 10, 11, 12].map(text),
      int2(13),
      int2(14),
      text(15),
      fields[16] === null
        ? null
        : (expect(f(16)[0]).toBe(1), JSON.parse(f(16).toString('utf8', 1))),
    ]);
  }
  expect(o).toBe(b.length);
  return rows;
}

function expected(id: number, r: LogRecord): unknown[] {
  const recvSec = Math.floor(r.receivedAt / 1000);
  const recvUs = Math.floor((r.receivedAt - recvSec * 1000) * 1000);
  return [
    BigInt(id),
    BigInt(r.tsSec) * 1_000_000n + BigInt(Math.floor(r.tsNano / 1000)),
    r.tsNano % 1000,
    BigInt(recvSec) * 1_000_000n + BigInt(recvUs),
    r.source,
    r.host,
    r.containerId,
    r.containerName,
    r.stream,
    r.tag,
    r.app,
    r.project,
    r.service,
    r.severity,
    r.facility,
    r.message,
    r.attrs,
  ];
}

// Clean text as records hold it: no NUL, no lone surrogates (core/normalize/text.ts).
const clean = fc.string({ unit: 'grapheme', maxLength: 300 }).map((s) => s.replaceAll('\0', ''));
const label = fc.oneof(fc.constant(null), clean, fc.constantFrom('/web', 'stdout', 'ü-Ω-😀'));
const record: fc.Arbitrary<LogRecord> = fc.record({
  tsSec: fc.oneof(
    fc.integer({ min: MIN_TS_SEC, max: MAX_TS_SEC }),
    fc.constantFrom(MIN_TS_SEC, MAX_TS_SEC, -1, 0, 946_684_800, 1_764_000_000),
  ),
  tsNano: fc.integer({ min: 0, max: 999_999_999 }),
  receivedAt: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  source: fc.constantFrom('forward' as const, 'syslog' as const),
  host: label,
  containerId: label,
  containerName: label,
  stream: fc.constantFrom(null, 'stdout' as const, 'stderr' as const),
  tag: label,
  app: label,
  project: label,
  service: label,
  severity: fc.option(fc.integer({ min: 0, max: 7 })),
  facility: fc.option(fc.integer({ min: 0, max: 23 })),
  message: clean,
  attrs: fc.option(fc.dictionary(clean, fc.oneof(clean, fc.integer(), fc.boolean()))),
});

describe('binary COPY encoding', () => {
  it('reads back every field of random records, whatever the starting buffer size', () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 40 }),
        fc.integer({ min: 1, max: 4096 }),
        (rs, hint) => {
          const c = new BinaryCopy(hint);
          rs.forEach((r, i) => c.row(1_000 + i, r));
          expect(readCopy(c.finish())).toEqual(rs.map((r, i) => expected(1_000 + i, r)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('starts clean after reset, in the same (possibly grown) buffer', () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 20 }),
        fc.array(record, { maxLength: 20 }),
        (a, b) => {
          const c = new BinaryCopy(64);
          a.forEach((r, i) => c.row(i, r));
          c.finish();
          c.reset();
          b.forEach((r, i) => c.row(500 + i, r));
          expect(readCopy(c.finish())).toEqual(b.map((r, i) => expected(500 + i, r)));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps labels right past the cache bound (more distinct values than it holds)', () => {
    const base: LogRecord = fc.sample(record, { numRuns: 1, seed: 1 })[0]!;
    const rs = Array.from({ length: 10_000 }, (_, i) => ({
      ...base,
      containerName: `/c-${i}`,
      tag: `t-${i % 7}`,
    }));
    const c = new BinaryCopy();
    rs.forEach((r, i) => c.row(i, r));
    expect(readCopy(c.finish())).toEqual(rs.map((r, i) => expected(i, r)));
  });
});
