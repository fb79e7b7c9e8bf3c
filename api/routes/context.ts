/**
 * GET /api/logs/:id/context?before=&after=: the lines around one record, oldest first,
 * the record included. By default from the same container (or, without one, the same
 * host and app), as Papertrail's context does; `scope=all` takes every source.
 */
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../core/db/pool.js';
import { Errors, LogharborError } from '../../core/errors.js';
import type { StoredRecord } from '../../core/record.js';
import { walkBlocks, withoutCursor } from '../search/block-search.js';
import type { Query } from '../query/index.js';
import { readOnly } from '../search/read-only.js';
import { RECORD_COLUMNS } from '../search/record-sql.js';
import type { Where } from '../search/search-sql.js';

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
            us: string;
            container_name: string | null;
            host: string | null;
            app: string | null;
          }>(
            `SELECT ts::text AS ts, (extract(epoch FROM ts) * 1000000)::bigint::text AS us,
                    container_name, host, app FROM logs WHERE id = $1`,
            [req.params.id],
          )
        ).rows[0];
      if (!anchor) throw new LogharborError(Errors.NOT_FOUND, `no record ${req.params.id}`);
      const values: unknown[] = [anchor.ts, req.params.id];
      let same = '';
      // The same container also narrows the blocks read (their container lists).
      let query: Query = { text: '', ast: null, filter: null };
      if (scope === 'source') {
        if (anchor.container_name !== null) {
          values.push(anchor.container_name);
          same = `AND container_name = $${values.length}`;
          const name = { kind: 'exact', value: anchor.container_name } as const;
          query = { ...query, filter: { kind: 'container', name, idPrefix: null } };
        } else {
          values.push(anchor.host, anchor.app);
          same = `AND host IS NOT DISTINCT FROM $${values.length - 1} AND app IS NOT DISTINCT FROM $${values.length}`;
        }
      }
      const side = (op: '<' | '>', n: number) => {
        const where: Where = {
          query,
          text: `(ts, id) ${op} ($1::timestamptz, $2::bigint) ${same}`,
          values,
          fromMs: null,
          toMs: null,
          cursorUs: anchor.us,
        };
        const dir = op === '<' ? 'desc' : 'asc';
        return readOnly(pool, 'REPEATABLE READ', null, (c) => walkBlocks(c, where, n, { dir }));
      };
      const [older, self, newer] = await Promise.all([
        side('<', before),
        pool.query<StoredRecord>(`SELECT ${RECORD_COLUMNS} FROM logs WHERE id = $1`, [
          req.params.id,
        ]),
        side('>', after),
      ]);
      return {
        records: [...withoutCursor(older).reverse(), ...self.rows, ...withoutCursor(newer)],
      };
    },
  );
}
