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
import { listContainers, type StoredContainer } from '../container-list.js';
import { DockerIndex } from '../docker/match.js';
import type { DockerState, DockerStateName } from '../docker/state.js';
import { parseTimeParam } from '../search/time-range.js';

interface ContainersQuery {
  from?: string;
  to?: string;
  all?: string;
}

export interface ContainerRow extends StoredContainer {
  /** From the Docker engine; all null without its socket or when it does not know the container. */
  state: DockerStateName | null;
  restarts: number | null;
  started_at: string | null;
  finished_at: string | null;
  /** The engine's name for it (without the slash): a container known only by id gets one. */
  docker_name: string | null;
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
      const [stored, engine] = await Promise.all([
        listContainers(pool, range),
        docker?.containers() ?? null,
      ]);
      const index = engine ? new DockerIndex(engine) : null;
      const containers: ContainerRow[] = [];
      for (const c of stored) {
        const d = index?.find(c) ?? null;
        if (!all && c.count_in_range === 0 && d === null) continue;
        containers.push({
          ...c,
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
