/**
 * What reached the `logs` table, read straight from PostgreSQL, set against what a
 * client sent and had acked; one table row per fault (issue 6, "Done when").
 */
import pg from 'pg';
import { storedRows } from '../../../dev/stored-rows.js';

export interface Stored {
  /** Distinct messages stored. */
  distinct: Set<string>;
  /** Rows beyond the first for any message. */
  duplicates: number;
}

export async function storedMessages(databaseUrl: string, like: string): Promise<Stored> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const r = await c.query<{ message: string; n: string }>(
      `SELECT message, count(*) AS n FROM ${await storedRows(c)} WHERE message LIKE $1 GROUP BY message`,
      [like],
    );
    let duplicates = 0;
    for (const row of r.rows) duplicates += Number(row.n) - 1;
    return { distinct: new Set(r.rows.map((row) => row.message)), duplicates };
  } finally {
    await c.end();
  }
}

export interface Row {
  fault: string;
  load: string;
  sent: number;
  acked: number | string;
  stored: number;
  duplicates: number;
  lost: number | string;
  recovery: string;
}

export function lostOf(acked: string[], stored: Stored): number {
  return acked.filter((m) => !stored.distinct.has(m)).length;
}

/** Prints the row in the table's markdown form, so runs can be pasted as they are. */
export function printRow(r: Row): void {
  console.log(
    `| ${r.fault} | ${r.load} | ${r.sent} | ${r.acked} | ${r.stored} | ${r.duplicates} | ${r.lost} | ${r.recovery} |`,
  );
}

/** Resolves once `ok()` is true, asked every `everyMs`; throws `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  ok: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
