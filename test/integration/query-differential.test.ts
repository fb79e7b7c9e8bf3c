/**
 * The query language's two back ends against each other on a real PostgreSQL (they
 * agree on every record: docs/architecture.md, "The query language"): random records, random
 * valid queries, and the ids the SQL WHERE selects must equal the ids the predicate
 * accepts. The case table (test/unit/query/cases.ts) runs here too, sample by sample.
 *
 * The `logs` table is made here with the columns of "The record" (docs/architecture.md), not by the
 * migrations, so this test depends only on the query code. Text columns are COLLATE "C",
 * as the query language expects (to-sql.ts).
 */
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogharborError } from '../../core/errors.js';
import {
  parseQuery,
  print,
  toPredicate,
  toSql,
  type Query,
  type StoredRecordLike,
} from '../../api/query/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { migrate } from '../../core/db/migrate.js';
import { createPool } from '../../core/db/pool.js';
import { sampleRecord, validAst } from '../unit/query/arbitraries.js';
import { CASES } from '../unit/query/cases.js';
import { rec } from '../unit/query/records.js';

const COLUMNS = [
  'source',
  'host',
  'container_id',
  'container_name',
  'stream',
  'tag',
  'app',
  'project',
  'service',
  'severity',
  'message',
  'attrs',
] as const;

let db: TestDatabase;
let client: pg.Client;

async function insert(rows: StoredRecordLike[], firstId: number): Promise<void> {
  for (let start = 0; start < rows.length; start += 200) {
    const chunk = rows.slice(start, start + 200);
    const values: unknown[] = [];
    const tuples = chunk.map((r, i) => {
      const params = [
        firstId + start + i,
        ...COLUMNS.map((c) => (c === 'attrs' && r.attrs ? JSON.stringify(r.attrs) : r[c])),
      ];
      const base = values.length;
      values.push(...params);
      return `(${params.map((_, k) => `$${base + k + 1}`).join(', ')}, now(), now())`;
    });
    await client.query(
      `INSERT INTO logs (id, ${COLUMNS.join(', ')}, ts, received_at) VALUES ${tuples.join(', ')}`,
      values,
    );
  }
}

/** Ids among `ids` that the query's SQL selects. */
async function sqlIds(q: Query, ids: number[]): Promise<number[]> {
  const frag = toSql(q, 2);
  const res = await client.query<{ id: string }>(
    `SELECT id FROM logs WHERE id = ANY($1::bigint[]) AND ${frag.text} ORDER BY id`,
    [ids, ...frag.values],
  );
  return res.rows.map((r) => Number(r.id));
}

beforeAll(async () => {
  db = await createTestDatabase('lh_query');
  client = new pg.Client({ connectionString: db.url });
  await client.connect();
  // The lead's pool sets statement_timeout for the API; here it turns a hang into a failure.
  await client.query(`SET statement_timeout = '20s'`);
  // The real schema (migrations), so the differential runs on the columns and
  // collations production uses.
  const pool = createPool(db.url, { max: 1 });
  await migrate(pool);
  await pool.end();
});

afterAll(async () => {
  await client?.end();
  await db?.drop();
});

describe('query SQL on PostgreSQL', () => {
  it('selects exactly the case table samples the predicate selects', async () => {
    await client.query('TRUNCATE logs');
    const runs: { query: string; ids: number[]; want: number[] }[] = [];
    const rows: StoredRecordLike[] = [];
    for (const c of CASES) {
      if (c.error) continue;
      const ids: number[] = [];
      const want: number[] = [];
      for (const [samples, matches] of [
        [c.match ?? [], true],
        [c.noMatch ?? [], false],
      ] as const) {
        for (const s of samples) {
          rows.push(rec(s));
          ids.push(rows.length);
          if (matches) want.push(rows.length);
        }
      }
      runs.push({ query: c.query, ids, want });
    }
    await insert(rows, 1);
    for (const run of runs) {
      const got = await sqlIds(parseQuery(run.query), run.ids);
      expect(got, run.query).toEqual(run.want);
    }
  });

  it('agrees with the predicate on random records and queries', async () => {
    await client.query('TRUNCATE logs');
    const seed = Date.now() % 2 ** 31;
    const records = fc.sample(sampleRecord, { numRuns: 300, seed });
    await insert(records, 1);
    const ids = records.map((_, i) => i + 1);
    let selected = 0;
    await fc.assert(
      fc.asyncProperty(validAst, async (ast) => {
        const q = parseQuery(print(ast));
        const predicate = toPredicate(q);
        const want = ids.filter((id) => predicate(records[id - 1]!));
        const got = await sqlIds(q, ids);
        selected += got.length;
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          const differ = ids.filter((id) => got.includes(id) !== want.includes(id));
          const detail = differ
            .slice(0, 3)
            .map((id) => ({ id, sql: got.includes(id), record: records[id - 1] }));
          throw new Error(
            `records seed ${seed}: ${q.text}\n${JSON.stringify(detail, null, 1)}\n${toSql(q).text}`,
          );
        }
      }),
      { numRuns: 300 },
    );
    // The pools are small so that queries do select rows; all-empty results would prove little.
    expect(selected).toBeGreaterThan(300);
  });

  it('keeps user text out of the SQL and the table intact', async () => {
    await client.query('TRUNCATE logs');
    await insert([rec({ message: "x'; DROP TABLE logs; --" }), rec({ message: 'y' })], 1);
    const q = parseQuery(`"'; DROP TABLE logs; --" OR container:"'); DELETE FROM logs; --"`);
    expect(await sqlIds(q, [1, 2])).toEqual([1]);
    const count = await client.query<{ n: string }>('SELECT count(*) AS n FROM logs');
    expect(count.rows[0]?.n).toBe('2');
  });

  it('runs catastrophic and maximal regexes to completion on long rows', async () => {
    await client.query('TRUNCATE logs');
    const rows = [
      rec({ message: `${'a'.repeat(100_000)}b` }),
      rec({ message: 'ab'.repeat(50_000) }),
      rec({ message: `${'x'.repeat(30_000)} 7` }),
    ];
    await insert(rows, 1);
    const patterns = [
      '/(a+)+$/',
      '/(a|aa)*c/',
      '/(.*a){20}$/',
      '/(?:[a-z]?){100}(?:[a-z]?){100}(?:[a-z]?){100}(?:[a-z]?){100}[0-9]/',
      '/(?:\\w{1,50}\\s?){9}c/',
      '/[ab]*a[ab]{99}c/',
    ];
    for (const p of patterns) {
      const q = parseQuery(p);
      const got = await sqlIds(q, [1, 2, 3]);
      const predicate = toPredicate(q);
      let want: number[] | null;
      try {
        want = [1, 2, 3].filter((id) => predicate(rows[id - 1]!));
      } catch (e) {
        // The tail's work limit may refuse an explosive pattern; it must say so, not hang.
        expect(e, p).toBeInstanceOf(LogharborError);
        expect((e as LogharborError).code).toBe('LH_QUERY_TIMEOUT');
        want = null;
      }
      if (want !== null) expect(got, p).toEqual(want);
    }
  });
});
