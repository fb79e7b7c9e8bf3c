/**
 * Docker partial-line parts kept durably in PostgreSQL until their line is complete
 * (partial_parts, migration 001; partial-join.ts decides what is stashed and claimed).
 * Inside a batch's transaction: first the parts its units stash, then the lines its
 * units finish claim their stashes (DELETE ... RETURNING). A claim that finds nothing
 * means another process already wrote that line from the stash (partial-recovery.ts):
 * the joined record is then skipped, so each line is stored exactly once.
 */
import type { PoolClient } from '../../core/db/pool.js';
import type { WriteUnit } from '../writer/unit.js';

/**
 * Writes the stashed parts of `units` (but those in `skipUnit`) and claims the stashes of
 * their joined lines; returns, per unit index, the record indexes not to write.
 */
export async function stashAndClaim(
  client: PoolClient,
  units: WriteUnit[],
  skipUnit: Set<number>,
): Promise<Map<number, Set<number>>> {
  const keys: string[] = [];
  const ordinals: number[] = [];
  const records: string[] = [];
  const claims: { unit: number; key: string; index: number }[] = [];
  units.forEach((unit, u) => {
    if (skipUnit.has(u)) return;
    for (const s of unit.stash ?? []) {
      keys.push(s.key);
      ordinals.push(s.ordinal);
      records.push(JSON.stringify(s.record));
    }
    for (const c of unit.claims ?? []) claims.push({ unit: u, ...c });
  });
  if (keys.length > 0) {
    await client.query(
      `INSERT INTO partial_parts (key, ordinal, record)
       SELECT * FROM unnest($1::text[], $2::int[], $3::jsonb[]) ON CONFLICT DO NOTHING`,
      [keys, ordinals, records],
    );
  }
  const skip = new Map<number, Set<number>>();
  if (claims.length === 0) return skip;
  const r = await client.query<{ key: string }>(
    'DELETE FROM partial_parts WHERE key = ANY($1::text[]) RETURNING key',
    [[...new Set(claims.map((c) => c.key))]],
  );
  const claimed = new Set(r.rows.map((x) => x.key));
  for (const c of claims) {
    if (claimed.has(c.key)) continue;
    if (!skip.has(c.unit)) skip.set(c.unit, new Set());
    skip.get(c.unit)!.add(c.index);
  }
  return skip;
}

/** A unit with parts to stash or claim: written with no other batch in flight, so a claim sees its stash committed. */
export function touchesStash(unit: WriteUnit): boolean {
  return (unit.stash?.length ?? 0) > 0 || (unit.claims?.length ?? 0) > 0;
}
