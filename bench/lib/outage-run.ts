/**
 * A load through a PostgreSQL outage (issue 16, items 2 and 3), against a logharbor whose
 * PostgreSQL (bench/lib/pg-outage.ts) this run may stop:
 *
 *   load ─► `before` s ─► PostgreSQL stopped ─► `outage` s ─► started again ─► drained ─► `after` s ─► load stopped
 *
 * The collector's status (GET /api/sources: waiting, oldest_waiting_s, spool_bytes,
 * postgres_down_since) is sampled every SAMPLE_MS throughout. "Drained" is the first
 * sample after the restart in which nothing waits that is older than DRAINED_S: all that
 * was spooled while PostgreSQL was away is stored (under a load that goes on, the spool
 * always holds the requests of the last moments). Once the load has stopped, the run
 * waits for waiting=0, then counts what was stored by each line's id through
 * dev/stored-rows.ts (the store's own reader, whatever its format).
 */
import pg from 'pg';
import type { CollectorStatus } from '../../core/collector-status.js';
import { storedRows } from '../../dev/stored-rows.js';
import type { StoppablePostgres } from './pg-outage.js';

export interface OutagePlan {
  /** Seconds of load before the stop, of the stop, and after the drain. */
  before: number;
  outage: number;
  after: number;
  log: (text: string) => void;
  /** Called (and awaited) as each phase ends: a load's own counters per phase. */
  mark?: (end: 'before' | 'stop' | 'drain' | 'after') => Promise<void>;
}

export interface OutageTimes {
  /** Epoch ms: stop asked, PostgreSQL gone, start asked, PostgreSQL up, drained. */
  stopAt: number;
  downAt: number;
  restartAt: number;
  upAt: number;
  drainedAt: number;
  /** Seconds from the stop until logharbor's status said PostgreSQL was failing (null: never). */
  noticedS: number | null;
  /** Most requests waiting, spool bytes, drain rate seen. */
  waitingMax: number;
  spoolBytesMax: number;
  drainPerSMax: number;
  /** Most requests waiting in the samples before the stop (the steady state). */
  waitingBefore: number;
}

const SAMPLE_MS = 100;
const DRAINED_S = 1;
const DRAIN_LIMIT_MS = 600_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** This logharbor's collector status (the first collector of GET /api/sources). */
export async function collectorStatus(http: string): Promise<CollectorStatus> {
  const res = await fetch(`${http}/api/sources`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as {
    collectors?: CollectorStatus[];
  };
  const s = body.collectors?.[0];
  if (!s) throw new Error(`${http}/api/sources lists no collector`);
  return s;
}

/** Runs `plan` around a load already sending; resolves once the last `after` seconds are over. */
export async function throughOutage(
  http: string,
  db: StoppablePostgres,
  plan: OutagePlan,
): Promise<OutageTimes> {
  const t = {
    noticedS: null as number | null,
    waitingMax: 0,
    spoolBytesMax: 0,
    drainPerSMax: 0,
    waitingBefore: 0,
  };
  let stopAt = Infinity;
  let phase: 'before' | 'outage' = 'before';
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const s = await collectorStatus(http).catch(() => null);
      if (s) {
        if (phase === 'before') t.waitingBefore = Math.max(t.waitingBefore, s.waiting);
        t.waitingMax = Math.max(t.waitingMax, s.waiting);
        t.spoolBytesMax = Math.max(t.spoolBytesMax, s.spool_bytes);
        t.drainPerSMax = Math.max(t.drainPerSMax, s.drain_per_s);
        if (t.noticedS === null && s.postgres_down_since !== null && Date.now() > stopAt)
          t.noticedS = (Date.now() - stopAt) / 1000;
      }
      await sleep(SAMPLE_MS);
    }
  })();
  try {
    await sleep(plan.before * 1000);
    plan.log(`PostgreSQL stopped for ${plan.outage} s`);
    phase = 'outage';
    await plan.mark?.('before');
    stopAt = Date.now();
    await db.stop();
    const downAt = Date.now();
    await sleep(Math.max(0, stopAt + plan.outage * 1000 - Date.now()));
    const restartAt = Date.now();
    await db.start();
    const upAt = Date.now();
    await plan.mark?.('stop');
    plan.log(`PostgreSQL back (${((upAt - restartAt) / 1000).toFixed(1)} s to start); draining`);
    let drainedAt = 0;
    for (const until = upAt + DRAIN_LIMIT_MS; !drainedAt; await sleep(SAMPLE_MS)) {
      const s = await collectorStatus(http).catch(() => null);
      if (s && s.oldest_waiting_s < DRAINED_S && s.postgres_down_since === null)
        drainedAt = Date.now();
      else if (Date.now() > until)
        throw new Error(`not drained ${DRAIN_LIMIT_MS / 1000} s after PostgreSQL came back`);
    }
    plan.log(`drained in ${((drainedAt - upAt) / 1000).toFixed(1)} s`);
    await plan.mark?.('drain');
    await sleep(plan.after * 1000);
    await plan.mark?.('after');
    return { ...t, stopAt, downAt, restartAt, upAt, drainedAt };
  } finally {
    sampling = false;
    await sampler.catch(() => undefined);
  }
}

/** After the load stopped: resolves once nothing waits in the spool. */
export async function waitStored(http: string, timeoutMs = 300_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; ; await sleep(SAMPLE_MS)) {
    if ((await collectorStatus(http)).waiting === 0) return;
    if (Date.now() > until) throw new Error(`spool not drained within ${timeoutMs / 1000} s`);
  }
}

export interface StoredCount {
  /** Rows stored, and distinct line ids among them. */
  rows: number;
  distinct: number;
}

/** Rows matching `where` (a fixed SQL condition) and their distinct ids (each message's first word). */
export async function countStored(url: string, where: string): Promise<StoredCount> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query<{ n: string; ids: string }>(
      `SELECT count(*) AS n, count(DISTINCT split_part(message, ' ', 1)) AS ids
         FROM ${await storedRows(c)} WHERE ${where}`,
    );
    return { rows: Number(r.rows[0]!.n), distinct: Number(r.rows[0]!.ids) };
  } finally {
    await c.end();
  }
}
