/**
 * The SQL the compactor shares: writing packs with binary COPY (collector/writer/
 * copy-binary.ts, the writer's own encoder) and naming a stream's label set in a WHERE.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import copyStreams from 'pg-copy-streams';
import type { PoolClient } from '../../core/db/pool.js';
import type { EncodedPack } from '../../core/packs/encode.js';
import { LABEL_COLUMNS, type PackLabels } from '../../core/packs/labels.js';
import { BinaryCopy, PACK_COLUMNS } from '../writer/copy-binary.js';

const COPY_SQL = `COPY log_packs (${PACK_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`;

/** Writes `packs` at `level` in the client's transaction. */
export async function copyPacks(
  client: PoolClient,
  packs: readonly EncodedPack[],
  level: number,
): Promise<void> {
  if (packs.length === 0) return;
  const data = new BinaryCopy(
    packs.reduce((n, p) => n + p.data.length + p.bloom.length + (p.idBloom?.length ?? 0) + 512, 0),
  );
  for (const p of packs) data.pack(p, level);
  await pipeline(Readable.from([data.finish()]), client.query(copyStreams.from(COPY_SQL)));
}

/**
 * `col IS NOT DISTINCT FROM $n AND ...` for a stream's labels (NULL equals NULL, as GROUP
 * BY groups them), with the values to bind from `first`.
 */
export function labelsWhere(
  labels: PackLabels,
  first: number,
): { sql: string; values: (string | null)[] } {
  return {
    sql: LABEL_COLUMNS.map((c, i) => `${c} IS NOT DISTINCT FROM $${first + i}`).join(' AND '),
    values: LABEL_COLUMNS.map((c) => labels[c]),
  };
}
