/**
 * GET /api/doctor: what to improve in each sender's Docker logging setup, from the
 * traits every collector stored (migration 005), with the lines to paste
 * (api/doctor/advice.ts). Behind the same token as every /api route (api/auth.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../core/db/pool.js';
import { buildReport, type SenderState, type TraitSeen } from '../doctor/advice.js';
import { parseTimeParam } from '../search/time-range.js';

const DEFAULT_SINCE = '24h';
const DEFAULT_LIMIT = 200;
const MAX_LIMIT = 1000;

const TIME = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

const LOAD = `
SELECT s.source, s.sender, s.container_id, s.container_name, s.tag, s.host, s.listener,
       s.address, s.events::text AS events,
       to_char(s.first_seen AT TIME ZONE 'UTC', ${TIME}) AS first_seen,
       to_char(s.last_seen AT TIME ZONE 'UTC', ${TIME}) AS last_seen,
       COALESCE((SELECT json_agg(json_build_object(
                          'trait', t.trait, 'value', t.value, 'count', t.count,
                          'last_at', extract(epoch FROM t.last_at) * 1000))
                   FROM driver_traits t
                  WHERE t.source = s.source AND t.sender = s.sender), '[]'::json) AS traits
  FROM driver_senders s
 WHERE s.last_seen >= $1
 ORDER BY s.last_seen DESC, s.source, s.sender
 LIMIT $2`;

interface DoctorQuery {
  since?: string;
  limit?: number;
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function traitsOf(v: unknown): TraitSeen[] {
  if (!Array.isArray(v)) return [];
  const out: TraitSeen[] = [];
  for (const t of v as unknown[]) {
    if (typeof t !== 'object' || t === null) continue;
    const { trait, value, count, last_at } = t as Record<string, unknown>;
    if (typeof trait !== 'string' || typeof value !== 'string') continue;
    out.push({ trait, value, count: Number(count), lastAt: Number(last_at) });
  }
  return out;
}

function toState(r: Record<string, unknown>): SenderState | null {
  if (r.source !== 'forward' && r.source !== 'syslog') return null;
  return {
    source: r.source,
    sender: String(r.sender),
    containerId: text(r.container_id),
    containerName: text(r.container_name),
    tag: text(r.tag),
    host: text(r.host),
    listener: text(r.listener),
    address: text(r.address),
    events: Number(r.events),
    firstSeen: String(r.first_seen),
    lastSeen: String(r.last_seen),
    traits: traitsOf(r.traits),
  };
}

export function doctorRoutes(app: FastifyInstance, pool: Pool): void {
  app.get<{ Querystring: DoctorQuery }>(
    '/api/doctor',
    {
      schema: {
        summary: 'What to improve in each sender’s Docker logging setup, with lines to paste',
        querystring: {
          type: 'object',
          properties: {
            since: {
              type: 'string',
              maxLength: 64,
              description: `senders seen since: RFC 3339 time, epoch ms, or an age (default ${DEFAULT_SINCE})`,
            },
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
          },
          additionalProperties: true,
        },
      },
    },
    async (req) => {
      const now = Date.now();
      const since = parseTimeParam('since', req.query.since ?? DEFAULT_SINCE, now);
      const r = await pool.query(LOAD, [new Date(since), req.query.limit ?? DEFAULT_LIMIT]);
      const states = (r.rows as Record<string, unknown>[])
        .map(toState)
        .filter((s): s is SenderState => s !== null);
      return buildReport(states, new Date(now), new Date(since));
    },
  );
}
