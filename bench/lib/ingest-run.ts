/**
 * One logharbor on a fresh database of the shared cluster, and one maximum-rate forward
 * run against it with what it cost: events/s until every event is acked and committed
 * (timed to whichever comes last: acks may follow a local spool rather than the commit),
 * ack latency, logharbor's peak memory during the run, and CPU per event of logharbor,
 * PostgreSQL and the load generator (on a 2-core machine the three share the cores, so
 * this says which one the rate is bought with).
 *
 * Since issue 17 a batch writes small level-0 packs and the collector's compactor merges
 * them once they are 10 s old (collector/compaction/compactor.ts): a run asked to count
 * compaction then waits, after its last commit, until no level-0 pack is left, and counts
 * the CPU logharbor and PostgreSQL spent meanwhile as the compaction's (the machine is
 * otherwise idle then; the compaction that happened during the run is in the run's own
 * figures already).
 *
 * Event times advance 1 ms every EVENTS_PER_MS events from the start (a source logging
 * 100,000 lines a second), so they stay near the clock and the packs come of age for the
 * compactor while the run goes on, as a live source's do.
 */
import { createPool, type Pool } from '../../core/db/pool.js';
import type { Cluster } from './cluster.js';
import { selfCpuSeconds } from '../../dev/proc.js';
import { dockerRecords } from './docker-records.js';
import { encodeRequests, sendAll } from './forward-load.js';
import { metric, waitWritten } from './metrics.js';
import { startServer, type BenchServer } from '../../dev/server.js';
import { percentile } from './stats.js';

/** Events per ms of event time in a run's requests. */
const EVENTS_PER_MS = 100;
/** Longest wait for the compactor after a run. */
const COMPACTION_WAIT_MS = 300_000;

export interface Logharbor {
  server: BenchServer;
  url: string;
  cluster: Cluster;
}

/** Runs `fn` against a logharbor on a fresh database `db`; stops it and drops the database. */
export async function withLogharbor<T>(
  cluster: Cluster,
  db: string,
  env: Record<string, string>,
  fn: (lh: Logharbor) => Promise<T>,
): Promise<T> {
  const url = await cluster.createDatabase(db);
  const server = await startServer({ ...env, DATABASE_URL: url });
  try {
    return await fn({ server, url, cluster });
  } finally {
    await server.stop();
    await cluster.dropDatabase(db);
  }
}

export interface MaxRun {
  label: string;
  events: number;
  /** Records written: fewer than events where the multi-line joiner joined lines. */
  rows: number;
  connections: number;
  /** Events per second until every one was acked and committed. */
  rate: number;
  /** Events per second until every one was acked (the same as `rate` when acks follow commit). */
  ackedRate: number;
  ackP50: number;
  ackP99: number;
  peakRssMb: number;
  /** CPU ms per 1000 events. */
  cpuLogharbor: number;
  cpuPostgres: number;
  cpuGenerator: number;
  /** Writer batches during the run: how many, mean rows and ms, share of the run spent in one. */
  batches: number;
  batchRows: number;
  batchMs: number;
  writerBusy: number;
  /** With `compaction` asked: what merging the run's level-0 packs took after its last commit. */
  compaction: Compaction | null;
}

export interface Compaction {
  /** From the last commit until no level-0 pack was left (at least the compactor's 10 s age). */
  seconds: number;
  /** CPU ms per 1000 events of logharbor and PostgreSQL meanwhile. */
  cpuLogharbor: number;
  cpuPostgres: number;
  /**
   * Events/s had the compaction's CPU been spent during the run at the run's own CPU use:
   * events / (seconds x (run CPU + compaction CPU) / run CPU), the run's CPU counting
   * logharbor, PostgreSQL and the sender (all on the same cores).
   */
  rate: number;
  /** false: level-0 packs were still there after COMPACTION_WAIT_MS. */
  done: boolean;
}

/** Batches committed and seconds spent writing them, from /metrics. */
async function writerTotals(http: string): Promise<[number, number]> {
  return [
    await metric(http, 'logharbor_batch_write_seconds_count'),
    await metric(http, 'logharbor_batch_write_seconds_sum'),
  ];
}

export interface MaxRunSpec {
  label: string;
  mode: 'packed' | 'message';
  events: number;
  connections: number;
  /** Unacked requests per connection (Docker: 1). */
  inFlight: number;
  perRequest: number;
  tag: string;
  seed?: number;
  /** No new request after this long (the run then counts what was sent). */
  maxSeconds?: number;
  /** Wait for the compactor after the run and count it (Compaction). */
  compaction?: boolean;
}

/** Level-0 packs in the database (the compactor's backlog) and the oldest one's age, s. */
export async function level0(pool: Pool): Promise<{ packs: number; lagSeconds: number }> {
  const r = await pool.query<{ n: string; lag: string | null }>(
    `SELECT count(*)::text AS n, extract(epoch FROM now() - min(min_ts))::text AS lag
       FROM log_packs WHERE level = 0`,
  );
  return { packs: Number(r.rows[0]!.n), lagSeconds: Math.max(0, Number(r.rows[0]!.lag ?? 0)) };
}

/** Waits until no level-0 pack is left: seconds waited, and whether it got there. */
async function waitCompacted(url: string): Promise<{ seconds: number; done: boolean }> {
  const pool = createPool(url, { max: 1 });
  const t0 = performance.now();
  try {
    for (;;) {
      if ((await level0(pool)).packs === 0)
        return { seconds: (performance.now() - t0) / 1000, done: true };
      if (performance.now() - t0 > COMPACTION_WAIT_MS)
        return { seconds: (performance.now() - t0) / 1000, done: false };
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await pool.end();
  }
}

/** A CHECKPOINT first, so the previous run's dirty pages are not written on this one's clock. */
export async function checkpoint(url: string): Promise<void> {
  const pool = createPool(url, { max: 1 });
  await pool.query('CHECKPOINT');
  await pool.end();
}

export async function maxRun(lh: Logharbor, s: MaxRunSpec): Promise<MaxRun> {
  const requests = encodeRequests(
    dockerRecords(s.events, s.seed ?? 7),
    s.mode,
    s.perRequest,
    s.tag,
    EVENTS_PER_MS,
  );
  await checkpoint(lh.url);
  lh.server.resetPeak();
  const w0 = await writerTotals(lh.server.http);
  const cpu0 = [lh.server.cpuSeconds(), lh.cluster.cpuSeconds(), selfCpuSeconds()];
  const written0 = await metric(lh.server.http, 'logharbor_events_written_total');
  const t0 = performance.now();
  const r = await sendAll(
    lh.server.ports['forward-tcp']!,
    requests,
    s.connections,
    s.inFlight,
    s.maxSeconds,
  );
  const events = Math.min(s.events, r.requests * s.perRequest);
  // Acks that follow the commit leave nothing to wait for; acks from a spool may.
  const acked = t0 + r.seconds * 1000;
  const target = written0 + events;
  const committed =
    (await metric(lh.server.http, 'logharbor_events_written_total')) >= target
      ? acked
      : await waitWritten(lh.server.http, target);
  const cpu1 = [lh.server.cpuSeconds(), lh.cluster.cpuSeconds(), selfCpuSeconds()];
  const rows = (await metric(lh.server.http, 'logharbor_events_written_total')) - written0;
  const seconds = (Math.max(committed, acked) - t0) / 1000;
  const w1 = await writerTotals(lh.server.http);
  const batches = w1[0] - w0[0];
  const per1k = (i: number) => ((cpu1[i]! - cpu0[i]!) * 1e6) / events;
  let compaction: Compaction | null = null;
  if (s.compaction) {
    const c = await waitCompacted(lh.url);
    const cpu2 = [lh.server.cpuSeconds(), lh.cluster.cpuSeconds()];
    const after = [cpu2[0]! - cpu1[0]!, cpu2[1]! - cpu1[1]!];
    const runCpu = cpu1.reduce((a, x, i) => a + x - cpu0[i]!, 0);
    const compactCpu = after[0]! + after[1]!;
    compaction = {
      seconds: c.seconds,
      cpuLogharbor: (after[0]! * 1e6) / events,
      cpuPostgres: (after[1]! * 1e6) / events,
      rate: events / ((seconds * (runCpu + compactCpu)) / runCpu),
      done: c.done,
    };
  }
  return {
    label: s.label,
    events,
    rows,
    connections: s.connections,
    rate: events / seconds,
    ackedRate: events / r.seconds,
    ackP50: percentile(r.ackMs, 50),
    ackP99: percentile(r.ackMs, 99),
    peakRssMb: lh.server.peakRssMb(),
    cpuLogharbor: per1k(0),
    cpuPostgres: per1k(1),
    cpuGenerator: per1k(2),
    batches,
    batchRows: events / batches,
    batchMs: ((w1[1] - w0[1]) * 1000) / batches,
    writerBusy: (w1[1] - w0[1]) / seconds,
    compaction,
  };
}
