/**
 * GET /api/logs/histogram's counts: matches per time bucket, optionally per level or per
 * container (`by`). Two ways, one answer:
 *
 *   no filter, container names, levels ──► per-minute counts per severity the writer
 *     or both (bucket widths of whole        keeps: severity_minutes (everything),
 *     minutes)                               container_minutes and unnamed_container_minutes
 *                                            (per container), 1440 rows a day per key
 *   anything else ──► the blocks that may hold matches (block-search.ts): legacy rows
 *     counted by PostgreSQL, packs decoded and counted per bucket (and key)
 *
 * Keys (issue 18): by level, the severity names of core/record.ts and `none` for records
 * without one; by container, the 10 containers with the most matches in the range (a
 * record's container is its name, else its id), ties in key order, and `other` for the
 * rest and for records of no container.
 */
import type { Pool } from '../../core/db/pool.js';
import { SEVERITY_NAMES } from '../../core/record.js';
import type { Filter } from '../query/index.js';
import { histogramBlocks, type BucketCount, type HistogramGroup } from './block-search.js';
import type { Where } from './search-sql.js';

export type GroupBy = 'level' | 'container';
export const GROUP_BY: readonly GroupBy[] = ['level', 'container'];

/** Containers given a key of their own by `by=container`; the rest are `other`. */
export const TOP_CONTAINERS = 10;
export const NO_LEVEL = 'none';
export const OTHER = 'other';

export interface Bucket {
  start: string;
  count: number;
  /** With `by`: every key of the answer's `groups`, 0 included. */
  groups?: Record<string, number>;
}

export interface Histogram {
  buckets: Bucket[];
  interval_ms: number;
  /** With `by`: the keys with matches in the range, in display order. */
  groups?: string[];
}

export interface HistogramRequest {
  where: Where;
  fromMs: number;
  toMs: number;
  /** Bucket width, ms; buckets start at `origin` (a multiple of it). */
  width: number;
  origin: number;
  by: GroupBy | null;
}

/** A bucket width that reads well (1s, 5s, 1m, 5m, 1h, ...) giving at most `buckets` buckets. */
export function bucketWidth(rangeMs: number, buckets: number): number {
  const nice = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
  ].map((s) => s * 1000);
  const want = rangeMs / buckets;
  return nice.find((w) => w >= want) ?? Math.ceil(want / 86_400_000) * 86_400_000;
}

/**
 * The container names a filter asks for when it is nothing else: `container:a` or
 * `container:a OR container:b`, exact names that cannot also be id prefixes (the page's
 * container picker). Null for any other filter.
 */
export function onlyContainers(f: Filter): string[] | null {
  if (f.kind === 'container') {
    return f.name.kind === 'exact' && f.idPrefix === null ? [f.name.value] : null;
  }
  if (f.kind !== 'or') return null;
  const names: string[] = [];
  for (const c of f.children) {
    const n = onlyContainers(c);
    if (n === null) return null;
    names.push(...n);
  }
  return [...new Set(names)];
}

/** Whether a filter made only of level conditions keeps a record of severity `s` (null: none). */
function keepsSeverity(f: Filter, s: number | null): boolean | null {
  switch (f.kind) {
    case 'severity':
      return s !== null && s >= f.min && s <= f.max;
    case 'not': {
      const v = keepsSeverity(f.child, s);
      return v === null ? null : !v;
    }
    case 'and':
    case 'or': {
      let out = f.kind === 'and';
      for (const c of f.children) {
        const v = keepsSeverity(c, s);
        if (v === null) return null;
        out = f.kind === 'and' ? out && v : out || v;
      }
      return out;
    }
    default:
      return null;
  }
}

/**
 * The severities (as stored in the per-minute tables: -1 for none) a filter made only of
 * level conditions keeps; null when it reads anything else. Exact, as the filter's leaves
 * are two-valued (api/query/filter.ts) and severities are 0..7 (RFC 5424 6.2.1).
 */
export function onlySeverities(f: Filter): number[] | null {
  const out: number[] = [];
  for (const s of [null, 0, 1, 2, 3, 4, 5, 6, 7]) {
    const keep = keepsSeverity(f, s);
    if (keep === null) return null;
    if (keep) out.push(s ?? -1);
  }
  return out;
}

/** What the per-minute tables can answer: some container names and some severities (null: all). */
export interface MinuteFilter {
  names: string[] | null;
  severities: number[] | null;
}

/**
 * A filter as container names and severities, or null when it reads anything else: no
 * filter, `container:a OR container:b`, `level>=warning`, or an AND of those (the page's
 * container picks with a level in the query).
 */
export function minuteFilter(f: Filter | null): MinuteFilter | null {
  if (f === null) return { names: null, severities: null };
  const names = onlyContainers(f);
  if (names !== null) return { names, severities: null };
  const severities = onlySeverities(f);
  if (severities !== null) return { names: null, severities };
  if (f.kind !== 'and') return null;
  let both: string[] | null = null;
  const levels: Filter[] = [];
  for (const c of f.children) {
    const n = onlyContainers(c);
    if (n !== null) both = both === null ? n : both.filter((x) => n.includes(x));
    else if (onlySeverities(c) !== null) levels.push(c);
    else return null;
  }
  return {
    names: both,
    severities: levels.length > 0 ? onlySeverities({ kind: 'and', children: levels }) : null,
  };
}

/**
 * `$1` width, `$2` origin, `$3` from, `$4` to: a minute's bucket and the range's minutes.
 * Rows are grouped on the bucket's time and it is turned into epoch-ms text only after
 * (done per row, the numeric arithmetic cost more than the grouping).
 */
const BIN = `date_bin($1::interval, minute, $2::timestamptz)`;
const MS = (b: string) => `(extract(epoch FROM ${b}) * 1000)::bigint::text`;
const MINUTES = `minute >= date_trunc('minute', $3::timestamptz) AND minute < $4`;

/**
 * From the per-minute tables: overall, by level, or by container, for the names and
 * severities of `mf`. Bucket widths are whole minutes here, so buckets hold whole
 * minutes; `from`/`to` are rounded out to the minute. Each container's counts are read
 * through its key (an index range of (container, minute) per container).
 */
async function fromMinutes(
  pool: Pool,
  mf: MinuteFilter,
  r: HistogramRequest,
): Promise<BucketCount[]> {
  const values: unknown[] = [
    `${r.width} milliseconds`,
    new Date(r.origin).toISOString(),
    new Date(r.fromMs).toISOString(),
    new Date(r.toMs).toISOString(),
  ];
  let levels = '';
  if (mf.severities) {
    values.push(mf.severities);
    levels = ` AND severity = ANY($${values.length}::smallint[])`;
  }
  const where = `${MINUTES}${levels}`;
  const everything = `SELECT NULL::text AS k, minute, severity, n FROM severity_minutes WHERE ${where}`;
  let containers: string;
  if (mf.names) {
    values.push(mf.names);
    containers = `SELECT c.name AS k, x.minute, x.severity, x.n
        FROM unnest($${values.length}::text[]) AS c(name)
        CROSS JOIN LATERAL (SELECT minute, severity, n FROM container_minutes
                             WHERE container_name = c.name AND ${where}) x`;
  } else {
    containers = `SELECT c.container_name AS k, x.minute, x.severity, x.n FROM containers c
        CROSS JOIN LATERAL (SELECT minute, severity, n FROM container_minutes
                             WHERE container_name = c.container_name AND ${where}) x
       WHERE c.container_name IS NOT NULL
      UNION ALL
      SELECT c.container_id, x.minute, x.severity, x.n FROM containers c
        CROSS JOIN LATERAL (SELECT minute, severity, n FROM unnamed_container_minutes
                             WHERE container_id = c.container_id AND ${where}) x
       WHERE c.container_name IS NULL`;
  }
  const source = mf.names ? containers : everything;
  let sql: string;
  if (r.by === null) {
    sql = `SELECT ${BIN} AS b, sum(n) AS n FROM (${source}) m GROUP BY 1`;
  } else if (r.by === 'level') {
    sql = `SELECT ${BIN} AS b, severity::text AS k, sum(n) AS n FROM (${source}) m GROUP BY 1, 2`;
  } else {
    // Per bucket first (buckets * containers rows, not minutes * containers * severities),
    // then the top keys, and the rest (NULL): the total less the top keys' counts.
    const total = mf.names ? `SELECT b, n FROM m` : `SELECT ${BIN} AS b, n FROM (${everything}) t`;
    sql = `WITH m AS (SELECT ${BIN} AS b, k, sum(n) AS n FROM (${containers}) x GROUP BY 1, 2),
                top AS (SELECT k FROM m GROUP BY k ORDER BY sum(n) DESC, k LIMIT ${TOP_CONTAINERS}),
                kept AS (SELECT b, k, n FROM m WHERE k IN (SELECT k FROM top))
           SELECT b, k, sum(n) AS n FROM (
             SELECT b, k, n FROM kept
             UNION ALL SELECT b, NULL, n FROM (${total}) t
             UNION ALL SELECT b, NULL, -n FROM kept) p
           GROUP BY 1, 2`;
  }
  const out = `SELECT ${MS('g.b')} AS b, ${r.by ? 'g.k' : 'NULL'} AS k, g.n::text AS n FROM (${sql}) g`;
  return (await pool.query<BucketCount>(out, values)).rows;
}

const GROUPS: Record<GroupBy, HistogramGroup> = {
  level: { by: 'level', key: 'severity::text' },
  container: {
    by: 'container',
    key: 'coalesce(container_name, container_id)',
    top: TOP_CONTAINERS,
  },
};

/** A key as the answer names it. */
function keyName(by: GroupBy, k: string | null | undefined): string {
  if (by === 'container') return k ?? OTHER;
  const s = k === null || k === undefined ? -1 : Number(k);
  return SEVERITY_NAMES[s] ?? NO_LEVEL;
}

/** Display order: levels most severe first then `none`; containers by count then `other`. */
function order(by: GroupBy, totals: Map<string, number>): string[] {
  const keys = [...totals.keys()].filter((k) => totals.get(k)! > 0);
  if (by === 'level') {
    const rank = (k: string) => {
      const i = (SEVERITY_NAMES as readonly string[]).indexOf(k);
      return i < 0 ? SEVERITY_NAMES.length : i;
    };
    return keys.sort((a, b) => rank(a) - rank(b));
  }
  const rest = (k: string) => (k === OTHER ? 1 : 0);
  return keys.sort(
    (a, b) => rest(a) - rest(b) || totals.get(b)! - totals.get(a)! || (a < b ? -1 : a > b ? 1 : 0),
  );
}

export async function histogram(pool: Pool, r: HistogramRequest): Promise<Histogram> {
  const mf = r.width % 60_000 === 0 ? minuteFilter(r.where.query.filter) : null;
  const rows = mf
    ? await fromMinutes(pool, mf, r)
    : await histogramBlocks(pool, r.where, r.width, r.origin, r.by ? GROUPS[r.by] : undefined);
  const counts = new Map<number, Map<string, number>>();
  const totals = new Map<string, number>();
  for (const row of rows) {
    const key = r.by ? keyName(r.by, row.k) : '';
    const n = Number(row.n);
    let b = counts.get(Number(row.b));
    if (!b) counts.set(Number(row.b), (b = new Map()));
    b.set(key, (b.get(key) ?? 0) + n);
    totals.set(key, (totals.get(key) ?? 0) + n);
  }
  const groups = r.by ? order(r.by, totals) : null;
  const buckets: Bucket[] = [];
  for (let t = r.origin; t < r.toMs; t += r.width) {
    const b = counts.get(t);
    let count = 0;
    for (const n of b?.values() ?? []) count += n;
    const bucket: Bucket = { start: new Date(t).toISOString(), count };
    if (groups) bucket.groups = Object.fromEntries(groups.map((k) => [k, b?.get(k) ?? 0]));
    buckets.push(bucket);
  }
  return groups ? { buckets, interval_ms: r.width, groups } : { buckets, interval_ms: r.width };
}
