/**
 * What a collector says about its spool and the store behind it (issue 16, "Bounded"):
 * /metrics, GET /api/sources and the page's "store lags" banner read it. A collector in
 * the same process gives it directly; collectors elsewhere report it every
 * STATUS_REPORT_MS into `collector_status` (migration 009), when PostgreSQL answers.
 */

export interface CollectorStatus {
  spool_id: string;
  host: string;
  pid: number;
  /** When this was taken (RFC 3339). */
  at: string;
  spool_bytes: number;
  spool_max_bytes: number;
  /** Requests appended to the spool and not yet stored in PostgreSQL. */
  waiting: number;
  /** Age of the oldest request still waiting, seconds (0 when none waits). */
  oldest_waiting_s: number;
  /** Records stored per second, lately. */
  drain_per_s: number;
  /** The spool refuses appends (full, or the disk is). */
  full: boolean;
  full_reason: string | null;
  /** Since when writing to PostgreSQL fails (RFC 3339), or null. */
  postgres_down_since: string | null;
  postgres_error: string | null;
  sync: string;
  ack_after: string;
  /** Age of the oldest pack not yet merged by the compactor, seconds (issue 17). */
  compaction_lag_s?: number;
  /** Packs written by batches and not merged yet. */
  level0_packs?: number;
  /** Share of the rows stored before packs that is packed, 0..1, while the upgrade runs. */
  upgrade_progress?: number | null;
}

export const STATUS_REPORT_MS = 5000;

/** A status older than this is not shown (the collector is gone, or cannot reach PostgreSQL). */
export const STATUS_STALE_MS = 60_000;

/**
 * One line for a person, or null when the store keeps up: "PostgreSQL unreachable for
 * 42 s, 1.2 GB waiting" (the health panel and the page's banner).
 */
export function lagSentence(s: CollectorStatus, now: number = Date.now()): string | null {
  const waiting = `${formatBytes(s.spool_bytes)} waiting in the spool`;
  if (s.full)
    return `Spool full (${s.full_reason ?? 'bytes'}): senders are paused or refused; ${waiting}`;
  if (s.postgres_down_since) {
    const secs = Math.max(0, Math.round((now - Date.parse(s.postgres_down_since)) / 1000));
    return `PostgreSQL unreachable for ${secs} s, ${waiting}`;
  }
  if (s.oldest_waiting_s >= 5)
    return `Storing lags by ${Math.round(s.oldest_waiting_s)} s (${s.waiting} requests, ${waiting})`;
  return null;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}
