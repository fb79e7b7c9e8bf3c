/**
 * The collector role: the writer, every source, backpressure between them, and the
 * housekeeping of the store (partitions ahead, retention, old chunk ids).
 */
import type { Config } from '../core/config.js';
import type { Pool } from '../core/db/pool.js';
import { maintainPartitions } from '../core/db/partitions.js';
import type { Logger } from '../core/log.js';
import type { Telemetry } from '../core/telemetry.js';
import { DriverDoctor } from './doctor/doctor.js';
import { startForward, type ForwardSource } from './forward/source.js';
import { startSyslog, type SyslogSource } from './syslog/source.js';
import type { StreamListener } from './listen/stream-listener.js';
import { Writer } from './writer/writer.js';

export interface Collector {
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
  await pool.query(
    `DELETE FROM forward_chunks WHERE stored_at < now() - interval '${CHUNK_MEMORY}'`,
  );
}

export async function startCollector(
  cfg: Config,
  pool: Pool,
  log: Logger,
  telemetry: Telemetry,
): Promise<Collector> {
  await housekeeping(cfg, pool, log);
  const timer = setInterval(
    () =>
      housekeeping(cfg, pool, log).catch((e: Error) =>
        log.warn({ err: e.message }, 'housekeeping failed; will retry'),
      ),
    HOUSEKEEPING_MS,
  );
  const writer = new Writer(
    pool,
    { batchSize: cfg.batchSize, flushMs: cfg.flushMs, queueMax: cfg.queueMax },
    log,
    telemetry,
  );
  const doctor = new DriverDoctor(pool, log, {
    retentionMs: cfg.retentionMs,
    addressOf: (name) =>
      telemetry.listenerHealth().find((h) => h.listener === name)?.address ?? null,
  });
  const forward = await startForward(cfg, pool, writer, log, telemetry, doctor.observer);
  const syslog = await startSyslog(cfg, writer, log, telemetry, doctor.observer);
  const streams: StreamListener[] = [...forward.streams, ...syslog.streams];
  writer.on('pressure', () => {
    log.warn({ queued: writer.depth }, 'writer behind: pausing TCP senders');
    for (const s of streams) s.pauseAll();
  });
  writer.on('drain', () => {
    log.info({ queued: writer.depth }, 'writer caught up: resuming TCP senders');
    for (const s of streams) s.resumeAll();
  });
  const listeners = [...streams, forward.udp, syslog.udp, syslog.dgram]
    .filter((l) => l !== null)
    .map((l) => ({ name: l.name, address: l.address }));
  return {
    writer,
    forward,
    syslog,
    doctor,
    listeners,
    async close() {
      clearInterval(timer);
      await Promise.all([forward.stop(), syslog.stop()]);
      await writer.close();
      await Promise.all([forward.close(), syslog.close(), doctor.close()]);
    },
  };
}
