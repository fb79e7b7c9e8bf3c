/**
 * The doctor's tables (migration 005): every collector adds what it counted to them, so
 * any API process sees the traits of every sender whichever collector received it.
 * Counts add up and times keep the latest (LEAST/GREATEST), which makes the upserts of
 * several collectors commute. One statement per flush, outside the writer's batch
 * transaction: a trait is never worth delaying or failing a batch of records.
 */
import type { Pool } from '../../core/db/pool.js';
import type { Drained } from './aggregator.js';

const SAVE = `
WITH s AS (
  INSERT INTO driver_senders AS d
    (source, sender, container_id, container_name, tag, host, listener, address, events,
     first_seen, last_seen)
  SELECT source, sender, container_id, container_name, tag, host, listener, address, events,
         to_timestamp(first_ms / 1000.0), to_timestamp(last_ms / 1000.0)
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                $7::text[], $8::text[], $9::bigint[], $10::float8[], $11::float8[])
      AS u(source, sender, container_id, container_name, tag, host, listener, address, events,
           first_ms, last_ms)
  ON CONFLICT (source, sender) DO UPDATE SET
    container_id   = COALESCE(EXCLUDED.container_id, d.container_id),
    container_name = COALESCE(EXCLUDED.container_name, d.container_name),
    tag            = COALESCE(EXCLUDED.tag, d.tag),
    host           = COALESCE(EXCLUDED.host, d.host),
    listener       = EXCLUDED.listener,
    address        = COALESCE(EXCLUDED.address, d.address),
    events         = d.events + EXCLUDED.events,
    first_seen     = LEAST(d.first_seen, EXCLUDED.first_seen),
    last_seen      = GREATEST(d.last_seen, EXCLUDED.last_seen)
)
INSERT INTO driver_traits AS t (source, sender, trait, value, count, last_at)
SELECT source, sender, trait, value, n, to_timestamp(at_ms / 1000.0)
  FROM unnest($12::text[], $13::text[], $14::text[], $15::text[], $16::bigint[], $17::float8[])
    AS u(source, sender, trait, value, n, at_ms)
ON CONFLICT (source, sender, trait, value) DO UPDATE SET
  count   = t.count + EXCLUDED.count,
  last_at = GREATEST(t.last_at, EXCLUDED.last_at)`;

/** Writes one drained window; `addressOf` gives a listener's bound address (or null). */
export async function saveTraits(
  pool: Pool,
  d: Drained,
  addressOf: (listener: string) => string | null,
): Promise<void> {
  if (d.senders.length === 0) return;
  const s = d.senders;
  const t = d.traits;
  await pool.query(SAVE, [
    s.map((x) => x.source),
    s.map((x) => x.sender),
    s.map((x) => x.containerId),
    s.map((x) => x.containerName),
    s.map((x) => x.tag),
    s.map((x) => x.host),
    s.map((x) => x.listener),
    s.map((x) => addressOf(x.listener)),
    s.map((x) => x.events),
    s.map((x) => x.firstSeen),
    s.map((x) => x.lastSeen),
    t.map((x) => x.source),
    t.map((x) => x.sender),
    t.map((x) => x.trait),
    t.map((x) => x.value),
    t.map((x) => x.count),
    t.map((x) => x.lastAt),
  ]);
}

/** Forgets senders not seen, and trait values not seen again, for `olderThanMs`. */
export async function pruneTraits(pool: Pool, olderThanMs: number): Promise<void> {
  const cutoff = new Date(Date.now() - olderThanMs);
  await pool.query('DELETE FROM driver_traits WHERE last_at < $1', [cutoff]);
  await pool.query('DELETE FROM driver_senders WHERE last_seen < $1', [cutoff]);
}
