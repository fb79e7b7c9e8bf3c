/**
 * The collector role: the spool and the writer behind it (collector/sink/), every source,
 * backpressure between them, and the housekeeping of the store (partitions ahead,
 * retention, old chunk ids).
 *
 * Listeners start before PostgreSQL is needed: what they read goes to the spool, so the
 * collector takes logs while PostgreSQL is still starting, or away. `ready` (the schema
 * migrated, by the caller) starts the drain and the housekeeping.
 */
import type { Config } from '../core/config.js';
import type { Pool } from '../core/db/pool.js';
import { maintainPartitions } from '../core/db/partitions.js';
import { IMPORT_CHUNK_PREFIX } from '../core/import-chunks.js';
import type { Logger } from '../core/log.js';
import type { Telemetry } from '../core/telemetry.js';
import { DriverDoctor } from './doctor/doctor.js';
import { startForward, type ForwardSource } from './forward/source.js';
import { startSyslog, type SyslogSource } from './syslog/source.js';
import type { StreamListener } from './listen/stream-listener.js';
import type { Writer } from './writer/writer.js';
import { SpoolSink } from './sink/spool-sink.js';
import { COMPACTOR_DEFAULTS, Compactor } from './compaction/compactor.js';
import { IdBackfill } from './compaction/id-backfill.js';
import { MergeThread } from './compaction/merge-thread.js';
import { LegacyPacker } from './compaction/legacy.js';
import { reportStatus } from './sink/status-report.js';
import { STATUS_REPORT_MS } from '../core/collector-status.js';

export interface Collector {
  /** The spool and its drain: what the listeners hand their units to. */
  sink: SpoolSink;
  /** The writer behind the spool (tests and the tail's own-commits path use it). */
  writer: Writer;
  forward: ForwardSource;
  syslog: SyslogSource;
  /** Driver traits seen on the wire, flushed to PostgreSQL for GET /api/doctor. */
  doctor: DriverDoctor;
  /** Every listener with its bound address, for the start-up banner and /api/sources. */
  listeners: { name: string; address: string }[];
  /** Graceful: stop accepting, commit and ack what is held, then close connections. */
  close(): Promise<void>;
}

const HOUSEKEEPING_MS = 10 * 60_000;
const CHUNK_MEMORY = '1 day';

async function housekeeping(cfg: Config, pool: Pool, log: Logger): Promise<void> {
  const report = await maintainPartitions(pool, {
    retentionMs: cfg.retentionMs,
    retentionBytes: cfg.retentionBytes,
  });
  const { created, dropped, droppedForSize, totalBytes, overCap } = report;
  if (created.length || dropped.length) {
    log.info({ created, dropped, retentionMs: cfg.retentionMs }, 'partitions maintained');
  }
  const size = { totalBytes, capBytes: cfg.retentionBytes };
  if (droppedForSize.length) {
    log.warn(
      { dropped: droppedForSize, ...size },
      'LOGHARBOR_RETENTION_SIZE reached: dropped the oldest day partitions',
    );
  }
  if (overCap) {
    log.warn(
      size,
      'still over LOGHARBOR_RETENTION_SIZE: today, future days and the default partition are never dropped',
    );
  }
  // An import's chunk ids are kept: importing again months later stores nothing twice.
  await pool.query(
    `DELETE FROM forward_chunks WHERE stored_at < now() - interval '${CHUNK_MEMORY}'
       AND chunk NOT LIKE '${IMPORT_CHUNK_PREFIX}%'`,
  );
}

const READ_ON_CLOSE_MS = 1000;
const QUIET_MS = 100;

/** Resolves once no connection has brought bytes for QUIET_MS, or after READ_ON_CLOSE_MS. */
async function quiet(streams: StreamListener[]): Promise<void> {
  const until = Date.now() + READ_ON_CLOSE_MS;
  for (;;) {
    const last = Math.max(0, ...streams.map((s) => s.lastDataAt));
    const now = Date.now();
    if (now - last >= QUIET_MS || now >= until) return;
    await new Promise((r) => setTimeout(r, Math.min(QUIET_MS - (now - last), until - now)));
  }
}

/** Tries `fn` until it works, waiting longer each time (at most 5 s), until `stopped()`. */
async function retry(
  what: string,
  fn: () => Promise<void>,
  log: Logger,
  stopped: () => boolean,
): Promise<void> {
  for (let attempt = 0; !stopped(); attempt++) {
    try {
      await fn();
      return;
    } catch (e) {
      const delay = Math.min(5000, 200 * 2 ** Math.min(attempt, 5));
      if (attempt === 0 || attempt % 10 === 0)
        log.warn({ err: (e as Error).message, retryInMs: delay }, `${what} failed; will retry`);
      await new Promise((r) => setTimeout(r, delay).unref());
    }
  }
}

export async function startCollector(
  cfg: Config,
  pool: Pool,
  log: Logger,
  telemetry: Telemetry,
  ready: Promise<void> = Promise.resolve(),
): Promise<Collector> {
  const sink = await SpoolSink.open(
    pool,
    {
      dir: cfg.spoolDir,
      sync: cfg.spoolSync,
      syncIntervalMs: cfg.spoolSyncIntervalMs,
      maxBytes: cfg.spoolMaxBytes,
      segmentBytes: cfg.spoolSegmentBytes,
      whenFull: cfg.spoolWhenFull,
      ackAfter: cfg.forwardAck,
      batchSize: cfg.batchSize,
      flushMs: cfg.flushMs,
      window: cfg.queueMax,
      multiline: { enabled: cfg.multiline },
    },
    log,
    telemetry,
  );
  const writer = sink.writer;
  let stopping = false;
  let timer: NodeJS.Timeout | null = null;
  let statusTimer: NodeJS.Timeout | null = null;
  const compactor = new Compactor(pool, log, COMPACTOR_DEFAULTS, new MergeThread());
  const upgrade = new LegacyPacker(pool, log, COMPACTOR_DEFAULTS.codec);
  const idFilters = new IdBackfill(pool, log);
  telemetry.watchStore(() => ({
    ...sink.status(),
    compaction_lag_s: Math.round(compactor.stats.lagSeconds),
    level0_packs: compactor.stats.level0Packs,
    upgrade_progress: upgrade.status.finished ? null : upgrade.status.progress,
  }));
  const started = ready.then(async () => {
    await retry(
      'reading the spool position from PostgreSQL',
      () => sink.startDrain(),
      log,
      () => stopping,
    );
    await retry(
      'housekeeping',
      () => housekeeping(cfg, pool, log),
      log,
      () => stopping,
    );
    if (stopping) return;
    compactor.start();
    void retry(
      'packing the rows stored before packs',
      () => upgrade.run(),
      log,
      () => stopping,
    );
    void retry(
      'adding id filters to packs merged before them',
      () => idFilters.run(),
      log,
      () => stopping,
    );
    statusTimer = setInterval(
      () =>
        reportStatus(pool, telemetry.storeStatus()!).catch(() => {
          // PostgreSQL away: the status says so once it is back; the log has the writer's retries.
        }),
      STATUS_REPORT_MS,
    );
    timer = setInterval(
      () =>
        housekeeping(cfg, pool, log).catch((e: Error) =>
          log.warn({ err: e.message }, 'housekeeping failed; will retry'),
        ),
      HOUSEKEEPING_MS,
    );
  });
  const doctor = new DriverDoctor(pool, log, {
    retentionMs: cfg.retentionMs,
    addressOf: (name) =>
      telemetry.listenerHealth().find((h) => h.listener === name)?.address ?? null,
  });
  const forward = await startForward(
    cfg,
    pool,
    sink,
    writer,
    log,
    telemetry,
    doctor.observer,
    ready,
  );
  const syslog = await startSyslog(cfg, sink, log, telemetry, doctor.observer);
  const streams: StreamListener[] = [...forward.streams, ...syslog.streams];
  // Only a full spool slows senders (LOGHARBOR_SPOOL_WHEN_FULL=pause); PostgreSQL does not.
  if (cfg.spoolWhenFull === 'pause') {
    sink.on('pressure', () => {
      for (const s of streams) s.pauseAll();
    });
    sink.on('drain', () => {
      for (const s of streams) s.resumeAll();
    });
  }
  const listeners = [...streams, forward.udp, syslog.udp, syslog.dgram]
    .filter((l) => l !== null)
    .map((l) => ({ name: l.name, address: l.address }));
  return {
    sink,
    writer,
    forward,
    syslog,
    doctor,
    listeners,
    async close() {
      stopping = true;
      if (timer) clearInterval(timer);
      if (statusTimer) clearInterval(statusTimer);
      // SIGTERM drains the sockets into the spool: no new connections, but what the open
      // ones still bring is read (until they are quiet, at most READ_ON_CLOSE_MS), so a
      // sender that does not resend (syslog, Docker without acks) loses less at a stop.
      for (const s of streams) s.stopAccepting();
      await quiet(streams);
      upgrade.stop();
      idFilters.stop();
      await Promise.all([forward.stop(), syslog.stop(), compactor.stop()]);
      await sink.close();
      await Promise.all([forward.close(), syslog.close(), doctor.close()]);
      await started.catch(() => undefined);
    },
  };
}
