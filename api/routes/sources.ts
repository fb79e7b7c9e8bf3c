/**
 * GET /api/sources: ingestion health of every listener of this process: connections,
 * events received, errors, drops, and the event rate over the last minute.
 */
import type { FastifyInstance } from 'fastify';
import type { Telemetry } from '../../core/telemetry.js';

export function sourcesRoutes(app: FastifyInstance, telemetry: Telemetry): void {
  app.get('/api/sources', { schema: { summary: 'Ingestion health per listener' } }, async () => ({
    listeners: telemetry.listenerHealth().map((h) => ({
      listener: h.listener,
      protocol: h.protocol,
      transport: h.transport,
      address: h.address,
      connections: h.connections,
      received: h.received,
      errors: h.errors,
      dropped: h.dropped,
      last_error: h.lastError,
      last_error_at: h.lastErrorAt,
      rate_per_s: telemetry.rate(h.listener),
    })),
  }));
}
