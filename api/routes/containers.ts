/**
 * GET /api/containers: the containers seen, with Compose project/service, counts and last
 * seen, from the tables the writer keeps (no scan of `logs`):
 *
 *   ?from=&to=   the containers seen in that range (event time, to the minute), each with
 *                `count_in_range` from the per-minute counts (migrations 008 and 010)
 *   ?all=1       every container ever seen (with a range too: counts in it, 0 for some)
 *   neither      every container ever seen, as before issue 18
 *
 * A container known only by id (Docker's syslog driver with its default tag) has
 * `container_name: null`; the page filters it by `container:<id>`.
 *
 * With the Docker engine's socket (api/docker/), each container also gets its state now
 * (`state`, `restarts`, `started_at`, `finished_at`, `docker_name`; null when the engine
 * does not know it), and a range hides only the long-gone ones: not seen in the range and
 * unknown to the engine (an exited container that stopped logging still shows).
 */
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../core/db/pool.js';
import { Errors, LogharborError } from '../../core/errors.js';
import { DockerIndex } from '../docker/match.js';
import type { DockerState, DockerStateName } from '../docker/state.js';
import { parseTimeParam } from '../search/time-range.js';

interface ContainersQuery {
  from?: string;
  to?: string;
  all?: string;
}

const TIME = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

/**
 * Every container, with its records in [$1, $2) when a range is given ($1 NULL: none).
 * Each sum is an index range per container (the keys lead with the container), so the
 * cost follows the containers and the minutes of the range, not the whole tables.
 * Records without a name are counted under their id (unnamed_container_minutes), and
 * given to the row that holds that id: its id-only row, or its named row once the name
 * is known (collector/writer/summaries.ts).
 */
const LIST = `
SELECT c.container_name, c.container_id, c.project, c.service, c.host, c.count::text AS count,
       to_char(c.first_seen AT TIME ZONE 'UTC', ${TIME}) AS first_seen,
       to_char(c.last_seen AT TIME ZONE 'UTC', ${TIME}) AS last_seen,
       CASE WHEN $1::timestamptz IS NULL THEN NULL ELSE
         (coalesce((SELECT sum(m.n) FROM container_minutes m
                     WHERE m.container_name = c.container_name
                       AND m.minute >= date_trunc('minute', $1::timestamptz) AND m.minute < $2), 0)
        + coalesce((SELECT sum(u.n) FROM unnamed_container_minutes u
                     WHERE u.container_id >= left(c.container_id, 12)
                       AND u.container_id < left(c.container_id, 12) || 'g'
                       AND left(u.container_id, 12) = left(c.container_id, 12)
                       AND u.minute >= date_trunc('minute', $1::timestamptz) AND u.minute < $2), 0)
         )::text END AS in_range
  FROM containers c
 ORDER BY c.project NULLS LAST, c.service NULLS LAST, c.container_name NULLS LAST, c.container_id`;

export interface ContainerRow {
  container_name: string | null;
  container_id: string | null;
  project: string | null;
  service: string | null;
  host: string | null;
  /** Records stored since the container was first seen. */
  count: number;
  first_seen: string;
  last_seen: string;
  /** Records with an event time in the range asked; null without a range. */
  count_in_range: number | null;
  /** From the Docker engine; all null without its socket or when it does not know the container. */
  state: DockerStateName | null;
  restarts: number | null;
  started_at: string | null;
  finished_at: string | null;
  /** The engine's name for it (without the slash): a container known only by id gets one. */
  docker_name: string | null;
}

type Base =
  'count' | 'count_in_range' | 'state' | 'restarts' | 'started_at' | 'finished_at' | 'docker_name';

interface ListRow extends Omit<ContainerRow, Base> {
  count: string;
  in_range: string | null;
}

/** The range asked, or null for none (neither `from` nor `to`): defaults as the histogram's. */
function rangeOf(q: ContainersQuery, now: number): { fromMs: number; toMs: number } | null {
  if (q.from === undefined && q.to === undefined) return null;
  const fromMs = parseTimeParam('from', q.from ?? '24h', now);
  const toMs = parseTimeParam('to', q.to ?? 'now', now);
  if (toMs <= fromMs) throw new LogharborError(Errors.BAD_REQUEST, '`to` must be after `from`');
  return { fromMs, toMs };
}

export function containersRoutes(
  app: FastifyInstance,
  pool: Pool,
  docker: DockerState | null,
): void {
  app.get<{ Querystring: ContainersQuery }>(
    '/api/containers',
    {
      schema: {
        summary: 'Containers seen (in a time range, or all), for the side list',
        querystring: {
          type: 'object',
          properties: {
            from: { type: 'string', maxLength: 64, description: 'as /api/logs' },
            to: { type: 'string', maxLength: 64, description: 'as /api/logs' },
            all: { type: 'string', enum: ['0', '1', 'true', 'false'] },
          },
          additionalProperties: true,
        },
      },
    },
    async (req) => {
      const range = rangeOf(req.query, Date.now());
      const all = req.query.all === '1' || req.query.all === 'true' || range === null;
      const [r, engine] = await Promise.all([
        pool.query<ListRow>(LIST, [
          range ? new Date(range.fromMs).toISOString() : null,
          range ? new Date(range.toMs).toISOString() : null,
        ]),
        docker?.containers() ?? null,
      ]);
      const index = engine ? new DockerIndex(engine) : null;
      const containers: ContainerRow[] = [];
      for (const { in_range, ...c } of r.rows) {
        const inRange = in_range === null ? null : Number(in_range);
        const d = index?.find(c) ?? null;
        if (!all && inRange === 0 && d === null) continue;
        containers.push({
          ...c,
          count: Number(c.count),
          count_in_range: inRange,
          state: d?.state ?? null,
          restarts: d?.restarts ?? null,
          started_at: d?.startedAt ?? null,
          finished_at: d?.finishedAt ?? null,
          docker_name: d?.name ?? null,
        });
      }
      // docker: whether the states came from the engine (false: no socket, or it did not answer).
      return { containers, docker: engine !== null };
    },
  );
}
