/**
 * GET /api/containers: every container seen, with Compose project/service, counts and
 * last seen, from the `containers` table the writer keeps (no scan of `logs`).
 */
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../core/db/pool.js';

export function containersRoutes(app: FastifyInstance, pool: Pool): void {
  app.get(
    '/api/containers',
    { schema: { summary: 'Containers seen, grouped data for the side list' } },
    async () => {
      const r = await pool.query(
        `SELECT container_name, container_id, project, service, host, count::text AS count,
              to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS last_seen
         FROM containers ORDER BY project NULLS LAST, service NULLS LAST, container_name`,
      );
      return {
        containers: r.rows.map((c: Record<string, unknown>) => ({ ...c, count: Number(c.count) })),
      };
    },
  );
}
