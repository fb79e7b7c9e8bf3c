/**
 * Alerts across API processes (issue 19): one collector and two API processes on one
 * PostgreSQL, a real HTTP receiver. One process evaluates (the lock's holder); it is
 * killed (SIGKILL) in the middle of a threshold episode, the other takes over; that one
 * is then restarted (SIGTERM, and a new API process). Throughout, lines keep the episode
 * on and markers trigger an "any" alert. At the end the receiver must hold exactly one
 * firing and one resolved for the episode, and every marker in exactly one notification
 * (counting a notification once by its id: delivery is at least once, and a request in
 * flight when its process died is sent again by another).
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { startRole, type RoleProcess } from '../../support/role-process.js';
import { Container } from './lines.js';
import { Receiver } from './receiver.js';

let db: TestDatabase;
let admin: pg.Client;
let rx: Receiver;
const procs: RoleProcess[] = [];
let sender: Container | undefined;
const env = () => ({
  DATABASE_URL: db.url,
  LOGHARBOR_API_RATE_LIMIT: '0',
  LOGHARBOR_ALERT_WEBHOOK_TIMEOUT: '2s',
});

beforeAll(async () => {
  db = await createTestDatabase();
  rx = await Receiver.start();
  // The collector first: it applies the migrations the API processes then find done.
  procs.push(await startRole('collector', env()));
  procs.push(...(await Promise.all([startRole('api', env()), startRole('api', env())])));
  admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
}, 120_000);

afterAll(async () => {
  sender?.close();
  await admin?.end();
  await Promise.all(procs.map((p) => p.stop()));
  await rx?.close();
  await db?.drop();
});

async function post(base: string, path: string, body: unknown): Promise<{ alert: { id: string } }> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { alert: { id: string } };
}

/** The pid of the process that evaluates now (its last checkpoint names it). */
async function leaderPid(): Promise<number | null> {
  const r = await admin.query<{ leader: string | null }>('SELECT leader FROM alert_evaluator');
  const m = /:(\d+)$/.exec(r.rows[0]?.leader ?? '');
  return m ? Number(m[1]) : null;
}

async function evaluatorGauge(p: RoleProcess): Promise<number> {
  const text = await (await fetch(`${p.http}/metrics`)).text();
  return Number(/^logharbor_alert_evaluator (\d+)/m.exec(text)?.[1] ?? NaN);
}

/** Notifications received at `path`, once each (by notification id), in arrival order. */
function distinct(path: string): Record<string, unknown>[] {
  const seen = new Map<string, Record<string, unknown>>();
  for (const b of rx.bodies(path)) seen.set(String(b.notification_id), b);
  return [...seen.values()];
}

const wait = { timeout: 60_000, interval: 100 };

it(
  'one evaluator among two API processes; killed and restarted mid-episode, every notification is sent once',
  { timeout: 240_000 },
  async () => {
    const [collector, api1, api2] = procs as [RoleProcess, RoleProcess, RoleProcess];
    const thr = await post(api1.http, '/api/alerts', {
      name: 'boom burst',
      query: 'boom',
      rule: { kind: 'threshold', more_than: 5, within: '20s' },
      min_interval: '0s',
      webhooks: [{ url: rx.url('/threshold') }],
    });
    const any = await post(api2.http, '/api/alerts', {
      name: 'markers',
      query: 'marker',
      rule: { kind: 'any' },
      min_interval: '0s',
      webhooks: [{ url: rx.url('/any') }],
    });
    await expect
      .poll(async () => (await admin.query('SELECT 1 FROM alert_state')).rowCount, wait)
      .toBe(2);
    const first = await leaderPid();
    const leader = procs.find((p) => p.proc.pid === first)!;
    const standby = leader === api1 ? api2 : api1;
    expect(leader === api1 || leader === api2).toBe(true);
    expect([await evaluatorGauge(leader), await evaluatorGauge(standby)]).toEqual([1, 0]);

    // Lines all along: 10 "boom" a second keep the episode on (more than 5 within 20 s,
    // longer than the live stream may lag on a loaded machine).
    sender = new Container(collector.ports['forward-tcp']!, 'burst');
    let sent = 0;
    let sending = true;
    const loop = (async () => {
      while (sending) {
        await sender!.send([`boom ${sent}`, `marker ${sent}`]);
        sent++;
        // The pace of the load (10 pairs a second), not a wait for anything.
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const markersCounted = () => distinct('/any').reduce((n, b) => n + Number(b.count), 0);
    const markersSeen = () =>
      distinct('/any').flatMap((b) =>
        (b.samples as { message: string }[]).map((s) => Number(s.message.split(' ')[1])),
      );
    try {
      await rx.until(() => distinct('/threshold').length === 1, 'the firing', 60_000);

      // 1. The evaluator dies without a word; the standby takes over.
      leader.proc.kill('SIGKILL');
      await new Promise((r) => leader.proc.once('exit', r));
      await expect.poll(leaderPid, wait).toBe(standby.proc.pid);
      let mark = sent;
      await rx.until(() => markersSeen().some((m) => m > mark), 'markers after the kill', 60_000);

      // 2. That one is restarted: stopped (SIGTERM: a last checkpoint), a new process.
      await standby.stop();
      const api3 = await startRole('api', env());
      procs.push(api3);
      await expect.poll(leaderPid, wait).toBe(api3.proc.pid);
      mark = sent;
      await rx.until(
        () => markersSeen().some((m) => m > mark),
        'markers after the restart',
        60_000,
      );
    } finally {
      sending = false;
      await loop;
    }
    // The lines stop: the count within 20 s falls, the episode resolves.
    await rx.until(() => distinct('/threshold').length === 2, 'the resolved', 120_000);
    await rx.until(() => markersCounted() >= sent, 'every marker', 60_000);

    expect(distinct('/threshold').map((b) => b.kind)).toEqual(['firing', 'resolved']);
    expect(distinct('/threshold').map((b) => (b.alert as { id: string }).id)).toEqual([
      thr.alert.id,
      thr.alert.id,
    ]);
    // Every marker counted exactly once, none lost across the two hand-overs (a group
    // shows its first five as samples: none of those twice either).
    expect(markersCounted()).toBe(sent);
    const samples = markersSeen();
    expect(new Set(samples).size).toBe(samples.length);
    expect(distinct('/any').every((b) => (b.alert as { id: string }).id === any.alert.id)).toBe(
      true,
    );
    // And as stored: one row per notification, each key once.
    const rows = await admin.query<{ kind: string; n: number }>(
      `SELECT kind, count(*)::int AS n FROM alert_notifications WHERE alert_id = $1 GROUP BY kind ORDER BY kind`,
      [thr.alert.id],
    );
    expect(rows.rows).toEqual([
      { kind: 'firing', n: 1 },
      { kind: 'resolved', n: 1 },
    ]);
  },
);
