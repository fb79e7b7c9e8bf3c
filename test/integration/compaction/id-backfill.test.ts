/**
 * Packs merged before migration 013 have no id filter (id_bloom NULL): the backfill
 * (collector/compaction/id-backfill.ts) gives each its filter, exactly the one a merge
 * makes now, two backfills at once never fill a pack twice or wait on each other, and a
 * trace-id search answers the same before (every pack read) and after (packs pruned).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuery } from '../../../api/query/index.js';
import { walkBlocks } from '../../../api/search/block-search.js';
import { packPages } from '../../../api/search/pack-source.js';
import { whereOf } from '../../../api/search/search-sql.js';
import { IdBackfill } from '../../../collector/compaction/id-backfill.js';
import { copyPacks } from '../../../collector/compaction/pack-sql.js';
import { migrate } from '../../../core/db/migrate.js';
import { maintainPartitions } from '../../../core/db/partitions.js';
import { createPool, type Pool } from '../../../core/db/pool.js';
import { idBloom } from '../../../core/id-bloom.js';
import { silentLogger } from '../../../core/log.js';
import { PackReader } from '../../../core/packs/decode.js';
import { encodePack, packsOf, type PackRow } from '../../../core/packs/encode.js';
import { LABEL_COLUMNS, type PackLabels } from '../../../core/packs/labels.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { lines } from './fixture.js';

const hex = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 32);

let db: TestDatabase;
let pool: Pool;
let rows: PackRow[];

beforeAll(async () => {
  db = await createTestDatabase('lh_idfill');
  pool = createPool(db.url, { max: 6 });
  await migrate(pool);
  await maintainPartitions(pool, {
    now: Date.now(),
    daysBack: 3,
    daysAhead: 1,
    retentionMs: 30 * 86_400_000,
  });
  // Every line carries a trace id, each id on two lines, as a request's lines do.
  rows = lines(7, 24_000, 6, 1000).map((r, i) => ({
    ...r,
    record: { ...r.record, message: `${r.record.message} trace_id=${hex(`t${i >> 1}`)}` },
  }));
  // Merged packs as before migration 013: no id filter.
  const packs = packsOf(rows).flatMap((g) => {
    const out = [];
    for (let i = 0; i < g.length; i += 2000)
      out.push(encodePack(g.slice(i, i + 2000), { codec: 'brotli', level: 5, ids: false }));
    return out;
  });
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await copyPacks(client, packs, 1);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}, 120_000);

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

async function candidates(q: string): Promise<number> {
  return (await packPages(pool, whereOf(parseQuery(q)), 'desc')(null, 10_000)).length;
}

async function found(q: string): Promise<number[]> {
  return (await walkBlocks(pool, whereOf(parseQuery(q)), 1000)).map((r) => Number(r.id));
}

describe('id filters for packs merged before them', () => {
  it('fills every merged pack once, with the filter a merge makes, and answers the same', async () => {
    const total = Number((await pool.query('SELECT count(*) FROM log_packs')).rows[0].count);
    // Packs of 2000 lines hold nearly every hex trigram: the trigram filter passes them all.
    expect(total).toBeGreaterThan(10);
    const id = hex('t1234');
    const want = rows.filter((r) => r.record.message.includes(id)).map((r) => r.id);
    expect(want).toHaveLength(2);
    expect(await candidates(id)).toBe(total);
    const before = await found(id);
    expect(before.sort((a, b) => a - b)).toEqual(want);

    const a = new IdBackfill(pool, silentLogger);
    const b = new IdBackfill(pool, silentLogger);
    await Promise.all([a.run(), b.run()]);
    expect(a.filled + b.filled).toBe(total);

    const stored = await pool.query<PackLabels & { id_bloom: Buffer | null; data: Buffer }>(
      `SELECT ${LABEL_COLUMNS.join(', ')}, id_bloom, data FROM log_packs`,
    );
    for (const p of stored.rows) {
      const reader = new PackReader(p, p.data);
      const messages = Array.from({ length: reader.rows }, (_, i) => reader.message(i));
      expect(p.id_bloom).not.toBeNull();
      expect(p.id_bloom!.equals(idBloom(messages))).toBe(true);
    }
    // The id's packs, and rarely one that only seems to hold it.
    expect(await candidates(id)).toBeLessThanOrEqual(4);
    expect((await found(id)).sort((x, y) => x - y)).toEqual(want);
    // Nothing left: another run finds no work.
    const c = new IdBackfill(pool, silentLogger);
    await c.run();
    expect(c.filled).toBe(0);
  });
});
