/**
 * Summaries the writer keeps beside the rows, in the same transaction as each batch:
 * the container list (migrations 002 and 010) and per-minute counts, overall (004), per
 * container (008: named; 010: known only by id) and per severity (010), so the container
 * list and the histograms without a filter, of containers or by level never scan `logs`.
 * Each is one statement of the batch's closing query (core/db/sql-text.ts says why SQL
 * text).
 *
 * A container is a row with its name when one is known, else a row with only its id
 * (Docker's syslog driver with its default tag `{{.ID}}` sends no name). Ids are matched
 * on their first 12 hex digits, Docker's short id (what that tag carries; the fluentd
 * driver sends the full one):
 *
 *   record with a name ──► upsert the named row; fold the id-only row of its id into it
 *   record with only an id ──► count into the named row of that id, else upsert the
 *                              id-only row
 *
 * The per-minute counts follow the rows' columns exactly (a record without a name is
 * counted under its id however the list shows it), as the histogram compares them with
 * what a search of the same container finds.
 */
import { intLit, msLit, textLit } from '../../core/db/sql-text.js';
import type { Committed } from '../../core/tail-commits.js';

/** Severity stored in `severity_minutes` for a record without one (migration 010). */
export const NO_SEVERITY = -1;

interface Seen {
  id: string | null;
  project: string | null;
  service: string | null;
  host: string | null;
  n: number;
  last: number;
}

function add(seen: Map<string, Seen>, key: string, r: Committed['record']): void {
  const c = seen.get(key);
  if (c) {
    c.n++;
    c.last = Math.max(c.last, r.receivedAt);
    c.id = r.containerId ?? c.id;
    c.project ??= r.project;
    c.service ??= r.service;
    c.host ??= r.host;
  } else {
    seen.set(key, {
      id: r.containerId,
      project: r.project,
      service: r.service,
      host: r.host,
      n: 1,
      last: r.receivedAt,
    });
  }
}

const short = (id: string) => id.slice(0, 12);

/**
 * The container list (migrations 002 and 010): up to three statements (named rows,
 * id-only rows folded into them, records with only an id), or '' when no record names or
 * identifies a container. Keys are sorted so two writers lock rows in the same order (no
 * deadlock).
 */
export function containersSql(committed: Committed[]): string {
  const named = new Map<string, Seen>();
  const unnamed = new Map<string, Seen>();
  for (const { record: r } of committed) {
    if (r.containerName !== null) add(named, r.containerName, r);
    else if (r.containerId !== null) add(unnamed, r.containerId, r);
  }
  const out: string[] = [];
  if (named.size > 0) {
    const keys = [...named.keys()].sort();
    const rows = keys.map((name) => {
      const c = named.get(name)!;
      const at = msLit(c.last);
      return `(${textLit(name)}, ${textLit(c.id)}, ${textLit(c.project)}, ${textLit(c.service)}, ${textLit(c.host)}, ${intLit(c.n)}, ${at}, ${at})`;
    });
    out.push(`INSERT INTO containers AS c (container_name, container_id, project, service, host, count, first_seen, last_seen)
     VALUES ${rows.join(', ')}
     ON CONFLICT (container_name) DO UPDATE SET
       container_id = coalesce(excluded.container_id, c.container_id),
       project = coalesce(excluded.project, c.project),
       service = coalesce(excluded.service, c.service),
       host = coalesce(excluded.host, c.host),
       count = c.count + excluded.count,
       last_seen = greatest(c.last_seen, excluded.last_seen)`);
    // The id-only row of a container whose name this batch brings: folded into the named
    // row (one name per short id; the batch's last).
    const byShort = new Map<string, string>();
    for (const name of keys) {
      const id = named.get(name)!.id;
      if (id !== null) byShort.set(short(id), name);
    }
    if (byShort.size > 0) {
      const pairs = [...byShort.keys()]
        .sort()
        .map((s) => `(${textLit(byShort.get(s)!)}, ${textLit(s)})`);
      out.push(`WITH p(name, short) AS (VALUES ${pairs.join(', ')}),
     gone AS (DELETE FROM containers u USING p
               WHERE u.container_name IS NULL AND left(u.container_id, 12) = p.short
               RETURNING p.name, u.count, u.first_seen, u.last_seen)
     UPDATE containers c SET count = c.count + g.n, first_seen = least(c.first_seen, g.first),
            last_seen = greatest(c.last_seen, g.last)
       FROM (SELECT name, sum(count) AS n, min(first_seen) AS first, max(last_seen) AS last
               FROM gone GROUP BY name) g
      WHERE c.container_name = g.name`);
    }
  }
  if (unnamed.size > 0) {
    const rows = [...unnamed.keys()].sort().map((id) => {
      const c = unnamed.get(id)!;
      return `(${textLit(id)}, ${textLit(c.project)}, ${textLit(c.service)}, ${textLit(c.host)}, ${intLit(c.n)}::bigint, ${msLit(c.last)})`;
    });
    // Counted into the named row of the same id when there is one, else the id-only row.
    out.push(`WITH v(id, project, service, host, n, at) AS (VALUES ${rows.join(', ')}),
     known AS (UPDATE containers c SET count = c.count + v.n, last_seen = greatest(c.last_seen, v.at)
                 FROM v WHERE c.container_name IS NOT NULL AND left(c.container_id, 12) = left(v.id, 12)
               RETURNING v.id)
     INSERT INTO containers AS c (container_name, container_id, project, service, host, count, first_seen, last_seen)
     SELECT NULL, v.id, v.project, v.service, v.host, v.n, v.at, v.at FROM v
      WHERE v.id NOT IN (SELECT id FROM known)
     ON CONFLICT (container_id) WHERE container_name IS NULL DO UPDATE SET
       project = coalesce(excluded.project, c.project),
       service = coalesce(excluded.service, c.service),
       host = coalesce(excluded.host, c.host),
       count = c.count + excluded.count,
       last_seen = greatest(c.last_seen, excluded.last_seen)`);
  }
  return out.join(';\n');
}

type Counts<K> = Map<K, Map<number, number>>;

function count<K>(m: Counts<K>, key: K, minute: number): void {
  let byMinute = m.get(key);
  if (!byMinute) m.set(key, (byMinute = new Map()));
  byMinute.set(minute, (byMinute.get(minute) ?? 0) + 1);
}

const byNumber = (a: number, b: number) => a - b;

/** `[key, minute, n]`, keys then minutes sorted (the lock order). */
function keyed<K extends string | number>(m: Counts<K>): [K, number, number][] {
  const keys = [...m.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.flatMap((k) => {
    const byMinute = m.get(k)!;
    return [...byMinute.keys()]
      .sort(byNumber)
      .map((t) => [k, t, byMinute.get(t)!] as [K, number, number]);
  });
}

const minuteRow = (key: string, minute: number, n: number) =>
  `(${key}, ${msLit(minute * 1000)}, ${intLit(n)})`;

/**
 * Per-minute counts: overall (migration 004), per named container (008), per id of
 * records without a name and per severity (010): up to four upserts. Keys sorted so two
 * writers lock rows in the same order (no deadlock).
 */
export function minutesSql(committed: Committed[]): string {
  const all = new Map<number, number>();
  const perName: Counts<string> = new Map();
  const perId: Counts<string> = new Map();
  const perSeverity: Counts<number> = new Map();
  for (const { record } of committed) {
    const minute = Math.floor(record.tsSec / 60) * 60;
    all.set(minute, (all.get(minute) ?? 0) + 1);
    count(perSeverity, record.severity ?? NO_SEVERITY, minute);
    if (record.containerName !== null) count(perName, record.containerName, minute);
    else if (record.containerId !== null) count(perId, record.containerId, minute);
  }
  const rows = [...all.keys()]
    .sort(byNumber)
    .map((m) => `(${msLit(m * 1000)}, ${intLit(all.get(m)!)})`);
  const out = [
    `INSERT INTO log_minutes AS m (minute, n) VALUES ${rows.join(', ')}
     ON CONFLICT (minute) DO UPDATE SET n = m.n + excluded.n`,
  ];
  const named = keyed(perName).map(([k, t, n]) => minuteRow(textLit(k), t, n));
  if (named.length > 0) {
    out.push(`INSERT INTO container_minutes AS m (container_name, minute, n) VALUES ${named.join(', ')}
     ON CONFLICT (container_name, minute) DO UPDATE SET n = m.n + excluded.n`);
  }
  const unnamed = keyed(perId).map(([k, t, n]) => minuteRow(textLit(k), t, n));
  if (unnamed.length > 0) {
    out.push(`INSERT INTO unnamed_container_minutes AS m (container_id, minute, n) VALUES ${unnamed.join(', ')}
     ON CONFLICT (container_id, minute) DO UPDATE SET n = m.n + excluded.n`);
  }
  // Sorted by (severity, minute), the table's key is (minute, severity): any order does, as
  // long as every writer uses the same.
  const sev = keyed(perSeverity).map(
    ([s, t, n]) => `(${msLit(t * 1000)}, ${intLit(s)}, ${intLit(n)})`,
  );
  out.push(`INSERT INTO severity_minutes AS m (minute, severity, n) VALUES ${sev.join(', ')}
     ON CONFLICT (minute, severity) DO UPDATE SET n = m.n + excluded.n`);
  return out.join(';\n');
}
