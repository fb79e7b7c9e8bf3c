/**
 * The multi-line joiner in the drain (collector/sink/drainer.ts, collector/multiline/): a
 * real spool drained to a real PostgreSQL. A trace whose lines came one per request is
 * stored as one record; with the joiner off, line by line; a crash while the joiner holds
 * the lines, or between the commit of a group and the record of its sequence numbers,
 * neither loses nor doubles a line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../core/db/migrate.js';
import { createPool, type Pool } from '../../../core/db/pool.js';
import { newRecord, type LogRecord } from '../../../core/record.js';
import { storedRows } from '../../../dev/stored-rows.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { captured } from '../../unit/multiline/helpers.js';
import { drained, openTestSink } from '../../support/spool-sink.js';

let db: TestDatabase;
let pool: Pool;
const dirs: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase('multiline_drain');
  pool = createPool(db.url, { max: 6 });
  await migrate(pool);
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** One line per unit, as Docker's fluentd driver sends them, for container `name`. */
function lineUnits(name: string, lines: string[]): { records: LogRecord[] }[] {
  const t = Math.floor(Date.now() / 1000);
  return lines.map((message, i) => ({
    records: [
      {
        ...newRecord('forward', t, i, message),
        containerId: name.padEnd(64, '0'),
        containerName: name,
        stream: 'stderr' as const,
      },
    ],
  }));
}

async function messages(name: string): Promise<{ message: string; parts: unknown }[]> {
  const rows = await pool.query<{ message: string; parts: unknown }>(
    `SELECT message, attrs->'multiline_parts' AS parts FROM ${await storedRows(pool)}
      WHERE container_name = $1 ORDER BY id`,
    [name],
  );
  return rows.rows;
}

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'lh-ml-drain-'));
  dirs.push(d);
  return d;
}

/** A SEVERE line with its trace, a blank line, an uncaught exception's trace (OpenJDK 17). */
const TRACE = captured('java-order-service', 'stderr');
/** The second trace alone (captured/java-order-service.expected.json: lines 18-32). */
const JAVA = TRACE.slice(17);

describe('multi-line joiner in the drain', () => {
  it('stores a trace sent one line per request as one record, and off line by line', async () => {
    const on = await openTestSink(pool, tempDir());
    for (const u of lineUnits('ml-on', TRACE)) await on.accept(u);
    await drained(on, 15_000);
    await on.close();
    expect(await messages('ml-on')).toEqual([
      { message: TRACE.slice(0, 16).join('\n'), parts: 16 },
      { message: '', parts: null },
      { message: JAVA.join('\n'), parts: JAVA.length },
    ]);

    const off = await openTestSink(pool, tempDir(), { multiline: { enabled: false } });
    for (const u of lineUnits('ml-off', TRACE)) await off.accept(u);
    await drained(off, 15_000);
    await off.close();
    const lines = await messages('ml-off');
    expect(lines.map((r) => r.message)).toEqual(TRACE);
    expect(lines.every((r) => r.parts === null)).toBe(true);
  });

  it('a crash while the joiner holds the lines: the next start joins them once', async () => {
    const dir = tempDir();
    // A window no test run reaches: the lines are surely held when the sink stops.
    const held = { windowMs: 600_000, maxSpanMs: 600_000, maxGroupMs: 600_000 };
    const first = await openTestSink(pool, dir, { multiline: held });
    for (const u of lineUnits('ml-crash', JAVA)) await first.accept(u);
    expect(first.status().waiting).toBeGreaterThan(0);
    first.abandon();
    expect(await messages('ml-crash')).toEqual([]);

    const second = await openTestSink(pool, dir);
    await drained(second, 15_000);
    await second.close();
    expect(await messages('ml-crash')).toEqual([{ message: JAVA.join('\n'), parts: JAVA.length }]);
  });

  it('a crash between a group commit and the record of its sequence numbers stores it once', async () => {
    const dir = tempDir();
    const first = await openTestSink(pool, dir);
    for (const u of lineUnits('ml-record', JAVA)) await first.accept(u);
    await drained(first, 15_000);
    first.abandon();
    expect(await messages('ml-record')).toEqual([{ message: JAVA.join('\n'), parts: JAVA.length }]);
    // What a crash right after the commit leaves: the rows and the group's chunk id, but
    // no spool_drained rows for its units (recorded after the commit).
    const n = await pool.query(`DELETE FROM spool_drained WHERE spool_id = $1`, [first.spoolId]);
    expect(n.rowCount).toBeGreaterThan(0);

    const second = await openTestSink(pool, dir);
    await drained(second, 15_000);
    expect(second.multiline.joined).toBe(1); // the same group was built again ...
    await second.close();
    // ... and skipped as stored.
    expect(await messages('ml-record')).toEqual([{ message: JAVA.join('\n'), parts: JAVA.length }]);
  });
});
