/**
 * One logharbor on a fresh database of the shared cluster, and one maximum-rate forward
 * run against it with what it cost: events/s until every event is acked and committed
 * (timed to whichever comes last: acks may follow a local spool rather than the commit),
 * ack latency, logharbor's peak memory during the run, and CPU per event of logharbor,
 * PostgreSQL and the load generator (on a 2-core machine the three share the cores, so
 * this says which one the rate is bought with).
 */
import { createPool } from '../../core/db/pool.js';
import type { Cluster } from './cluster.js';
import { selfCpuSeconds } from '../../dev/proc.js';
import { dockerRecords } from './docker-records.js';
import { encodeRequests, sendAll } from './forward-load.js';
import { metric, waitWritten } from './metrics.js';
import { startServer, type BenchServer } from '../../dev/server.js';
import { percentile } from './stats.js';

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
  const seconds = (Math.max(committed, acked) - t0) / 1000;
  const w1 = await writerTotals(lh.server.http);
  const batches = w1[0] - w0[0];
  const per1k = (i: number) => ((cpu1[i]! - cpu0[i]!) * 1e6) / events;
  return {
    label: s.label,
    events,
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
  };
}
