/**
 * GET /api/logs: search, newest first, keyset pagination on (ts, id); answers
 * `{"records": [...], "next_cursor": "..." | null}`.
 * GET /api/logs/histogram: matches per time bucket over the range.
 */
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../core/db/pool.js';
import { Errors, LogharborError } from '../../core/errors.js';
import type { Telemetry } from '../../core/telemetry.js';
import { QUERY_LIMITS, type Filter } from '../query/index.js';
import { encodeCursor } from '../search/record-sql.js';
import { buildWhere } from '../search/search-sql.js';
import { histogramBlocks, searchBlocks, withoutCursor } from '../search/block-search.js';

export const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;
const MAX_BUCKETS = 1000;

const timeParam = {
  type: 'string',
  maxLength: 64,
  description: 'RFC 3339 time, epoch ms, or an age like 15m, 2h, 7d',
} as const;
const queryParam = {
  type: 'string',
  maxLength: QUERY_LIMITS.maxLength * 4,
  description: 'query language (README, "Query syntax")',
} as const;

interface LogsQuery {
  q?: string;
  limit?: number;
  cursor?: string;
  from?: string;
  to?: string;
}

interface HistogramQuery {
  q?: string;
  from?: string;
  to?: string;
  buckets?: number;
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
 * Histograms from the per-minute counts the writer keeps: of everything (migration 004),
 * or of some containers (`names`, migration 008). Bucket widths are whole minutes here,
 * so buckets hold whole minutes; `from`/`to` are rounded out to the minute.
 */
async function histogramMinutes(
  pool: Pool,
  names: string[] | null,
  fromMs: number,
  toMs: number,
  width: number,
  origin: number,
) {
  const values: unknown[] = [
    `${width} milliseconds`,
    new Date(origin).toISOString(),
    new Date(fromMs).toISOString(),
    new Date(toMs).toISOString(),
  ];
  let from = 'log_minutes WHERE';
  if (names !== null) {
    values.push(names);
    from = 'container_minutes WHERE container_name = ANY($5::text[]) AND';
  }
  return (
    await pool.query<{ b: string; n: string }>(
      `SELECT (extract(epoch FROM date_bin($1::interval, minute, $2::timestamptz)) * 1000)::bigint::text AS b,
              sum(n)::text AS n
         FROM ${from} minute >= date_trunc('minute', $3::timestamptz) AND minute < $4
        GROUP BY 1`,
      values,
    )
  ).rows;
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
  return names;
}

export function logsRoutes(app: FastifyInstance, pool: Pool, telemetry: Telemetry): void {
  app.get<{ Querystring: LogsQuery }>(
    '/api/logs',
    {
      schema: {
        summary: 'Search records, newest first',
        querystring: {
          type: 'object',
          properties: {
            q: queryParam,
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
            cursor: { type: 'string', maxLength: 200 },
            from: timeParam,
            to: timeParam,
          },
          additionalProperties: true,
        },
      },
    },
    async (req) => {
      const { limit = DEFAULT_LIMIT } = req.query;
      const end = telemetry.querySeconds.startTimer({ route: 'logs' });
      const where = buildWhere(req.query);
      const rows = await searchBlocks(pool, where, limit);
      end();
      const more = rows.length > limit;
      if (more) rows.pop();
      const last = rows[rows.length - 1];
      return {
        records: withoutCursor(rows),
        next_cursor: more && last ? encodeCursor(last.cursor_ts, last.id) : null,
      };
    },
  );

  app.get<{ Querystring: HistogramQuery }>(
    '/api/logs/histogram',
    {
      schema: {
        summary: 'Matching records per time bucket',
        querystring: {
          type: 'object',
          properties: {
            q: queryParam,
            from: timeParam,
            to: timeParam,
            buckets: { type: 'integer', minimum: 1, maximum: MAX_BUCKETS, default: 100 },
          },
          additionalProperties: true,
        },
      },
    },
    async (req) => {
      const now = Date.now();
      const { buckets = 100 } = req.query;
      const where = buildWhere(
        { q: req.query.q, from: req.query.from ?? '24h', to: req.query.to ?? 'now' },
        now,
      );
      const fromMs = where.fromMs!;
      const toMs = where.toMs!;
      if (toMs <= fromMs) throw new LogharborError(Errors.BAD_REQUEST, '`to` must be after `from`');
      const width = bucketWidth(toMs - fromMs, buckets);
      const origin = Math.floor(fromMs / width) * width;
      const end = telemetry.querySeconds.startTimer({ route: 'histogram' });
      const bucket = (p: number) => ({
        sql: `(extract(epoch FROM date_bin($${p}::interval, ts, $${p + 1}::timestamptz)) * 1000)::bigint::text`,
        values: [`${width} milliseconds`, new Date(origin).toISOString()],
      });
      const f = where.query.filter;
      const names = f === null ? null : onlyContainers(f);
      const rows =
        (f === null || names !== null) && width % 60_000 === 0
          ? await histogramMinutes(pool, names, fromMs, toMs, width, origin)
          : await histogramBlocks(pool, where, bucket);
      end();
      const counts = new Map(rows.map((x) => [Number(x.b), Number(x.n)]));
      const out: { start: string; count: number }[] = [];
      for (let t = origin; t < toMs; t += width)
        out.push({ start: new Date(t).toISOString(), count: counts.get(t) ?? 0 });
      return { buckets: out, interval_ms: width };
    },
  );
}
