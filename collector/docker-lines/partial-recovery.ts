/**
 * Stashed partial-line parts whose line was never finished by the process holding
 * them (it died, or the container did): written as unfinished lines. The writer's
 * claim (DELETE ... RETURNING inside the commit) makes sure exactly one process writes
 * each line, even when the owner finishes it at the same moment.
 */
import type { Pool } from '../../core/db/pool.js';
import type { LogRecord } from '../../core/record.js';
import type { Writer } from '../writer/writer.js';

export async function recoverStalePartials(
  pool: Pool,
  writer: Writer,
  olderThanMs: number,
): Promise<number> {
  const r = await pool.query<{ key: string; ordinal: number; record: LogRecord }>(
    `SELECT key, ordinal, record FROM partial_parts
      WHERE key IN (SELECT key FROM partial_parts GROUP BY key
                     HAVING max(stashed_at) < now() - make_interval(secs => $1))
      ORDER BY key, ordinal`,
    [olderThanMs / 1000],
  );
  const lines = new Map<string, LogRecord[]>();
  for (const row of r.rows) {
    const parts = lines.get(row.key) ?? [];
    parts.push(row.record);
    lines.set(row.key, parts);
  }
  const units = [...lines].map(([key, parts]) => {
    const first = parts[0]!;
    const record: LogRecord = {
      ...first,
      message: parts.map((p) => p.message).join(''),
      attrs: { ...first.attrs, partial_parts: parts.length, partial_unfinished: true },
    };
    return writer.submit({ records: [record], claims: [{ key, index: 0 }] });
  });
  await Promise.all(units);
  return units.length;
}
