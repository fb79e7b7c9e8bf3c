/**
 * GET /api/logs: newest first, keyset pagination on (ts, id).
 * Answers `{"records": [...], "next_cursor": "..." | null}`.
 */
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../core/db/pool.js';
import { Errors, LogharborError } from '../../core/errors.js';
import type { StoredRecord } from '../../core/record.js';
import { parseTimeParam } from '../time-range.js';
import { CURSOR_COLUMN, RECORD_COLUMNS, decodeCursor, encodeCursor } from '../record-sql.js';

export const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 100;

interface LogsQuery {
  limit?: number;
  cursor?: string;
  from?: string;
  to?: string;
}

export function logsRoutes(app: FastifyInstance, pool: Pool): void {
  app.get<{ Querystring: LogsQuery }>(
    '/api/logs',
    {
      schema: {
        summary: 'Search records, newest first',
        querystring: {
          type: 'object',
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
            cursor: { type: 'string', maxLength: 200 },
            from: {
              type: 'string',
              maxLength: 64,
              description: 'RFC 3339 time or a relative age like 15m, 2h, 7d',
            },
            to: { type: 'string', maxLength: 64 },
          },
          additionalProperties: true,
        },
      },
    },
    async (req) => {
      const { limit = DEFAULT_LIMIT, cursor, from, to } = req.query;
      const where: string[] = [];
      const values: unknown[] = [];
      const now = Date.now();
      if (from) {
        values.push(new Date(parseTimeParam('from', from, now)).toISOString());
        where.push(`ts >= $${values.length}`);
      }
      if (to) {
        values.push(new Date(parseTimeParam('to', to, now)).toISOString());
        where.push(`ts < $${values.length}`);
      }
      if (cursor) {
        const c = decodeCursor(cursor);
        if (!c) throw new LogharborError(Errors.BAD_REQUEST, 'cursor is not one this API gave out');
        values.push(c.tsMicros, c.id);
        where.push(
          `(ts, id) < (to_timestamp($${values.length - 1}::bigint / 1000000.0), $${values.length}::bigint)`,
        );
      }
      values.push(limit + 1);
      const sql = `SELECT ${RECORD_COLUMNS}, ${CURSOR_COLUMN} FROM logs
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY ts DESC, id DESC LIMIT $${values.length}`;
      const rows = (await pool.query<StoredRecord & { cursor_ts: string }>(sql, values)).rows;
      const more = rows.length > limit;
      if (more) rows.pop();
      const last = rows[rows.length - 1];
      return {
        records: rows.map(({ cursor_ts: _c, ...r }) => r),
        next_cursor: more && last ? encodeCursor(last.cursor_ts, last.id) : null,
      };
    },
  );
}
