/**
 * PostgreSQL side of bench/bloom.ts: an embedded server in a temporary directory, the
 * migrated `log_blocks` (EXTERNAL storage) beside a copy with the default EXTENDED (pglz)
 * storage, `blocks` rows cycling through the given filters, and the block condition of
 * api/query/to-block-filter.ts (one detoasted copy per block) timed against the obvious
 * form, get_bit() on the column, and a chain of get_bit() = 1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseQuery } from '../../api/query/index.js';
import { toBlockFilter } from '../../api/query/to-block-filter.js';
import { startEmbedded } from '../../core/db/embedded.js';
import { migrate } from '../../core/db/migrate.js';
import { createPool, type Pool } from '../../core/db/pool.js';
import { BLOOM_BITS, needleBitPositions } from '../../core/trigram-bloom.js';

type Row = (string | number)[];

/** Best of 3 (warm cache), and the count the query returned. */
async function timed(
  pool: Pool,
  sql: string,
  values: unknown[],
): Promise<{ ms: number; n: number }> {
  let best = Infinity;
  let n = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    const res = await pool.query<{ n: string }>(sql, values);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
    n = Number(res.rows[0]!.n);
  }
  return { ms: best, n };
}

async function fillTable(
  pool: Pool,
  name: string,
  blooms: Buffer[],
  blocks: number,
  rows: number,
): Promise<void> {
  await pool.query(`TRUNCATE ${name}`);
  for (let i = 0; i < blocks; i += 100) {
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (let j = i; j < Math.min(i + 100, blocks); j++) {
      values.push(j, blooms[j % blooms.length]);
      tuples.push(
        `($${values.length - 1}, ${j * rows}, ${j * rows + rows - 1}, now(), now(), ${rows}, $${values.length})`,
      );
    }
    await pool.query(
      `INSERT INTO ${name} (block_id, min_id, max_id, min_ts, max_ts, rows, bloom) VALUES ${tuples.join(', ')}`,
      values,
    );
  }
  await pool.query(`VACUUM ANALYZE ${name}`);
}

const L = BLOOM_BITS / 8;
/** The obvious form: get_bit on the column, which detoasts it on every call. */
const NAIVE = `NOT EXISTS (SELECT 1 FROM unnest($1::int[]) p WHERE get_bit(bloom, p / (${L} / octet_length(bloom))) = 0)`;
/** One get_bit() = 1 per position, ANDed: the same re-reading, without the subquery. */
const chain = (n: number) =>
  Array.from(
    { length: n },
    (_, i) => `get_bit(bloom, ($1::int[])[${i + 1}] / (${L} / octet_length(bloom))) = 1`,
  ).join(' AND ');

export async function measureSql(
  data: Record<string, Buffer[]>,
  queries: Record<string, string[]>,
  blocks: number,
  rows: number,
): Promise<{ storage: Row[]; scans: Row[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lh-bench-bloom-'));
  const server = await startEmbedded({ dataDir: dir });
  const pool = createPool(server.url, { max: 2 });
  const storage: Row[] = [];
  const scans: Row[] = [];
  try {
    await migrate(pool);
    await pool.query(`CREATE TABLE blocks_pglz (LIKE log_blocks INCLUDING ALL)`);
    await pool.query(`ALTER TABLE blocks_pglz ALTER bloom SET STORAGE EXTENDED`);
    for (const [name, blooms] of Object.entries(data)) {
      for (const t of ['blocks_pglz', 'log_blocks']) {
        const t0 = Date.now();
        await fillTable(pool, t, blooms, blocks, rows);
        const ms = Date.now() - t0;
        const s = await pool.query<{ raw: string; stored: string; total: string }>(
          `SELECT avg(octet_length(bloom))::int AS raw, avg(pg_column_size(bloom))::int AS stored,
                  pg_total_relation_size('${t}') AS total FROM ${t}`,
        );
        const r = s.rows[0]!;
        const label = t === 'log_blocks' ? 'EXTERNAL (shipped)' : 'EXTENDED (pglz)';
        storage.push([
          `${name}: ${label}`,
          r.raw,
          r.stored,
          (Number(r.total) / 2 ** 20).toFixed(1),
          ms,
        ]);
      }
      const all = await timed(
        pool,
        `SELECT count(*) AS n FROM log_blocks WHERE octet_length(bloom || ''::bytea) > 0`,
        [],
      );
      scans.push([`${name}: read every filter once`, all.n, all.ms.toFixed(0), '', '']);
      for (const [label, needles] of Object.entries(queries)) {
        const sum = { shipped: 0, chain: 0, naive: 0, passing: 0, positions: 0 };
        for (const q of needles) {
          const f = toBlockFilter(parseQuery(q), 1)!;
          const ps = [...new Set(q.split(' ').flatMap((w) => needleBitPositions(w) ?? []))];
          const shipped = await timed(
            pool,
            `SELECT count(*) AS n FROM log_blocks WHERE ${f.text}`,
            f.values,
          );
          const chained = await timed(
            pool,
            `SELECT count(*) AS n FROM log_blocks WHERE ${chain(ps.length)}`,
            [ps],
          );
          const naive = await timed(pool, `SELECT count(*) AS n FROM log_blocks WHERE ${NAIVE}`, [
            ps,
          ]);
          if (chained.n !== shipped.n || naive.n !== shipped.n)
            throw new Error(`forms disagree on ${q}`);
          sum.shipped += shipped.ms;
          sum.chain += chained.ms;
          sum.naive += naive.ms;
          sum.passing += shipped.n;
          sum.positions += ps.length;
        }
        const avg = (x: number) => (x / needles.length).toFixed(0);
        scans.push([
          `${name}: ${label} (${needles.length} needles, ~${avg(sum.positions)} positions)`,
          avg(sum.passing),
          avg(sum.shipped),
          avg(sum.chain),
          avg(sum.naive),
        ]);
      }
    }
  } finally {
    await pool.end();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return { storage, scans };
}
