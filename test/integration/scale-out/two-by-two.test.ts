/**
 * Issue 7, "many processes, one database": two collector processes and two API processes
 * on one PostgreSQL. Migrations run once (all four start at the same time); npm
 * `fluent-logger` with acks sends through both collectors at once, so batches of the two
 * writers interleave and a larger id often commits first. A tail client on each API must
 * see every record exactly once, ids ascending; a third client that drops its connection
 * every few hundred records and resumes with `after=<last id>` must end with the same.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { startRole, type RoleProcess } from '../../support/role-process.js';
import { openTail, type TailClient } from '../tail/tail-client.js';
import { createFluentSender } from '../../support/fluent-logger.js';
import { storedRows } from '../../../dev/stored-rows.js';

const PER_SENDER = 400;
let db: TestDatabase;
const procs: RoleProcess[] = [];
const clients: TailClient[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const env = { DATABASE_URL: db.url, LOGHARBOR_API_RATE_LIMIT: '0' };
  procs.push(
    ...(await Promise.all([
      startRole('collector', env),
      startRole('collector', env),
      startRole('api', env),
      startRole('api', env),
    ])),
  );
}, 120_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await Promise.all(procs.map((p) => p.stop()));
  await db?.drop();
});

function sendAll(port: number, label: string): Promise<void> {
  const sender = createFluentSender('scale', {
    host: '127.0.0.1',
    port,
    timeout: 10,
    reconnectInterval: 200,
    requireAckResponse: true,
  });
  sender.on('error', () => undefined);
  const sends = Array.from(
    { length: PER_SENDER },
    (_, i) =>
      new Promise<void>((resolve, reject) =>
        sender.emit(label, { log: `${label} ${i}` }, (e) => (e ? reject(e) : resolve())),
      ),
  );
  return Promise.all(sends).then(() => sender.end());
}

it(
  'every API tails every collector: each record once, in id order, resumable',
  { timeout: 180_000 },
  async () => {
    const [c1, c2, a1, a2] = procs as [RoleProcess, RoleProcess, RoleProcess, RoleProcess];
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const migrations = await admin.query('SELECT version FROM schema_migrations');
    expect(new Set(migrations.rows.map((r) => r.version)).size).toBe(migrations.rowCount);

    const q = 'tag:scale.*';
    const t1 = await openTail(a1.http, { q });
    const t2 = await openTail(a2.http, { q });
    clients.push(t1, t2);

    // A client on API 2 that reconnects again and again mid-ingest with its cursor.
    const resumed: number[] = [];
    let stop = false;
    const hopping = (async () => {
      let after: number | undefined;
      while (!stop) {
        const c = await openTail(a2.http, after === undefined ? { q } : { q, after });
        // How long each connection lives: the churn under test, not a wait for anything.
        await new Promise((r) => setTimeout(r, 150));
        await c.close();
        resumed.push(...c.ids());
        if (resumed.length > 0) after = resumed[resumed.length - 1]!;
      }
      const c = await openTail(a2.http, after === undefined ? { q } : { q, after });
      clients.push(c);
      return c;
    })();

    await Promise.all([
      sendAll(c1.ports['forward-tcp']!, 'one'),
      sendAll(c1.ports['forward-tcp']!, 'two'),
      sendAll(c2.ports['forward-tcp']!, 'three'),
      sendAll(c2.ports['forward-tcp']!, 'four'),
    ]);
    const total = 4 * PER_SENDER;
    // Acks follow the collectors' spool writes: the last requests may still be on their way
    // to PostgreSQL when the senders have their acks.
    const storedIds = async () =>
      (
        await admin.query<{ id: string }>(
          `SELECT id::text FROM ${await storedRows(admin)} WHERE tag LIKE 'scale.%' ORDER BY id`,
        )
      ).rows.map((r) => Number(r.id));
    let stored = await storedIds();
    for (let i = 0; stored.length < total && i < 600; i++) {
      await new Promise((r) => setTimeout(r, 50));
      stored = await storedIds();
    }
    await admin.end();
    expect(stored).toHaveLength(total);

    stop = true;
    const last = await hopping;
    for (const [c, what] of [
      [t1, 'api 1'],
      [t2, 'api 2'],
      [last, 'resumed client'],
    ] as const) {
      await c.waitFor(
        () => (c === last ? resumed.length + c.ids().length : c.ids().length) >= total,
        what,
        60_000,
      );
    }
    const lastIds = [...resumed, ...last.ids()];
    for (const ids of [t1.ids(), t2.ids(), lastIds]) {
      expect(ids).toEqual(stored); // every record, once, ids ascending
    }
    expect(t1.dropped() + t2.dropped() + last.dropped()).toBe(0);
    // The two collectors really did interleave: both wrote inside the id range of the other.
    const byTag = (tag: string) =>
      t1
        .records()
        .filter((r) => r.tag === `scale.${tag}`)
        .map((r) => Number(r.id));
    const one = byTag('one');
    const three = byTag('three');
    expect(Math.max(...one)).toBeGreaterThan(Math.min(...three));
    expect(Math.max(...three)).toBeGreaterThan(Math.min(...one));
  },
);
