/**
 * GET /api/sources: ingestion health. Every listener of this process (connections, events
 * received, errors, drops, the event rate over the last minute), and the store behind the
 * listeners: this process's collector's spool, and the status other collectors reported
 * into PostgreSQL (core/collector-status.ts), each with a sentence for a person when the
 * store lags ("PostgreSQL unreachable for 42 s, 1.2 GB waiting in the spool").
 */
import type { FastifyInstance } from 'fastify';
import { STATUS_STALE_MS, lagSentence, type CollectorStatus } from '../../core/collector-status.js';
import type { Pool } from '../../core/db/pool.js';
import type { Telemetry } from '../../core/telemetry.js';

async function reported(pool: Pool): Promise<CollectorStatus[]> {
  try {
    const r = await pool.query<{ status: CollectorStatus }>(
      `SELECT status FROM collector_status
        WHERE reported_at > now() - $1::int * interval '1 millisecond'
        ORDER BY reported_at DESC`,
      [STATUS_STALE_MS],
    );
    return r.rows.map((x) => x.status);
  } catch {
    return []; // PostgreSQL away: this process's own collector still answers below
  }
}

export function sourcesRoutes(app: FastifyInstance, telemetry: Telemetry, pool: Pool): void {
  app.get('/api/sources', { schema: { summary: 'Ingestion health per listener' } }, async () => {
    const local = telemetry.storeStatus();
    const others = (await reported(pool)).filter((s) => s.spool_id !== local?.spool_id);
    const collectors = [...(local ? [local] : []), ...others].map((s) => ({
      ...s,
      lag: lagSentence(s),
    }));
    return {
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
      collectors,
    };
  });
}
