import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../core/db/migrate.js';
import { maintainPartitions, partitionName } from '../../core/db/partitions.js';
import { createPool, type Pool } from '../../core/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const DAY = 86_400_000;

describe('migrations', () => {
  let db: TestDatabase;
  let pools: Pool[];
  beforeAll(async () => {
    db = await createTestDatabase();
    pools = [createPool(db.url, { max: 2 }), createPool(db.url, { max: 2 })];
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    await db.drop();
  });

  it('applies once when two processes migrate at the same time, and again is a no-op', async () => {
    const [a, b] = await Promise.all(pools.map((p) => migrate(p)));
    const applied = [...a!, ...b!];
    expect(applied).toContain('001_logs.sql');
    expect(applied.filter((n) => n === '001_logs.sql')).toHaveLength(1);
    expect(await migrate(pools[0]!)).toEqual([]);
    const r = await pools[0]!.query('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(r.rows[0]).toEqual({ version: 1, name: '001_logs.sql' });
  });

  it('never refuses a time: far past and far future land in the default partition', async () => {
    await pools[0]!.query(
      `INSERT INTO logs (id, ts, received_at, source, message) VALUES
         (1, '1970-01-01T00:00:00Z', now(), 'forward', 'epoch'),
         (2, '9999-12-31T23:59:59Z', now(), 'forward', 'far future')`,
    );
    const r = await pools[0]!.query(
      `SELECT tableoid::regclass::text AS part, message FROM logs ORDER BY id`,
    );
    expect(r.rows).toEqual([
      { part: 'logs_default', message: 'epoch' },
      { part: 'logs_default', message: 'far future' },
    ]);
  });

  it('makes day partitions ahead, moves rows out of the default one, drops past retention', async () => {
    const now = Date.parse('2030-06-15T12:00:00Z');
    await pools[0]!.query(
      `INSERT INTO logs (id, ts, received_at, source, message) VALUES (3, '2030-06-16T08:00:00Z', now(), 'syslog', 'tomorrow')`,
    );
    const first = await maintainPartitions(pools[0]!, { now, retentionMs: 7 * DAY });
    // Day by day: the packs' partition (migration 012) and the legacy rows'.
    expect(first.created).toEqual([
      'log_packs_20300614',
      'logs_20300614',
      'log_packs_20300615',
      'logs_20300615',
      'log_packs_20300616',
      'logs_20300616',
      'log_packs_20300617',
      'logs_20300617',
    ]);
    const moved = await pools[0]!.query(
      `SELECT tableoid::regclass::text AS part FROM logs WHERE id = 3`,
    );
    expect(moved.rows[0].part).toBe('logs_20300616');
    // Running again (as another process would) creates nothing.
    expect((await maintainPartitions(pools[1]!, { now, retentionMs: 7 * DAY })).created).toEqual(
      [],
    );
    // Ten days later the first partitions fall out of a 7-day retention.
    const later = await maintainPartitions(pools[0]!, {
      now: now + 10 * DAY,
      retentionMs: 7 * DAY,
    });
    expect(later.dropped.sort()).toEqual([
      'logs_20300614',
      'logs_20300615',
      'logs_20300616',
      'logs_20300617',
    ]);
    expect(later.created).toContain(partitionName(now + 12 * DAY));
    expect(later.created).toContain(partitionName(now + 12 * DAY, 'log_packs'));
    expect(
      (await pools[0]!.query('SELECT count(*)::int AS n FROM logs WHERE id = 3')).rows[0].n,
    ).toBe(0);
  });
});
