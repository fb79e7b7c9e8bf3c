/**
 * The replica harness (test/support/replica.ts) gives real streaming replication: what is
 * committed on the primary is replayed on the standby, the standby serves reads only, and
 * it cannot LISTEN, which is why logharbor's live tail (LISTEN/NOTIFY, docs/architecture.md,
 * "Scale-out") must stay connected to the primary even when search reads a replica.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicaPair, type ReplicaPair } from '../support/replica.js';

/** A fingerprint of a table's rows in id order: count and md5 of the values. */
const FINGERPRINT = (table: string) =>
  `SELECT count(*)::int AS n, coalesce(md5(string_agg(v, ',' ORDER BY id)), '') AS digest FROM ${table}`;

describe('replica harness: primary and hot standby', () => {
  let pair: ReplicaPair;
  let primary: pg.Client;
  let replica: pg.Client;
  beforeAll(async () => {
    pair = await startReplicaPair();
    primary = new pg.Client({ connectionString: pair.primaryUrl });
    replica = new pg.Client({ connectionString: pair.replicaUrl });
    await Promise.all([primary.connect(), replica.connect()]);
  });
  afterAll(async () => {
    await Promise.allSettled([primary?.end(), replica?.end()]);
    await pair?.stop();
  });

  it('pg_stat_replication on the primary shows the standby streaming through the slot', async () => {
    const rep = await primary.query(
      `SELECT r.state, r.client_addr, r.sync_state, s.slot_name, s.slot_type, s.active
         FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid`,
    );
    expect(rep.rows).toEqual([
      {
        state: 'streaming',
        client_addr: '127.0.0.1',
        sync_state: 'async',
        slot_name: 'logharbor_replica',
        slot_type: 'physical',
        active: true,
      },
    ]);
    const rcv = await replica.query(
      'SELECT pg_is_in_recovery() AS recovering, status, slot_name FROM pg_stat_wal_receiver',
    );
    expect(rcv.rows).toEqual([
      { recovering: true, status: 'streaming', slot_name: 'logharbor_replica' },
    ]);
    expect((await primary.query('SELECT pg_is_in_recovery() AS r')).rows).toEqual([{ r: false }]);
  });

  it('rows written on the primary are on the replica after caughtUp()', async () => {
    await primary.query('CREATE TABLE shipped (id int PRIMARY KEY, v text NOT NULL)');
    await primary.query(`INSERT INTO shipped SELECT g, $1 || g FROM generate_series(1, 2000) g`, [
      randomBytes(8).toString('hex'),
    ]);
    await pair.caughtUp();
    const onPrimary = await primary.query(FINGERPRINT('shipped'));
    expect(onPrimary.rows[0].n).toBe(2000);
    expect((await replica.query(FINGERPRINT('shipped'))).rows).toEqual(onPrimary.rows);
  });

  it('caughtUp() waits for replay: paused, it times out and the lag covers the new WAL', async () => {
    await primary.query('CREATE TABLE held (id int PRIMARY KEY, v text NOT NULL)');
    await pair.caughtUp();
    // No record is applied after this returns (the startup process checks before each).
    await replica.query('SELECT pg_wal_replay_pause()');
    try {
      const before = await primary.query('SELECT pg_current_wal_lsn()::text AS lsn');
      await primary.query(
        `INSERT INTO held SELECT g, repeat('x', 100) FROM generate_series(1, 500) g`,
      );
      const written = await primary.query(
        'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::int AS bytes',
        [before.rows[0].lsn],
      );
      expect(written.rows[0].bytes).toBeGreaterThan(500 * 100);
      expect(await pair.lagBytes()).toBeGreaterThanOrEqual(written.rows[0].bytes);
      await expect(pair.caughtUp(300)).rejects.toThrow(/timed out after 300 ms/);
      expect((await replica.query(FINGERPRINT('held'))).rows[0].n).toBe(0);
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
    await pair.caughtUp();
    expect((await replica.query(FINGERPRINT('held'))).rows).toEqual(
      (await primary.query(FINGERPRINT('held'))).rows,
    );
  });

  it('the replica refuses writes: SQLSTATE 25006, read-only transaction', async () => {
    await primary.query('CREATE TABLE guarded (id int)');
    await pair.caughtUp();
    await expect(replica.query('INSERT INTO guarded VALUES (1)')).rejects.toMatchObject({
      code: '25006',
      message: 'cannot execute INSERT in a read-only transaction',
    });
    await expect(replica.query('CREATE TABLE nope (id int)')).rejects.toMatchObject({
      code: '25006',
      message: 'cannot execute CREATE TABLE in a read-only transaction',
    });
  });

  it('LISTEN on the replica fails, so the live tail has to listen on the primary', async () => {
    // PostgreSQL refuses LISTEN during recovery (NOTIFY needs a transaction id, and a
    // standby's listener would never hear the primary's NOTIFY anyway).
    await expect(replica.query('LISTEN logharbor_tail')).rejects.toMatchObject({
      code: '25006',
      message: 'cannot execute LISTEN during recovery',
    });
    await expect(primary.query('LISTEN logharbor_tail')).resolves.toBeDefined();
    await primary.query('UNLISTEN logharbor_tail');
  });
});
