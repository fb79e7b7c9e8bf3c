/**
 * Summaries the writer keeps beside the rows, in the same transaction as each batch:
 * the container list (migration 002) and per-minute counts (migration 004), so the
 * container list and the unfiltered histogram never scan `logs`.
 */
import type { PoolClient } from '../../core/db/pool.js';
import type { Committed } from './unit.js';

/**
 * The container list (migration 002): one upsert per batch with the batch's counts.
 * Names are sorted so two writers lock rows in the same order (no deadlock).
 */
export async function upsertContainers(client: PoolClient, committed: Committed[]): Promise<void> {
  const seen = new Map<
    string,
    {
      id: string | null;
      project: string | null;
      service: string | null;
      host: string | null;
      n: number;
      last: number;
    }
  >();
  for (const { record: r } of committed) {
    if (r.containerName === null) continue;
    const c = seen.get(r.containerName);
    if (c) {
      c.n++;
      c.last = Math.max(c.last, r.receivedAt);
      c.id = r.containerId ?? c.id;
    } else {
      seen.set(r.containerName, {
        id: r.containerId,
        project: r.project,
        service: r.service,
        host: r.host,
        n: 1,
        last: r.receivedAt,
      });
    }
  }
  if (seen.size === 0) return;
  const names = [...seen.keys()].sort();
  const col = <K extends 'id' | 'project' | 'service' | 'host' | 'n' | 'last'>(k: K) =>
    names.map((n) => seen.get(n)![k]);
  await client.query(
    `INSERT INTO containers AS c (container_name, container_id, project, service, host, count, first_seen, last_seen)
     SELECT name, id, project, service, host, n, to_timestamp(last / 1000.0), to_timestamp(last / 1000.0)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::float8[])
            AS u(name, id, project, service, host, n, last)
     ON CONFLICT (container_name) DO UPDATE SET
       container_id = coalesce(excluded.container_id, c.container_id),
       project = coalesce(excluded.project, c.project),
       service = coalesce(excluded.service, c.service),
       host = coalesce(excluded.host, c.host),
       count = c.count + excluded.count,
       last_seen = greatest(c.last_seen, excluded.last_seen)`,
    [names, col('id'), col('project'), col('service'), col('host'), col('n'), col('last')],
  );
}

/** Per-minute counts for the unfiltered histogram (migration 004); keys sorted (no deadlock). */
export async function upsertMinutes(client: PoolClient, committed: Committed[]): Promise<void> {
  const perMinute = new Map<number, number>();
  for (const { record } of committed) {
    const minute = Math.floor(record.tsSec / 60) * 60;
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
  }
  const minutes = [...perMinute.keys()].sort((a, b) => a - b);
  await client.query(
    `INSERT INTO log_minutes AS m (minute, n)
     SELECT to_timestamp(t), n FROM unnest($1::float8[], $2::bigint[]) AS u(t, n)
     ON CONFLICT (minute) DO UPDATE SET n = m.n + excluded.n`,
    [minutes, minutes.map((m) => perMinute.get(m)!)],
  );
}
