/** A collector as GET /api/sources sends it (api/routes/sources.ts), typed by the server's own shape. */
import type { CollectorStatus } from '../../../core/collector-status.js';

export const COLLECTOR: CollectorStatus & { lag: string | null } = {
  spool_id: 'a1b2',
  host: 'box',
  pid: 4242,
  at: '2026-11-28T06:00:42.500Z',
  spool_bytes: 1_288_490_189,
  spool_max_bytes: 4_294_967_296,
  waiting: 310,
  oldest_waiting_s: 42.5,
  drain_per_s: 0,
  full: false,
  full_reason: null,
  postgres_down_since: '2026-11-28T06:00:00.000Z',
  postgres_error: 'connect ECONNREFUSED 127.0.0.1:5432',
  sync: 'interval',
  ack_after: 'spool',
  lag: 'PostgreSQL unreachable for 42 s, 1.2 GB waiting in the spool',
};
