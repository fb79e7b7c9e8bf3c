/**
 * The drain lets go of what it stored (collector/sink/drainer.ts): once a unit is handed
 * over, committed and its sequence number recorded, nothing in the sink keeps its records
 * reachable. The drain's in-memory queue kept consumed slots until it compacted the array
 * every 1024 units: with PackedForward units of 1000 lines that was a million records,
 * the 1 GB peak RSS of the ingest benchmark. Checked with the garbage collector itself:
 * weak references to the records of units the sink stored must be cleared (300 of 300
 * stayed alive before the fix).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../core/db/migrate.js';
import { createPool, type Pool } from '../../../core/db/pool.js';
import { newRecord, type LogRecord } from '../../../core/record.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { drained, openTestSink } from '../../support/spool-sink.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let db: TestDatabase;
let pool: Pool;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase('sink_memory');
  pool = createPool(db.url, { max: 6 });
  await migrate(pool);
  dir = mkdtempSync(path.join(tmpdir(), 'lh-sink-memory-'));
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

const UNITS = 300;
const PER_UNIT = 20;

/** A unit of PER_UNIT records; only a weak reference to its records leaves this function. */
function unit(u: number): { unit: { records: LogRecord[] }; ref: WeakRef<LogRecord[]> } {
  const t = Math.floor(Date.now() / 1000);
  const records = Array.from({ length: PER_UNIT }, (_, i) => ({
    ...newRecord('forward', t, u * PER_UNIT + i, `unit ${u} line ${i}`),
    containerName: `memory-${u % 7}`,
  }));
  return { unit: { records }, ref: new WeakRef(records) };
}

describe('the drain lets go of stored units', () => {
  it('no record of a stored unit stays reachable from the sink', async () => {
    const sink = await openTestSink(pool, dir, { multiline: { enabled: false } });
    try {
      const refs: WeakRef<LogRecord[]>[] = [];
      const acks: Promise<unknown>[] = [];
      for (let u = 0; u < UNITS; u++) {
        const made = unit(u);
        refs.push(made.ref);
        acks.push(sink.accept(made.unit));
      }
      await Promise.all(acks);
      await drained(sink);
      const stored = await pool.query<{ n: string }>(
        `SELECT sum(rows)::text AS n FROM log_packs WHERE container_name LIKE 'memory-%'`,
      );
      expect(Number(stored.rows[0]!.n)).toBe(UNITS * PER_UNIT);
      // Let pending callbacks of the last commits finish before collecting.
      await new Promise((r) => setImmediate(r));
      gc();
      // The newest batch (batchSize 200: 10 units) may stay with the live tail's record of
      // its own recent commits (api/tail/commit-feed.ts, bounded); nothing older may.
      const alive = refs.flatMap((r, i) => (r.deref() === undefined ? [] : [i]));
      expect(alive.length).toBeLessThanOrEqual(200 / PER_UNIT);
      expect(alive.every((i) => i >= UNITS - 200 / PER_UNIT)).toBe(true);
    } finally {
      await sink.close();
    }
  });
});
