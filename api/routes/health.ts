/**
 * Probes and metrics: /healthz (the process is up), /readyz (PostgreSQL answers),
 * /metrics (Prometheus text from the one telemetry registry).
 */
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../core/db/pool.js';
import { Errors } from '../../core/errors.js';
import type { Telemetry } from '../../core/telemetry.js';
import { errorBody } from '../errors.js';

export function healthRoutes(app: FastifyInstance, pool: Pool, telemetry: Telemetry): void {
  app.get('/healthz', { schema: { summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { schema: { summary: 'Readiness: PostgreSQL reachable' } },
    async (_req, reply) => {
      try {
        await pool.query('SELECT 1');
        return { status: 'ready' };
      } catch (e) {
        return reply
          .status(503)
          .send(errorBody(Errors.NOT_READY.code, `PostgreSQL: ${(e as Error).message}`));
      }
    },
  );

  app.get('/metrics', { schema: { summary: 'Prometheus metrics' } }, async (_req, reply) => {
    reply.header('content-type', telemetry.registry.contentType);
    return telemetry.registry.metrics();
  });
}
