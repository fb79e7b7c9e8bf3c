/**
 * GET /api/logs/:id/context?before=&after=: the lines around one record, oldest first,
 * the record included. By default from the same container (or, without one, the same
 * host and app), as Papertrail's context does; `scope=all` takes every source. The record
 * and both sides are read in one snapshot, from legacy rows and packs alike
 * (api/search/block-search.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../core/db/pool.js';
import { Errors, LogharborError } from '../../core/errors.js';
import { deadlineOf, rowsOf, walk, withoutCursor } from '../search/block-search.js';
import { recordById } from '../search/by-id.js';
import { parseQuery } from '../query/index.js';
import { readOnly } from '../search/read-only.js';
import { whereOf, type SameLabel } from '../search/search-sql.js';

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
      const id = req.params.id;
      const deadlineMs = deadlineOf(pool);
      return readOnly(pool, 'REPEATABLE READ', null, async (db) => {
        const anchor = await recordById(db, id);
        if (!anchor) throw new LogharborError(Errors.NOT_FOUND, `no record ${id}`);
        const a = anchor.record;
        let same: SameLabel[] = [];
        if (scope === 'source') {
          same =
            a.container_name !== null
              ? [{ column: 'container_name', value: a.container_name }]
              : [
                  { column: 'host', value: a.host },
                  { column: 'app', value: a.app },
                ];
        }
        const where = whereOf(parseQuery(''), { after: { us: anchor.us, id }, same });
        const older = rowsOf(await walk(db, where, before, { dir: 'desc', deadlineMs }));
        const newer = rowsOf(await walk(db, where, after, { dir: 'asc', deadlineMs }));
        return {
          records: [...withoutCursor(older).reverse(), a, ...withoutCursor(newer)],
        };
      });
    },
  );
}
