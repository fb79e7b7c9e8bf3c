/**
 * The tail filters the same way on both of its paths: the backlog (SQL, to-sql.ts) and
 * live records (the predicate, to-predicate.ts). Random queries over random records: the
 * records are committed once before the client connects (so they come from the backlog)
 * and once more after it is live (so they come through the predicate); both must select
 * the same positions, which must be the predicate's own choice, with the same JSON.
 *
 * A marker record closes each half: the query is `(q) OR "<marker>"`, so the marker's
 * arrival says the half before it is complete.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuery, print, toPredicate, type StoredRecordLike } from '../../../api/query/index.js';
import { toStoredRecord } from '../../../core/stored-record.js';
import { newRecord, type LogRecord, type StoredRecord } from '../../../core/record.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { sampleRecord, validAst } from '../../unit/query/arbitraries.js';
import { openTail } from './tail-client.js';
import { storedRows } from '../../../dev/stored-rows.js';

const toLog = (r: StoredRecordLike, i: number): LogRecord => ({
  ...newRecord(r.source, 1_764_300_000 + i, i * 1001, r.message),
  receivedAt: 1_764_300_000_000 + i,
  host: r.host,
  containerId: r.container_id,
  containerName: r.container_name,
  stream: r.stream,
  tag: r.tag,
  app: r.app,
  project: r.project,
  service: r.service,
  severity: r.severity,
  attrs: r.attrs,
});

const withoutId = ({ id: _id, ...rest }: StoredRecord) => JSON.stringify(rest);

describe('tail filtering: backlog (SQL) and live (predicate) agree', () => {
  let h: Harness;
  let run = 0;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it('selects the same records on both paths for random queries', async () => {
    await fc.assert(
      fc.asyncProperty(
        validAst,
        fc.array(sampleRecord, { minLength: 1, maxLength: 15 }),
        async (ast, samples) => {
          const marker = `zzmarker${run++}`;
          const text = `(${print(ast)}) OR "${marker}"`;
          const records = samples.map(toLog);
          const copy = (n: number) => [
            ...records.map((r) => structuredClone(r)),
            newRecord('forward', 1_764_300_000, 0, `${marker} ${n}`),
          ];
          const base = Number(
            (
              await h.pool.query<{ m: string }>(
                'SELECT coalesce(max(max_id), 0)::text AS m FROM log_packs',
              )
            ).rows[0]!.m,
          );
          await h.collector.writer.submit({ records: copy(1) });
          const c = await openTail(h.httpUrl, { q: text, after: base });
          try {
            const arrived = (n: number) => () =>
              c.records().some((r) => r.message === `${marker} ${n}`);
            await c.waitFor(arrived(1), 'the backlog marker');
            await h.collector.writer.submit({ records: copy(2) });
            await c.waitFor(arrived(2), 'the live marker');
          } finally {
            await c.close();
          }
          const ids = (
            await h.pool.query<{ id: string }>(
              `SELECT id::text FROM ${await storedRows(h.pool)} WHERE id > $1 ORDER BY id`,
              [base],
            )
          ).rows.map((r) => Number(r.id));
          // Stored order: the first half (records, marker), then the second.
          const n = records.length;
          const where = new Map(ids.map((id, k) => [id, k]));
          const position = (part: 0 | 1) => (r: StoredRecord) =>
            where.get(Number(r.id))! - part * (n + 1);
          const half = (part: 0 | 1) =>
            c.records().filter((r) => {
              const k = position(part)(r);
              return k >= 0 && k < n;
            });
          const test = toPredicate(parseQuery(text));
          const expected = records.flatMap((r, i) => (test(toStoredRecord(0, r)) ? [i] : []));
          expect(half(0).map(position(0))).toEqual(expected);
          expect(half(1).map(position(1))).toEqual(expected);
          expect(half(1).map(withoutId)).toEqual(half(0).map(withoutId));
        },
      ),
      { numRuns: 60 },
    );
  });
});
