/**
 * The writer on a real PostgreSQL: commit before resolve, refused data rejected alone,
 * chunks stored once across processes, outages retried with nothing resolved meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrate } from '../../core/db/migrate.js';
import { createPool, type Pool } from '../../core/db/pool.js';
import { silentLogger } from '../../core/log.js';
import { newRecord, type LogRecord } from '../../core/record.js';
import { Telemetry } from '../../core/telemetry.js';
import { Writer } from '../../collector/writer/writer.js';
import type { Committed } from '../../core/tail-commits.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { storedRows } from '../../dev/stored-rows.js';

const rec = (message: string, extra: Partial<LogRecord> = {}): LogRecord => ({
  ...newRecord('forward', 1_700_000_000, 5_000_123, message),
  ...extra,
});

describe('writer', () => {
  let db: TestDatabase;
  let pool: Pool;
  const opts = { batchSize: 100, flushMs: 10, queueMax: 1000 };
  const newWriter = (p: Pool = pool, o = opts, telemetry = new Telemetry()) =>
    new Writer(p, o, silentLogger, telemetry);
  const messages = async (like: string) =>
    (
      await pool.query<{ message: string }>(
        `SELECT message FROM ${await storedRows(pool)} WHERE message LIKE $1 ORDER BY id`,
        [like],
      )
    ).rows.map((r) => r.message);

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url);
    await migrate(pool);
    // PostgreSQL sees packs, not messages: a container name it refuses stands for any data
    // it would refuse.
    await pool.query(
      `ALTER TABLE log_packs ADD CONSTRAINT no_poison CHECK (container_name IS DISTINCT FROM 'poison')`,
    );
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  it('resolves only after the rows are committed, and publishes them with their ids', async () => {
    const w = newWriter();
    const published: Committed[] = [];
    w.on('committed', (c: Committed[]) => published.push(...c));
    await w.submit({
      records: [rec('c1 a'), rec('c1 b', { containerName: 'web', attrs: { k: 'tab\there' } })],
    });
    // Visible from another connection the moment submit resolves: committed, not just sent.
    const rows = (
      await pool.query(
        `SELECT id::text, message, ts_ns, container_name, attrs FROM ${await storedRows(pool)} WHERE message LIKE 'c1 %' ORDER BY id`,
      )
    ).rows;
    expect(rows.map((r) => r.message)).toEqual(['c1 a', 'c1 b']);
    expect(rows[0].ts_ns).toBe(123);
    expect(rows[1].attrs).toEqual({ k: 'tab\there' });
    expect(published.map((c) => String(c.id))).toEqual(rows.map((r) => r.id));
    await w.close();
  });

  it('keeps the container list (counts, ids, Compose names) in the same commit', async () => {
    const w = newWriter();
    const web = { containerName: 'cl-web', containerId: 'abc', project: 'shop', service: 'web' };
    await w.submit({
      records: [rec('cl 1', web), rec('cl 2', web), rec('cl 3', { containerName: 'cl-db' })],
    });
    await w.submit({ records: [rec('cl 4', web)] });
    const r = await pool.query(
      `SELECT container_name, container_id, project, service, count::int FROM containers WHERE container_name LIKE 'cl-%' ORDER BY 1`,
    );
    expect(r.rows).toEqual([
      { container_name: 'cl-db', container_id: null, project: null, service: null, count: 1 },
      { container_name: 'cl-web', container_id: 'abc', project: 'shop', service: 'web', count: 3 },
    ]);
    await w.close();
  });

  it('escapes every COPY special character and keeps unicode', async () => {
    const w = newWriter();
    const tricky = 'back\\slash tab\t newline\n cr\r \\N ünïcødé 🚀 \u2400';
    await w.submit({
      records: [
        rec(`esc ${tricky}`, { host: 'h\\N', attrs: { 'a\tb': 'c\nd', deep: { x: [1, 'y\\'] } } }),
      ],
    });
    const r = (
      await pool.query(
        `SELECT message, host, attrs FROM ${await storedRows(pool)} WHERE message LIKE 'esc %'`,
      )
    ).rows[0];
    expect(r).toEqual({
      message: `esc ${tricky}`,
      host: 'h\\N',
      attrs: { 'a\tb': 'c\nd', deep: { x: [1, 'y\\'] } },
    });
    await w.close();
  });

  it('rejects only the unit PostgreSQL refuses; the rest of its batch is stored', async () => {
    const w = newWriter();
    const results = await Promise.allSettled([
      w.submit({ records: [rec('split ok 1')] }),
      w.submit({ records: [rec('split ok 2'), rec('poison', { containerName: 'poison' })] }),
      w.submit({ records: [rec('split ok 3')] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await messages('split ok %')).toEqual(['split ok 1', 'split ok 3']);
    await w.close();
  });

  it('stores a chunk once, even from two writers (two processes) and after a restart', async () => {
    const a = newWriter();
    const b = newWriter();
    await Promise.all([
      a.submit({ records: [rec('chunk once')], chunk: 'abc==' }),
      b.submit({ records: [rec('chunk once')], chunk: 'abc==' }),
    ]);
    expect(a.chunkState('abc==')).toEqual({ state: 'committed' });
    await a.close();
    await b.close();
    const restarted = newWriter();
    expect(restarted.chunkState('abc==')).toBeNull();
    await restarted.submit({ records: [rec('chunk once')], chunk: 'abc==' });
    expect(await messages('chunk once')).toEqual(['chunk once']);
    await restarted.close();
  });

  it('keeps quotes and backslashes in chunk ids and container fields as they are (SQL text)', async () => {
    // The batch's closing statements carry these as literals (collector/writer/sql-text.ts).
    const hostile = `x'); DROP TABLE logs; --\\ \\' E'\\x`;
    const w = newWriter();
    const fields = { containerName: hostile, project: `p'\\`, service: "s''", host: '\\h' };
    await w.submit({ records: [rec('quoted chunk', fields)], chunk: hostile });
    await w.close();
    const again = newWriter();
    await again.submit({ records: [rec('quoted chunk', fields)], chunk: hostile });
    await again.close();
    expect(await messages('quoted chunk')).toEqual(['quoted chunk']);
    const c = (
      await pool.query('SELECT project, service, host FROM containers WHERE container_name = $1', [
        hostile,
      ])
    ).rows;
    expect(c).toEqual([{ project: `p'\\`, service: "s''", host: '\\h' }]);
    expect(
      (await pool.query('SELECT 1 FROM forward_chunks WHERE chunk = $1', [hostile])).rowCount,
    ).toBe(1);
  });

  it('retries through a database outage, resolving nothing until the commit, losing nothing', async () => {
    const u = new URL(db.url);
    const proxy: TcpProxy = await startTcpProxy(u.hostname, Number(u.port));
    u.port = String(proxy.port);
    const flaky = createPool(u.toString(), { max: 2 });
    const telemetry = new Telemetry();
    const retries = async () => (await telemetry.batchRetries.get()).values[0]?.value ?? 0;
    const w = newWriter(flaky, opts, telemetry);
    await w.submit({ records: [rec('outage before')] });
    proxy.cut();
    let resolved = false;
    const pending = w
      .submit({ records: [rec('outage during 1'), rec('outage during 2')] })
      .then(() => (resolved = true));
    // The batch has met the outage and is being retried: from here "not resolved" means
    // the writer held it through a failure, not that it had not tried yet.
    await vi.waitFor(async () => expect(await retries()).toBeGreaterThanOrEqual(1), {
      timeout: 15_000,
      interval: 10,
    });
    expect(resolved).toBe(false);
    expect(await messages('outage during %')).toEqual([]);
    proxy.restore();
    await pending;
    expect(await messages('outage %')).toEqual([
      'outage before',
      'outage during 1',
      'outage during 2',
    ]);
    await w.close();
    await flaky.end();
    await proxy.close();
  });

  it('starts small batches at most once per flushMs: a trickle of units, few transactions', async () => {
    const flushMs = 1000;
    const w = newWriter(pool, { ...opts, flushMs });
    let batches = 0;
    w.on('committed', () => batches++);
    await w.submit({ records: [rec('trickle first')] }); // after a quiet spell: at once
    expect(batches).toBe(1);
    // Units one at a time, each after a round trip to PostgreSQL (another turn of the
    // event loop, lanes free): the old writer made one transaction of each.
    const N = 40;
    const started = Date.now();
    const done: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      done.push(w.submit({ records: [rec(`trickle ${i}`)] }));
      await pool.query('SELECT 1');
    }
    const span = Date.now() - started;
    await Promise.all(done);
    // However slow the machine made the loop, at most one batch per flushMs of it, plus
    // the one due when the loop began and the one gathering when it ended.
    expect(batches - 1).toBeLessThanOrEqual(2 + Math.floor(span / flushMs));
    expect(batches - 1).toBeLessThan(N);
    expect(await messages('trickle %')).toHaveLength(N + 1);
    await w.close();
  });

  it('reports pressure past queueMax and drains below half of it', async () => {
    const u = new URL(db.url);
    const proxy = await startTcpProxy(u.hostname, Number(u.port));
    u.port = String(proxy.port);
    const flaky = createPool(u.toString(), { max: 2 });
    const w = newWriter(flaky, { batchSize: 10, flushMs: 5, queueMax: 50 });
    const events: string[] = [];
    w.on('pressure', () => events.push('pressure'));
    w.on('drain', () => events.push('drain'));
    proxy.cut();
    const all = Array.from({ length: 60 }, (_, i) => w.submit({ records: [rec(`bp ${i}`)] }));
    expect(w.overloaded).toBe(true);
    proxy.restore();
    await Promise.all(all);
    expect(events).toEqual(['pressure', 'drain']);
    expect(await messages('bp %')).toHaveLength(60);
    await w.close();
    await flaky.end();
    await proxy.close();
  });
});
