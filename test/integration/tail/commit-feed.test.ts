/**
 * The commit feed against real PostgreSQL transactions, driven by hand so the hard case
 * happens every time: batch A takes the smaller ids, batch B the larger ones and commits
 * first. The feed must hold B back until A has ended (committed or rolled back), then
 * publish in id order; a hub watermark never passes an id that can still commit.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommitFeed } from '../../../api/tail/commit-feed.js';
import { TailHub } from '../../../api/tail/hub.js';
import { parseQuery } from '../../../api/query/index.js';
import { COMMITS_CHANNEL } from '../../../core/tail-commits.js';
import { migrate } from '../../../core/db/migrate.js';
import { createPool, type Pool } from '../../../core/db/pool.js';
import { silentLogger } from '../../../core/log.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { Recorder } from '../../unit/tail/fakes.js';

/** One writer batch on its own connection, step by step (what collector/writer does). */
class Batch {
  xid = '';
  first = 0;
  private constructor(private readonly c: pg.Client) {}

  static async begin(url: string, n: number): Promise<Batch> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const b = new Batch(c);
    await c.query('BEGIN');
    const r = await c.query<{ xid: string; first: string }>(
      'SELECT xid::text AS xid, first_id::text AS first FROM logharbor_take_ids($1)',
      [n],
    );
    b.xid = r.rows[0]!.xid;
    b.first = Number(r.rows[0]!.first);
    const ids = Array.from({ length: n }, (_, i) => b.first + i);
    await c.query(
      `INSERT INTO logs (id, ts, received_at, source, message)
       SELECT id, now(), now(), 'forward', 'msg ' || id FROM unnest($1::bigint[]) id`,
      [ids],
    );
    await c.query(
      `INSERT INTO tail_commits (xid, first_id, last_id, min_ts, max_ts, rows)
       VALUES ($1, $2, $3, now() - interval '1 minute', now() + interval '1 minute', $4)`,
      [b.xid, b.first, b.first + n - 1, n],
    );
    await c.query(`SELECT pg_notify($1, $2)`, [COMMITS_CHANNEL, b.xid]);
    return b;
  }

  ids(): number[] {
    return Array.from({ length: 3 }, (_, i) => this.first + i);
  }

  async end(how: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    await this.c.query(how);
    await this.c.end();
  }
}

describe('commit feed', () => {
  let db: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, { max: 4 });
    await migrate(pool);
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  async function feed() {
    const hub = new TailHub();
    const sub = new Recorder();
    hub.subscribe(parseQuery(''), sub);
    const f = new CommitFeed({ url: db.url, pool, hub, log: silentLogger, waitMs: 20 });
    await f.start();
    return { hub, sub, f };
  }

  it('holds a batch that committed first until the one with smaller ids has committed', async () => {
    const { hub, sub, f } = await feed();
    const start = hub.watermark;
    const a = await Batch.begin(db.url, 3);
    const b = await Batch.begin(db.url, 3);
    expect(b.first).toBeGreaterThan(a.first);
    expect(BigInt(b.xid)).toBeGreaterThan(BigInt(a.xid));
    await b.end('COMMIT');
    // Two polls in a row held a batch back: the second began after B's commit, saw it,
    // and ended (publishing comes before a poll ends) without publishing it.
    await expect.poll(() => f.heldPolls, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(sub.ids()).toEqual([]);
    expect(hub.watermark).toBe(start); // B's ids must not be behind anyone's cursor yet
    await a.end('COMMIT');
    await expect.poll(() => sub.ids(), { timeout: 10_000 }).toEqual([...a.ids(), ...b.ids()]);
    expect(hub.watermark).toBe(b.ids()[2]);
    await f.close();
  });

  it('moves on when the older batch rolls back (it sends no NOTIFY)', async () => {
    const { hub, sub, f } = await feed();
    const a = await Batch.begin(db.url, 3);
    const b = await Batch.begin(db.url, 3);
    await b.end('COMMIT');
    await expect.poll(() => f.heldPolls, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(sub.ids()).toEqual([]);
    await a.end('ROLLBACK');
    await expect.poll(() => sub.ids(), { timeout: 10_000 }).toEqual(b.ids());
    expect(hub.watermark).toBe(b.ids()[2]);
    await f.close();
  });

  it('starts below a batch still open, so that batch is published when it commits', async () => {
    const a = await Batch.begin(db.url, 3);
    const b = await Batch.begin(db.url, 3);
    await b.end('COMMIT'); // committed before the feed started, but after a's ids
    const { hub, sub, f } = await feed();
    expect(hub.watermark).toBeLessThan(a.first);
    await a.end('COMMIT');
    await expect.poll(() => sub.ids(), { timeout: 10_000 }).toEqual([...a.ids(), ...b.ids()]);
    await f.close();
  });

  it('is not held back by a write left open in another database of the server', async () => {
    const other = await createTestDatabase();
    const c = new pg.Client({ connectionString: other.url });
    await c.connect();
    try {
      await c.query('BEGIN');
      const held = await c.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
      const { sub, f } = await feed();
      const a = await Batch.begin(db.url, 3);
      // The other database's transaction is older than A and still open when A commits.
      expect(BigInt(held.rows[0]!.xid)).toBeLessThan(BigInt(a.xid));
      await a.end('COMMIT');
      await expect.poll(() => sub.ids(), { timeout: 10_000 }).toEqual(a.ids());
      expect(f.heldPolls).toBe(0);
      await f.close();
    } finally {
      await c.query('ROLLBACK');
      await c.end();
      await other.drop();
    }
  });

  it('catches up after losing its LISTEN connection', async () => {
    const { sub, f } = await feed();
    await pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE application_name = 'logharbor-tail' AND datname = current_database()`,
    );
    const a = await Batch.begin(db.url, 3);
    await a.end('COMMIT');
    await expect.poll(() => sub.ids(), { timeout: 15_000 }).toEqual(a.ids());
    await f.close();
  });
});
