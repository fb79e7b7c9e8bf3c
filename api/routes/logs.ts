/**
 * GET /api/logs: search, newest first, keyset pagination on (ts, id); answers
 * `{"records": [...], "next_cursor": "..." | null}`.
 * GET /api/logs/histogram: matches per time bucket over the range, optionally per level
 * or per container (`by`; api/search/histogram.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../core/db/pool.js';
import { Errors, LogharborError } from '../../core/errors.js';
import type { Telemetry } from '../../core/telemetry.js';
import { QUERY_LIMITS } from '../query/index.js';
import { encodeCursor } from '../search/record-sql.js';
import { buildWhere } from '../search/search-sql.js';
import { searchBlocks, withoutCursor } from '../search/block-search.js';
import { bucketWidth, GROUP_BY, histogram, type GroupBy } from '../search/histogram.js';

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
  by?: GroupBy;
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
            by: {
              type: 'string',
              enum: [...GROUP_BY],
              description:
                'level: counts per severity name (and none); container: per top-10 container (and other)',
            },
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
      const out = await histogram(pool, {
        where,
        fromMs,
        toMs,
        width,
        origin,
        by: req.query.by ?? null,
      });
      end();
      return out;
    },
  );
}
