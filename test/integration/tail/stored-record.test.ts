/**
 * The tail's conversion of a committed record (core/stored-record.ts) against what
 * PostgreSQL gives back for the same row (api/record-sql.ts): random records, including
 * extreme times, nanoseconds, unicode keys and numbers, must encode to the same JSON text.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Committed } from '../../../core/tail-commits.js';
import { MAX_TS_SEC, MIN_TS_SEC } from '../../../core/record.js';
import type { AttrValue, Attrs, LogRecord } from '../../../core/record.js';
import { RECORD_COLUMNS } from '../../../api/search/record-sql.js';
import { toStoredRecord } from '../../../core/stored-record.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { storedRows } from '../../../dev/stored-rows.js';

/** Text as normalization leaves it: no NUL, no lone surrogate. */
const cleanText = (maxLength: number) =>
  fc
    .string({
      unit: fc.oneof(
        fc.constantFrom('a', 'B', 'é', 'ß', '😀', '\n', '\\', '"', '1', 'ǅ'),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
      ),
      maxLength,
    })
    .filter((s) => !s.includes('\0'));

const value: fc.Arbitrary<AttrValue> = fc.letrec<{ v: AttrValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.constantFrom(0.1, 1e21, 1e-7, 5e-324, 2 ** 53 - 1, -0),
    cleanText(8),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(cleanText(6), tie('v'), { maxKeys: 5 }),
  ),
})).v;

const record: fc.Arbitrary<LogRecord> = fc.record({
  tsSec: fc.oneof(
    fc.integer({ min: MIN_TS_SEC, max: MAX_TS_SEC }),
    fc.constantFrom(0, -1, MIN_TS_SEC, MAX_TS_SEC),
  ),
  tsNano: fc.oneof(
    fc.integer({ min: 0, max: 999_999_999 }),
    fc.constantFrom(0, 999, 1000, 999_999_999),
  ),
  receivedAt: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  source: fc.constantFrom('forward', 'syslog'),
  host: fc.option(cleanText(5), { nil: null }),
  containerId: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: null }),
  containerName: fc.option(cleanText(5), { nil: null }),
  stream: fc.constantFrom('stdout', 'stderr', null),
  tag: fc.option(cleanText(5), { nil: null }),
  app: fc.option(cleanText(5), { nil: null }),
  project: fc.option(cleanText(5), { nil: null }),
  service: fc.option(cleanText(5), { nil: null }),
  severity: fc.option(fc.integer({ min: 0, max: 7 }), { nil: null }),
  facility: fc.option(fc.integer({ min: 0, max: 23 }), { nil: null }),
  message: cleanText(30),
  attrs: fc.option(fc.dictionary(cleanText(6), value, { maxKeys: 6 }) as fc.Arbitrary<Attrs>, {
    nil: null,
  }),
});

describe('tail record conversion', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('encodes every committed record exactly as SQL reads it back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 40 }), async (records) => {
        const committed: Committed[] = [];
        const grab = (b: Committed[]) => committed.push(...b);
        h.collector.writer.on('committed', grab);
        try {
          await h.collector.writer.submit({ records });
        } finally {
          h.collector.writer.off('committed', grab);
        }
        const ids = committed.map((c) => c.id);
        const rows = (
          await h.pool.query(
            `SELECT ${RECORD_COLUMNS} FROM ${await storedRows(h.pool)} WHERE id = ANY($1::bigint[]) ORDER BY id`,
            [ids],
          )
        ).rows;
        expect(committed.map((c) => JSON.stringify(toStoredRecord(c.id, c.record)))).toEqual(
          rows.map((r) => JSON.stringify(r)),
        );
      }),
      { numRuns: 40 },
    );
  });
});
