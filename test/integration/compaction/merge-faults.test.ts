/**
 * Issue 17, "a crash at any instant loses or doubles nothing", in-process and exact: the
 * compactor's PostgreSQL backend is terminated (pg_terminate_backend, as a kill -9 of the
 * collector or a crash of its connection looks to the server) before, during and after
 * each statement of a merge transaction (BEGIN, SELECT ... FOR UPDATE SKIP LOCKED of the
 * packs the merge read, DELETE, COPY, COMMIT), and after each fault every line sent is in
 * exactly one pack, unchanged.
 * A compactor passes over packs another transaction holds (SKIP LOCKED) instead of
 * waiting, and two compactors merge side by side while a writer adds level-0 packs:
 * nothing lost or doubled, and at the end no level-0 pack is left.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Compactor, type CompactorOptions } from '../../../collector/compaction/compactor.js';
import { copyPacks } from '../../../collector/compaction/pack-sql.js';
import { migrate } from '../../../core/db/migrate.js';
import { maintainPartitions } from '../../../core/db/partitions.js';
import { createPool, type Pool, type PoolClient } from '../../../core/db/pool.js';
import { silentLogger } from '../../../core/log.js';
import { encodePack, type PackRow } from '../../../core/packs/encode.js';
import { newRecord } from '../../../core/record.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { decodeAll, differences, lines, writeLevel0 } from './fixture.js';

const OPTS: CompactorOptions = {
  // Small merged packs, so a merge writes several and leaves a small one to take again.
  targetRawBytes: 4096,
  maxRows: 64,
  minAgeMs: 0,
  codec: { codec: 'brotli', level: 5 },
  intervalMs: 10,
  streamsPerRound: 64,
};

type When = 'before' | 'during' | 'after';
interface Fault {
  /** 1-based statement of the first merge transaction: BEGIN, SELECT, DELETE, COPY, COMMIT. */
  statement: number;
  when: When;
}
const STATEMENTS = ['BEGIN', 'SELECT', 'DELETE', 'COPY', 'COMMIT'];

/**
 * `pool` whose first checked-out connection has its backend terminated at `fault`. COPY
 * hands back a stream at once, so only `during` applies to it; `before COPY` is `after
 * DELETE`, `after COPY` is `before COMMIT`. `seen` collects the statements issued.
 */
function faultyPool(pool: Pool, admin: Pool, fault: Fault, seen: string[]): Pool {
  let armed = true;
  const terminate = async (pid: number) => {
    // With a timeout, pg_terminate_backend waits until the backend is gone.
    await admin.query('SELECT pg_terminate_backend($1, 10000)', [pid]);
  };
  const wrap = (client: PoolClient, pid: number): PoolClient => {
    let n = 0;
    const query = (...args: unknown[]): unknown => {
      const call = () => (client.query as (...a: unknown[]) => unknown)(...args);
      if (!armed) return call();
      n++;
      const name = typeof args[0] === 'string' ? args[0].trim().split(/[\s;]/)[0]! : 'COPY';
      seen.push(name);
      if (n !== fault.statement) return call();
      armed = false;
      if (fault.when === 'during') {
        const r = call();
        void terminate(pid);
        return r;
      }
      if (name === 'COPY') throw new Error('a COPY fault is only "during"');
      if (fault.when === 'before') return terminate(pid).then(call);
      return (call() as Promise<unknown>).then(async (r) => {
        await terminate(pid);
        return r;
      });
    };
    return new Proxy(client, {
      get: (t, p) => (p === 'query' ? query : (Reflect.get(t, p, t) as unknown)),
    });
  };
  return new Proxy(pool, {
    get(t, p) {
      if (p === 'connect')
        return async () => {
          const client = await t.connect();
          if (!armed) return client;
          try {
            const r = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
            return wrap(client, r.rows[0]!.pid);
          } catch (e) {
            // A connection a "during" fault ended after its statement: not back to the pool.
            client.release(e as Error);
            throw e;
          }
        };
      const v = Reflect.get(t, p, t) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}

/** Every pack's row columns agree with what it holds, and it holds one UTC day. */
async function checkPackRows(pool: Pool): Promise<void> {
  const bad = await pool.query(
    `SELECT pack_id FROM log_packs
      WHERE pack_id <> min_id OR min_id > max_id OR rows < 1
         OR (min_ts AT TIME ZONE 'UTC')::date <> ((max_ts - interval '1 microsecond') AT TIME ZONE 'UTC')::date`,
  );
  expect(bad.rows).toEqual([]);
}

describe('compaction under a terminated backend at each statement', () => {
  let db: TestDatabase;
  let pool: Pool;
  let admin: Pool;
  const sent: PackRow[] = [];
  let nextId = 1000;
  let seed = 1;

  /** More lines as level-0 packs, so every fault finds a merge to break. */
  async function more(n: number): Promise<void> {
    const add = lines(seed++, n, 3, nextId);
    nextId = add[add.length - 1]!.id + 10;
    sent.push(...add);
    await writeLevel0(pool as pg.Pool, add, 23);
  }

  async function expectIntact(what: string): Promise<Awaited<ReturnType<typeof decodeAll>>> {
    const stored = await decodeAll(pool);
    expect(stored.doubled, `${what}: doubled`).toBe(0);
    expect(differences(sent, stored.byId).slice(0, 5), what).toEqual([]);
    return stored;
  }

  beforeAll(async () => {
    db = await createTestDatabase('lh_compact_faults');
    pool = createPool(db.url, { max: 4 });
    admin = createPool(db.url, { max: 2 });
    await migrate(pool);
    await admin.query('SELECT 1'); // connected: a termination "during" a statement is sent at once
    // Day partitions as a collector keeps them: the DELETE finds packs across them.
    await maintainPartitions(pool, { retentionMs: 30 * 86_400_000, daysBack: 3 });
  });
  afterAll(async () => {
    await pool?.end();
    await admin?.end();
    await db?.drop();
  });

  const faults: Fault[] = [];
  for (let s = 1; s <= STATEMENTS.length; s++)
    for (const when of ['before', 'during', 'after'] as const)
      if (STATEMENTS[s - 1] !== 'COPY' || when === 'during') faults.push({ statement: s, when });

  it.each(faults)(
    'terminated $when statement $statement: every line once, unchanged',
    async (fault) => {
      await more(120);
      const before = await decodeAll(pool);
      const seen: string[] = [];
      const compactor = new Compactor(faultyPool(pool, admin, fault, seen), silentLogger, OPTS);
      const outcome = await compactor.round().then(
        () => 'done',
        (e: Error) => `failed: ${e.message}`,
      );
      // The transaction is the one the compactor documents, statement by statement.
      expect(seen.slice(0, fault.statement)).toEqual(STATEMENTS.slice(0, fault.statement));
      const committed = fault.statement === 5 && fault.when !== 'before';
      if (!committed && fault.when !== 'during') expect(outcome).toMatch(/^failed/);
      const after = await expectIntact(`${fault.when} ${STATEMENTS[fault.statement - 1]}`);
      if (!committed && fault.when !== 'during') {
        // Rolled back whole: the packs are the ones there were. (A termination sent
        // "during" a short statement may land after the COMMIT: then only the invariant.)
        expect(after.packs).toBe(before.packs);
        expect(after.level0).toBe(before.level0);
      }
      await checkPackRows(pool);
    },
  );

  it('then a compactor merges every level-0 pack, packs within their bounds', async () => {
    await more(120);
    const compactor = new Compactor(pool, silentLogger, OPTS);
    for (let i = 0; i < 20 && (await decodeAll(pool)).level0 > 0; i++) await compactor.round();
    const stored = await expectIntact('after the faults');
    expect(stored.level0).toBe(0);
    expect(compactor.stats.mergedPacks).toBeGreaterThan(0);
    await checkPackRows(pool);
    const big = await pool.query(
      `SELECT pack_id FROM log_packs WHERE rows > $1 OR (raw_bytes > $2 AND rows > 1)`,
      [OPTS.maxRows, OPTS.targetRawBytes],
    );
    expect(big.rows).toEqual([]);
  });

  it('leaves a merged pack full of rows alone (short lines): no rewrite at each merge', async () => {
    const day = (Math.floor(Date.now() / 86_400_000) - 1) * 86_400;
    const short = (i: number): PackRow => ({
      id: nextId + i,
      record: { ...newRecord('forward', day + i, 0, `x ${i}`), containerName: '/svc9' },
    });
    const full = Array.from({ length: OPTS.maxRows }, (_, i) => short(i));
    const fresh = Array.from({ length: 10 }, (_, i) => short(OPTS.maxRows + i));
    nextId += OPTS.maxRows + 20;
    sent.push(...full, ...fresh);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await copyPacks(client, [encodePack(full, OPTS.codec)], 1);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await writeLevel0(pool as pg.Pool, fresh, 3);
    const version = `SELECT xmin::text AS v FROM log_packs WHERE pack_id = ${full[0]!.id}`;
    const before = (await pool.query<{ v: string }>(version)).rows;
    expect(before).toHaveLength(1);
    await new Compactor(pool, silentLogger, OPTS).round();
    // The fresh lines were merged into a new pack; the full one is the same row version.
    expect((await pool.query<{ v: string }>(version)).rows).toEqual(before);
    const level0 = await pool.query(
      `SELECT 1 FROM log_packs WHERE container_name = '/svc9' AND level = 0`,
    );
    expect(level0.rows).toEqual([]);
    await expectIntact('a full merged pack beside new ones');
  });

  it('a compactor skips the packs another transaction holds, without waiting', async () => {
    await more(120);
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      const held = await holder.query<{ pack_id: string }>(
        `SELECT pack_id::text FROM log_packs WHERE container_name = '/svc0' AND level = 0
          ORDER BY pack_id FOR UPDATE`,
      );
      expect(held.rows.length).toBeGreaterThan(0);
      await new Compactor(pool, silentLogger, OPTS).round();
      const left = await pool.query<{ name: string; pack_id: string }>(
        `SELECT container_name AS name, pack_id::text FROM log_packs WHERE level = 0
          ORDER BY pack_id`,
      );
      expect(left.rows.map((r) => r.pack_id)).toEqual(held.rows.map((r) => r.pack_id));
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    await expectIntact('skipped locked packs');
  });

  it('two compactors at once beside a writer: nothing lost or doubled, all merged', async () => {
    const a = new Compactor(pool, silentLogger, OPTS);
    const b = new Compactor(pool, silentLogger, OPTS);
    let writing = true;
    const writer = (async () => {
      for (let i = 0; i < 12; i++) await more(100);
      writing = false;
    })();
    const run = async (c: Compactor) => {
      while (writing) await c.round();
    };
    await Promise.all([writer, run(a), run(b)]);
    for (let i = 0; i < 20 && (await decodeAll(pool)).level0 > 0; i++)
      await Promise.all([a.round(), b.round()]);
    const stored = await expectIntact('two compactors');
    expect(stored.level0).toBe(0);
    expect(stored.byId.size).toBe(sent.length);
    expect(a.stats.mergedPacks + b.stats.mergedPacks).toBeGreaterThan(0);
    await checkPackRows(pool);
  });
});
