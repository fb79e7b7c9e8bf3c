/**
 * The multi-line joiner under crashes (issue 19 part 2): fast-check interleavings of
 * traces sent a line per request by two containers, ordinary lines, commits and crashes,
 * on a real spool drained to a real PostgreSQL (the crash is played as in
 * test/integration/sink/crash.test.ts: the spool directory copied as it is on disk, the old
 * sink stopped at once, its connections ended). Every line acked before the last crash is
 * stored exactly once, inside whatever record; no line is stored twice; and the traces
 * whose lines all survived come out whole.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../core/db/migrate.js';
import { createPool, type Pool } from '../../../core/db/pool.js';
import { newRecord } from '../../../core/record.js';
import { storedRows } from '../../../dev/stored-rows.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { drained, openTestSink } from '../../support/spool-sink.js';

type Command =
  | { kind: 'trace'; c: number; frames: number }
  | { kind: 'line'; c: number }
  | { kind: 'turns'; n: number }
  | { kind: 'commits'; n: number }
  | { kind: 'crash' };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('trace' as const),
      c: fc.integer({ min: 0, max: 1 }),
      frames: fc.integer({ min: 1, max: 8 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('line' as const), c: fc.integer({ min: 0, max: 1 }) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('turns' as const),
      n: fc.integer({ min: 1, max: 100 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('commits' as const),
      n: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'crash' as const }) },
);

/** Small batches and window: more commits, so more places for a crash. */
const SMALL = { batchSize: 50, window: 200 };

let db: TestDatabase;
let admin: Pool;
let run = 0;

beforeAll(async () => {
  db = await createTestDatabase('multiline_crash');
  admin = createPool(db.url, { max: 2 });
  await migrate(admin);
});
afterAll(async () => {
  await admin?.end();
  await db?.drop();
});

/**
 * The spool directory as it is on disk now. The spool may rename a preallocated segment
 * while it is copied (ENOENT): the copy is then taken again.
 */
function snapshot(dir: string): string {
  for (let attempt = 0; ; attempt++) {
    const copy = mkdtempSync(path.join(tmpdir(), 'lh-ml-crash-'));
    try {
      cpSync(dir, copy, { recursive: true });
      return copy;
    } catch (e) {
      rmSync(copy, { recursive: true, force: true });
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 5) throw e;
    }
  }
}

describe('multi-line joiner, spool, drain and crash', () => {
  it(
    'any interleaving of traces, commits and crashes stores every acked line once',
    { timeout: 600_000 },
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 20 }), async (cmds) => {
          const tag = `mlcrash${++run}`;
          const dirs = [mkdtempSync(path.join(tmpdir(), 'lh-ml-crash-'))];
          let generation = 0;
          let app = `${tag}-${generation}`;
          let pool = createPool(db.url, { max: 4, applicationName: app });
          let sink = await openTestSink(pool, dirs[0]!, SMALL);
          const appended = new Set<string>();
          let acked = new Set<string>();
          const survivors = new Set<string>();
          const traces: string[][] = [];
          let n = 0;
          const send = (c: number, line: string) => {
            appended.add(line);
            const mine = acked;
            const rec = {
              ...newRecord('forward', 1_764_300_000, n, line),
              containerId: `${tag}-${c}`.padEnd(64, '0'),
              containerName: `${tag}-${c}`,
              stream: 'stderr' as const,
            };
            sink.accept({ records: [rec] }).then(
              () => mine.add(line),
              () => undefined,
            );
          };
          try {
            for (const cmd of cmds) {
              if (cmd.kind === 'trace') {
                const k = n++;
                const lines = [
                  `java.lang.IllegalStateException: ${tag} e${k}`,
                  ...Array.from(
                    { length: cmd.frames },
                    (_, i) => `\tat a.B.m${k}x${i}(B.java:${i})`,
                  ),
                ];
                traces.push(lines);
                for (const l of lines) send(cmd.c, l);
              } else if (cmd.kind === 'line') {
                send(cmd.c, `GET /${tag}/${n++} 200`);
              } else if (cmd.kind === 'commits') {
                for (let i = 0; i < cmd.n && sink.status().waiting > 0; i++)
                  await new Promise((r) => sink.writer.once('committed', r));
              } else if (cmd.kind === 'turns') {
                for (let i = 0; i < cmd.n; i++) await new Promise((r) => setImmediate(r));
              } else {
                const copy = snapshot(dirs[dirs.length - 1]!);
                dirs.push(copy);
                for (const m of acked) survivors.add(m);
                acked = new Set();
                sink.abandon();
                await admin.query(
                  'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
                  [app],
                );
                await pool.end();
                generation++;
                app = `${tag}-${generation}`;
                pool = createPool(db.url, { max: 4, applicationName: app });
                sink = await openTestSink(pool, copy, SMALL);
              }
            }
            await drained(sink, 30_000);
            for (const m of acked) survivors.add(m);
            const r = await admin.query<{ message: string }>(
              `SELECT message FROM ${await storedRows(admin)} WHERE container_name LIKE $1`,
              [`${tag}-%`],
            );
            const count = new Map<string, number>();
            for (const row of r.rows)
              for (const l of row.message.split('\n')) count.set(l, (count.get(l) ?? 0) + 1);
            const doubled = [...count].filter(([, k]) => k > 1).map(([m]) => m);
            const lost = [...survivors].filter((m) => !count.has(m));
            const foreign = [...count.keys()].filter((m) => !appended.has(m));
            expect({ doubled, lost, foreign }).toEqual({ doubled: [], lost: [], foreign: [] });
            // A trace every line of which was stored is one record (lines of one stream
            // arrive within the window: a test run sends them in one turn).
            const messages = new Set(r.rows.map((x) => x.message));
            for (const t of traces)
              if (t.every((l) => count.has(l))) expect(messages).toContain(t.join('\n'));
            if (generation === 0) expect(count.size).toBe(appended.size);
          } finally {
            await sink.close(1000).catch(() => undefined);
            await pool.end().catch(() => undefined);
            for (const d of dirs) rmSync(d, { recursive: true, force: true });
          }
        }),
        { numRuns: Number(process.env.LOGHARBOR_CRASH_RUNS ?? 10) },
      );
    },
  );
});
