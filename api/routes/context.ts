/**
 * GET /api/logs/:id/context?before=&after=: the lines around one record, oldest first,
 * the record included. By default from the same container (or, without one, the same
 * host and app), as Papertrail's context does; `scope=all` takes every source.
 */
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../core/db/pool.js';
import { Errors, LogharborError } from '../../core/errors.js';
import { RECORD_COLUMNS } from '../record-sql.js';

const MAX_AROUND = 500;

interface ContextQuery {
  before?: number;
  after?: number;
  scope?: 'source' | 'all';
}

export function contextRoutes(app: FastifyInstance, pool: Pool): void {
  app.get<{ Params: { id: string }; Querystring: ContextQuery }>(
    '/api/logs/:id/context',
    {
      schema: {
        summary: 'Records around one record',
        params: {
          type: 'object',
          properties: { id: { type: 'string', pattern: '^[0-9]{1,19}$' } },
          required: ['id'],
        },
        querystring: {
          type: 'object',
          properties: {
            before: { type: 'integer', minimum: 0, maximum: MAX_AROUND, default: 20 },
            after: { type: 'integer', minimum: 0, maximum: MAX_AROUND, default: 20 },
            scope: { type: 'string', enum: ['source', 'all'], default: 'source' },
          },
        },
      },
    },
    async (req) => {
      const { before = 20, after = 20, scope = 'source' } = req.query;
      const anchor = // ts as text: a JS Date would cut the microseconds and misplace the anchor.
        (
          await pool.query<{
            ts: string;
            container_name: string | null;
            host: string | null;
            app: string | null;
          }>('SELECT ts::text AS ts, container_name, host, app FROM logs WHERE id = $1', [
            req.params.id,
          ])
        ).rows[0];
      if (!anchor) throw new LogharborError(Errors.NOT_FOUND, `no record ${req.params.id}`);
      const values: unknown[] = [anchor.ts, req.params.id];
      let same = '';
      if (scope === 'source') {
        if (anchor.container_name !== null) {
          values.push(anchor.container_name);
          same = `AND container_name = $${values.length}`;
        } else {
          values.push(anchor.host, anchor.app);
          same = `AND host IS NOT DISTINCT FROM $${values.length - 1} AND app IS NOT DISTINCT FROM $${values.length}`;
        }
      }
      const side = (op: string, dir: string, n: number) =>
        pool.query(
          `SELECT ${RECORD_COLUMNS} FROM logs WHERE (ts, id) ${op} ($1::timestamptz, $2::bigint) ${same}
            ORDER BY logs.ts ${dir}, logs.id ${dir} LIMIT ${n}`,
          values,
        );
      const [older, self, newer] = await Promise.all([
        side('<', 'DESC', before),
        pool.query(`SELECT ${RECORD_COLUMNS} FROM logs WHERE id = $1`, [req.params.id]),
        side('>', 'ASC', after),
      ]);
      return { records: [...older.rows.reverse(), ...self.rows, ...newer.rows] };
    },
  );
}
