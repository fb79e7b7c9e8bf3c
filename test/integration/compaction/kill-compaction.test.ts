/**
 * Issue 17, "Tests": kill -9 of a real logharbor while its compactor is merging, at
 * seeded random points of the merge transaction, then a restart on the same data
 * directory and database, with three acking forward clients (three streams) sending
 * numbered lines and resending what was not acked. Every acked line is stored exactly
 * once (decoded from the packs), every line sent is stored in the end, and every level-0
 * pack is eventually merged.
 *
 * The kill instant is found by watching the compactor's backends in pg_stat_activity
 * (collector/compaction/compactor.ts): it reads a stream's packs (then decodes and
 * re-encodes them in JavaScript, outside any transaction), then in one transaction locks
 * them (SELECT ... FOR UPDATE SKIP LOCKED), DELETEs and COPYs; each kill waits for a
 * seeded stage (or a later one). The compactor runs with its defaults (packs older than
 * 10 s, a round every 2 s when idle). LOGHARBOR_KILL_SEED repeats a run.
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
import { COMPACTOR_APP } from '../../../collector/compaction/compactor.js';

const STAGES = ['read', 'lock', 'delete', 'copy', 'commit'] as const;
type Stage = (typeof STAGES)[number];

/** The compactor's stage a backend is at, from its current (or last) statement. */
function stageOf(query: string): Stage | null {
  if (query.includes('FOR UPDATE OF p SKIP LOCKED')) return 'lock';
  if (query.includes('FROM log_packs') && query.includes('ORDER BY min_id')) return 'read';
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
     * Resolves once the compactor has reached `target` (or a later stage): a backend
     * running (or, for `read`, done with and decoding after) the read, or a transaction of
     * the compactor's at a later statement. For the long read stage (decoding and encoding
     * in JavaScript) it takes `polls` more looks first. Several merges may go by between
     * looks: the stage seen is what counts.
     */
    const reachStage = async (target: Stage, polls: number): Promise<Stage> => {
      let inTarget = 0;
      let reached: Stage | null = null;
      await waitFor(
        `the compactor at ${target}`,
        async () => {
          const r = await watch.query<{ xact: string | null; query: string; app: string }>(
            `SELECT xact_start::text AS xact, query, application_name AS app FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          );
          let best = -1;
          for (const x of r.rows) {
            const stage = stageOf(x.query);
            // Past the read, only the compactor's transaction, while open (the writer COPYs
            // into log_packs too; a COMMIT done is over).
            if (stage === null) continue;
            if (stage !== 'read' && (x.xact === null || x.app !== COMPACTOR_APP)) continue;
            best = Math.max(best, STAGES.indexOf(stage));
          }
          if (best < STAGES.indexOf(target)) return false;
          if (best === STAGES.indexOf(target) && inTarget++ < polls) return false;
          reached = STAGES[best]!;
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
      const target = STAGES[Math.floor(random() * 4)]!;
      const polls = target === 'read' ? Math.floor(random() * 4) : 0;
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
