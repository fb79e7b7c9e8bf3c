/**
 * Issue 17, "Tests": kill -9 of a real logharbor while its compactor is merging, at
 * seeded random points of the merge transaction, then a restart on the same data
 * directory and database, with three acking forward clients (three streams) sending
 * numbered lines and resending what was not acked. Every acked line is stored exactly
 * once (decoded from the packs), every line sent is stored in the end, and every level-0
 * pack is eventually merged.
 *
 * The kill instant is found by watching the compactor's backend in pg_stat_activity: its
 * transaction starts with the SELECT ... FOR UPDATE SKIP LOCKED (then decodes and
 * re-encodes in JavaScript), then DELETEs and COPYs (collector/compaction/compactor.ts);
 * each kill waits for a seeded stage (or a later one) of one such transaction. The
 * compactor runs with its defaults (packs older than 10 s, a round every 2 s when idle).
 * LOGHARBOR_KILL_SEED repeats a run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { startServer, type BenchServer } from '../../../dev/server.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { ResendingForwardClient } from '../reliability/forward-client.js';
import { lostOf, printRow, storedMessages, waitFor } from '../reliability/tally.js';
import { seeded } from './fixture.js';

const STAGES = ['select', 'delete', 'copy', 'commit'] as const;
type Stage = (typeof STAGES)[number];

/** Where a backend of the compactor's transaction is, from its current (or last) statement. */
function stageOf(query: string): Stage | null {
  if (query.includes('FOR UPDATE SKIP LOCKED')) return 'select';
  if (query.startsWith('DELETE FROM log_packs p USING unnest')) return 'delete';
  if (query.startsWith('COPY log_packs')) return 'copy';
  if (query.trim() === 'COMMIT') return 'commit';
  return null;
}

let db: TestDatabase | undefined;
let server: BenchServer | undefined;
const clients: ResendingForwardClient[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.stop();
  await db?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it(
  'kill -9 while the compactor merges, at seeded stages: every acked line stored once, all merged',
  { timeout: 180_000 },
  async () => {
    const seed = Number(process.env.LOGHARBOR_KILL_SEED ?? Date.now() % 1_000_000);
    const random = seeded(seed);
    console.log(`kill-compaction seed ${seed} (LOGHARBOR_KILL_SEED=${seed} repeats it)`);
    db = await createTestDatabase('lh_kill_compact');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lh-kill-compact-'));
    dirs.push(dataDir);
    const env = { DATABASE_URL: db.url, LOGHARBOR_DATA_DIR: dataDir, LOGHARBOR_LOG_LEVEL: 'fatal' };
    let srv = await startServer(env);
    server = srv;
    const tags = ['kca', 'kcb', 'kcc'];
    for (const tag of tags) {
      const c = new ResendingForwardClient({
        port: () => srv.ports['forward-tcp']!,
        tag,
        perChunk: 10,
        inFlight: 2,
        ackTimeoutMs: 2000,
      });
      clients.push(c);
      c.start();
    }
    const watch = new pg.Client({ connectionString: db.url });
    await watch.connect();
    const level0 = async () =>
      Number(
        (await watch.query<{ n: string }>('SELECT count(*) AS n FROM log_packs WHERE level = 0'))
          .rows[0]!.n,
      );

    /**
     * Resolves once one compactor transaction has reached `target` (or a later stage), and
     * for the long SELECT stage (decoding and encoding) after `polls` more looks at a
     * transaction in it: the same one or a later one, as a merge of a few seconds of lines
     * may end before a second look (LOGHARBOR_KILL_SEED=349636 waited for one in vain).
     */
    const reachStage = async (target: Stage, polls: number): Promise<Stage> => {
      let tracked: { pid: number; xact: string } | null = null;
      let inTarget = 0;
      let reached: Stage | null = null;
      await waitFor(
        `a compactor transaction at ${target}`,
        async () => {
          const r = await watch.query<{ pid: number; xact: string; query: string }>(
            `SELECT pid, xact_start::text AS xact, query FROM pg_stat_activity
              WHERE datname = current_database() AND xact_start IS NOT NULL
                AND pid <> pg_backend_pid()`,
          );
          const mine = tracked
            ? r.rows.find((x) => x.pid === tracked!.pid && x.xact === tracked!.xact)
            : r.rows.find((x) => stageOf(x.query) === 'select');
          if (!mine) {
            tracked = null;
            return false;
          }
          tracked = { pid: mine.pid, xact: mine.xact };
          const stage = stageOf(mine.query);
          if (stage === null || STAGES.indexOf(stage) < STAGES.indexOf(target)) return false;
          if (stage === target && inTarget++ < polls) return false;
          reached = stage;
          return true;
        },
        60_000,
        // DELETE, COPY and COMMIT of a small merge last a few ms each: looked for often.
        5,
      );
      return reached!;
    };

    const kills = 5;
    const hits: string[] = [];
    let mergedBefore = 0;
    for (let i = 0; i < kills; i++) {
      const target = STAGES[Math.floor(random() * 3)]!;
      const polls = target === 'select' ? Math.floor(random() * 4) : 0;
      const stage = await reachStage(target, polls);
      const exited = new Promise((r) => srv.proc.once('exit', r));
      srv.proc.kill('SIGKILL');
      await exited;
      hits.push(stage);
      mergedBefore = Number(
        (await watch.query<{ n: string }>('SELECT count(*) AS n FROM log_packs WHERE level > 0'))
          .rows[0]!.n,
      );
      srv = await startServer(env);
      server = srv;
    }
    const acks = clients.map((c) => c.acked.size);
    await waitFor(
      'more acks after the last restart',
      () => clients.every((c, i) => c.acked.size >= acks[i]! + 20),
      60_000,
    );
    for (const c of clients) await c.finish(60_000);
    // Every level-0 pack merged: the compactor takes them once 10 s old.
    await waitFor('every level-0 pack merged', async () => (await level0()) === 0, 60_000);
    const merged = Number(
      (await watch.query<{ n: string }>('SELECT count(*) AS n FROM log_packs WHERE level > 0'))
        .rows[0]!.n,
    );
    await watch.end();
    for (const [i, c] of clients.entries()) {
      const acked = c.ackedEvents();
      const stored = await storedMessages(db.url, `${tags[i]} %`);
      printRow({
        fault: `logharbor SIGKILL x${kills} while compacting (${hits.join(', ')})`,
        load: `forward ${tags[i]}: 2 x 10 in flight`,
        sent: c.sentEvents,
        acked: acked.length,
        stored: stored.distinct.size,
        duplicates: stored.duplicates,
        lost: lostOf(acked, stored),
        recovery: `${merged} merged packs, 0 level-0 left (${mergedBefore} at the last kill); seed ${seed}`,
      });
      expect(lostOf(acked, stored)).toBe(0);
      expect(stored.duplicates).toBe(0);
      expect(stored.distinct.size).toBe(c.sentEvents);
    }
    expect(hits).toHaveLength(kills);
    expect(merged).toBeGreaterThan(0);
  },
);
