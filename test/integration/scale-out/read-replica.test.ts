/**
 * Issue 7, "read scaling": logharbor with LOGHARBOR_READ_DATABASE_URL pointing at a real
 * streaming replica (test/support/replica.ts). Searches read the replica; the live tail
 * stays on the primary (a hot standby cannot LISTEN), so it is not delayed by replica
 * lag. With replay paused on the replica, new records reach the tail at once while a
 * search does not see them yet (proof the search went to the replica); once replay
 * resumes, the search sees them too.
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReplicaPair, type ReplicaPair } from '../../support/replica.js';
import { startRole, type RoleProcess } from '../../support/role-process.js';
import { openTail, type TailClient } from '../tail/tail-client.js';
import { createFluentSender } from '../../support/fluent-logger.js';

let pair: ReplicaPair;
let server: RoleProcess;
let replica: pg.Client;
const clients: TailClient[] = [];

beforeAll(async () => {
  pair = await startReplicaPair();
  server = await startRole('serve', {
    DATABASE_URL: pair.primaryUrl,
    LOGHARBOR_READ_DATABASE_URL: pair.replicaUrl,
    LOGHARBOR_API_RATE_LIMIT: '0',
  });
  replica = new pg.Client({ connectionString: pair.replicaUrl });
  await replica.connect();
}, 120_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await replica?.end();
  await server?.stop();
  await pair?.stop();
});

async function send(label: string, n: number): Promise<void> {
  const sender = createFluentSender('replica', {
    host: '127.0.0.1',
    port: server.ports['forward-tcp'],
    timeout: 10,
    requireAckResponse: true,
  });
  sender.on('error', () => undefined);
  await Promise.all(
    Array.from(
      { length: n },
      (_, i) =>
        new Promise<void>((resolve, reject) =>
          sender.emit(label, { log: `${label} line ${i}` }, (e) => (e ? reject(e) : resolve())),
        ),
    ),
  );
  sender.end();
}

async function search(q: string): Promise<string[]> {
  const r = await fetch(`${server.http}/api/logs?q=${encodeURIComponent(q)}&limit=100`);
  expect(r.status).toBe(200);
  const body = (await r.json()) as { records: { message: string }[] };
  return body.records.map((x) => x.message).sort();
}

it(
  'searches read the replica while the live tail stays on the primary',
  { timeout: 120_000 },
  async () => {
    // An ack means the spool holds the events, not that the primary committed them: the
    // tail publishes only committed records, so it says when the replica can be asked.
    const before = await openTail(server.http, { q: 'tag:replica.before' });
    clients.push(before);
    await send('before', 5);
    await before.waitFor(() => before.records().length === 5, 'records committed on the primary');
    await pair.caughtUp();
    expect(await search('tag:replica.before')).toHaveLength(5);

    const tail = await openTail(server.http, { q: 'tag:replica.during' });
    clients.push(tail);
    await replica.query('SELECT pg_wal_replay_pause()');
    try {
      await send('during', 5);
      await tail.waitFor(() => tail.records().length === 5, 'live records despite replica lag');
      expect(await search('tag:replica.during')).toEqual([]); // not replayed yet
      expect(await pair.lagBytes()).toBeGreaterThan(0);
    } finally {
      await replica.query('SELECT pg_wal_replay_resume()');
    }
    await pair.caughtUp();
    expect(await search('tag:replica.during')).toEqual(
      Array.from({ length: 5 }, (_, i) => `during line ${i}`).sort(),
    );
    expect(tail.ids()).toEqual([...tail.ids()].sort((a, b) => a - b));
  },
);
