/**
 * The container list as stored (migrations 002 and 010) and as shown: a container is a
 * named row, or an id-only row while no record has brought its name (Docker's syslog
 * driver with its default tag `{{.ID}}`). Once a named row holds the same short id (the
 * first 12 hex digits, what that tag carries; the fluentd driver sends the whole id),
 * the id-only row is shown inside it: its counts added, its times widened. Decided here,
 * when the list is read, so the writer only ever adds to one row (a re-created container
 * keeps its name but not its id, so its old id-only row stays apart).
 */
import type { Pool } from '../core/db/pool.js';

const TIME = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/**
 * Every row, with its records in [$1, $2) when a range is given ($1 NULL: none). Each
 * sum is an index range on the per-minute table's key (container, minute), so the cost
 * follows the containers and the minutes of the range, not the whole tables.
 */
const LIST = `
SELECT c.container_name, c.container_id, c.project, c.service, c.host, c.count::text AS count,
       to_char(c.first_seen AT TIME ZONE 'UTC', ${TIME}) AS first_seen,
       to_char(c.last_seen AT TIME ZONE 'UTC', ${TIME}) AS last_seen,
       CASE WHEN $1::timestamptz IS NULL THEN NULL
            WHEN c.container_name IS NOT NULL THEN
              coalesce((SELECT sum(m.n) FROM container_minutes m
                         WHERE m.container_name = c.container_name
                           AND m.minute >= date_trunc('minute', $1::timestamptz) AND m.minute < $2), 0)::text
            ELSE
              coalesce((SELECT sum(u.n) FROM unnamed_container_minutes u
                         WHERE u.container_id = c.container_id
                           AND u.minute >= date_trunc('minute', $1::timestamptz) AND u.minute < $2), 0)::text
       END AS in_range
  FROM containers c
 ORDER BY c.project NULLS LAST, c.service NULLS LAST, c.container_name NULLS LAST, c.container_id`;

export interface StoredContainer {
  /** null: known only by id. */
  container_name: string | null;
  container_id: string | null;
  project: string | null;
  service: string | null;
  host: string | null;
  /** Records stored since the container was first seen. */
  count: number;
  /** RFC 3339, µs; arrival times. */
  first_seen: string;
  last_seen: string;
  /** Records with an event time in the range asked (to the minute); null without a range. */
  count_in_range: number | null;
}

interface Row extends Omit<StoredContainer, 'count' | 'count_in_range'> {
  count: string;
  in_range: string | null;
}

const short = (id: string | null) => (id !== null && id.length >= 12 ? id.slice(0, 12) : null);

/** Id-only rows shown inside the named row of the same short id (the most recent one). */
export function foldUnnamed(rows: readonly StoredContainer[]): StoredContainer[] {
  const copies = rows.map((r) => ({ ...r }));
  const owner = new Map<string, StoredContainer>();
  for (const c of copies) {
    const s = short(c.container_id);
    if (c.container_name === null || s === null) continue;
    const o = owner.get(s);
    if (o === undefined || o.last_seen < c.last_seen) owner.set(s, c);
  }
  const out: StoredContainer[] = [];
  for (const r of copies) {
    const s = short(r.container_id);
    const o = r.container_name === null && s !== null ? owner.get(s) : undefined;
    if (o === undefined) {
      out.push(r);
      continue;
    }
    o.count += r.count;
    if (o.count_in_range !== null && r.count_in_range !== null)
      o.count_in_range += r.count_in_range;
    if (r.first_seen < o.first_seen) o.first_seen = r.first_seen;
    if (r.last_seen > o.last_seen) o.last_seen = r.last_seen;
    o.project ??= r.project;
    o.service ??= r.service;
    o.host ??= r.host;
  }
  return out;
}

/** Every container as shown, with counts in [fromMs, toMs) when a range is given. */
export async function listContainers(
  pool: Pool,
  range: { fromMs: number; toMs: number } | null,
): Promise<StoredContainer[]> {
  const r = await pool.query<Row>(LIST, [
    range ? new Date(range.fromMs).toISOString() : null,
    range ? new Date(range.toMs).toISOString() : null,
  ]);
  return foldUnnamed(
    r.rows.map(({ in_range, count, ...c }) => ({
      ...c,
      count: Number(count),
      count_in_range: in_range === null ? null : Number(in_range),
    })),
  );
}
