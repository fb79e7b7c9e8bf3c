/**
 * Summaries the writer keeps beside the rows, in the same transaction as each batch:
 * the container list (migration 002) and per-minute counts, overall (migration 004) and
 * per container (008), so the container list and the histograms without a filter or of
 * containers never scan `logs`. Each is one statement of the batch's closing query
 * (collector/writer/sql-text.ts says why SQL text).
 */
import { intLit, msLit, textLit } from '../../core/db/sql-text.js';
import type { Committed } from '../../core/tail-commits.js';

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

/**
 * Per-minute counts for the histogram without a filter (migration 004) and per container
 * (migration 008): two upserts. Keys sorted so two writers lock rows in the same order
 * (no deadlock).
 */
export function minutesSql(committed: Committed[]): string {
  const all = new Map<number, number>();
  const perContainer = new Map<string, Map<number, number>>();
  for (const { record } of committed) {
    const minute = Math.floor(record.tsSec / 60) * 60;
    all.set(minute, (all.get(minute) ?? 0) + 1);
    if (record.containerName === null) continue;
    let m = perContainer.get(record.containerName);
    if (!m) perContainer.set(record.containerName, (m = new Map()));
    m.set(minute, (m.get(minute) ?? 0) + 1);
  }
  const byMinute = (a: number, b: number) => a - b;
  const rows = [...all.keys()]
    .sort(byMinute)
    .map((m) => `(${msLit(m * 1000)}, ${intLit(all.get(m)!)})`);
  const out = [
    `INSERT INTO log_minutes AS m (minute, n) VALUES ${rows.join(', ')}
     ON CONFLICT (minute) DO UPDATE SET n = m.n + excluded.n`,
  ];
  if (perContainer.size > 0) {
    const crows = [...perContainer.keys()].sort().flatMap((name) => {
      const m = perContainer.get(name)!;
      return [...m.keys()]
        .sort(byMinute)
        .map((t) => `(${textLit(name)}, ${msLit(t * 1000)}, ${intLit(m.get(t)!)})`);
    });
    out.push(`INSERT INTO container_minutes AS m (container_name, minute, n) VALUES ${crows.join(', ')}
     ON CONFLICT (container_name, minute) DO UPDATE SET n = m.n + excluded.n`);
  }
  return out.join(';\n');
}
