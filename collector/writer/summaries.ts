/**
 * Summaries the writer keeps beside the rows, in the same transaction as each batch:
 * the container list (migration 002) and per-minute counts (migration 004), so the
 * container list and the unfiltered histogram never scan `logs`. Each is one statement
 * of the batch's closing query (collector/writer/sql-text.ts says why SQL text).
 */
import { intLit, msLit, textLit } from './sql-text.js';
import type { Committed } from './unit.js';

interface Seen {
  id: string | null;
  project: string | null;
  service: string | null;
  host: string | null;
  n: number;
  last: number;
}

/**
 * The container list (migration 002): one upsert with the batch's counts, or '' when no
 * record names a container. Names are sorted so two writers lock rows in the same order
 * (no deadlock).
 */
export function containersSql(committed: Committed[]): string {
  const seen = new Map<string, Seen>();
  for (const { record: r } of committed) {
    if (r.containerName === null) continue;
    const c = seen.get(r.containerName);
    if (c) {
      c.n++;
      c.last = Math.max(c.last, r.receivedAt);
      c.id = r.containerId ?? c.id;
    } else {
      seen.set(r.containerName, {
        id: r.containerId,
        project: r.project,
        service: r.service,
        host: r.host,
        n: 1,
        last: r.receivedAt,
      });
    }
  }
  if (seen.size === 0) return '';
  const rows = [...seen.keys()].sort().map((name) => {
    const c = seen.get(name)!;
    const at = msLit(c.last);
    return `(${textLit(name)}, ${textLit(c.id)}, ${textLit(c.project)}, ${textLit(c.service)}, ${textLit(c.host)}, ${intLit(c.n)}, ${at}, ${at})`;
  });
  return `INSERT INTO containers AS c (container_name, container_id, project, service, host, count, first_seen, last_seen)
     VALUES ${rows.join(', ')}
     ON CONFLICT (container_name) DO UPDATE SET
       container_id = coalesce(excluded.container_id, c.container_id),
       project = coalesce(excluded.project, c.project),
       service = coalesce(excluded.service, c.service),
       host = coalesce(excluded.host, c.host),
       count = c.count + excluded.count,
       last_seen = greatest(c.last_seen, excluded.last_seen)`;
}

/** Per-minute counts for the unfiltered histogram (migration 004); keys sorted (no deadlock). */
export function minutesSql(committed: Committed[]): string {
  const perMinute = new Map<number, number>();
  for (const { record } of committed) {
    const minute = Math.floor(record.tsSec / 60) * 60;
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
  }
  const rows = [...perMinute.keys()]
    .sort((a, b) => a - b)
    .map((m) => `(${msLit(m * 1000)}, ${intLit(perMinute.get(m)!)})`);
  return `INSERT INTO log_minutes AS m (minute, n) VALUES ${rows.join(', ')}
     ON CONFLICT (minute) DO UPDATE SET n = m.n + excluded.n`;
}
