/**
 * A group of several units (groups.ts) as the one unit the drain hands the writer: one
 * unit is one transaction, whatever the writer's batching does (it cuts batches at
 * LOGHARBOR_BATCH_SIZE and splits a refused batch unit by unit), so a message whose lines
 * came in several requests is stored whole or not at all.
 *
 * The writer records a unit's single `seq` in spool_drained inside its transaction; a
 * group holds several. So the group's unit carries none: the drain records the group's
 * sequence numbers right after the commit (drainer.ts), and the unit carries a chunk id
 * made of the spool id and those numbers instead. The writer stores a chunk id once
 * (forward_chunks, in the same transaction as the rows): after a crash between the commit
 * and that record, the drain replays the group's units, the joiner builds the same group
 * again (joiner.ts: deterministic), and the writer skips it as already stored. A group
 * rebuilt differently (only under the joiner's memory bounds) has another id: it may be
 * stored twice, never lost.
 */
import { createHash } from 'node:crypto';
import type { WriteUnit } from '../writer/unit.js';
import type { ReadyGroup } from './joiner.js';

/** Chunk ids of groups: apart from a sender's ids (Docker's are base64, imports' `import:`). */
export const GROUP_CHUNK_PREFIX = 'multiline:';

export function groupChunk(spoolId: string, seqs: readonly number[]): string {
  const h = createHash('sha256')
    .update(`${spoolId}\n${seqs.join(',')}`)
    .digest('base64url');
  return `${GROUP_CHUNK_PREFIX}${seqs[0]}-${seqs[seqs.length - 1]}:${h.slice(0, 24)}`;
}

/** The group's records, in sequence order, as one unit without a sequence number. */
export function groupUnit(spoolId: string, g: ReadyGroup): WriteUnit {
  const records = [];
  for (const u of g.units) {
    // The joiner keeps units with chunks, stashes or claims alone (joiner.ts, push).
    if (u.chunk || u.stash !== undefined || u.claims !== undefined)
      throw new Error('a multi-line group holds a unit with a chunk, a stash or claims');
    for (const r of u.records) records.push(r);
  }
  return { records, chunk: groupChunk(spoolId, g.seqs) };
}
