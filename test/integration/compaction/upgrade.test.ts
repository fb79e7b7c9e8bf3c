/**
 * Issue 17, the upgrade of existing data: a database holding rows in `logs` and
 * `log_blocks` as the writer stored them before packs (its own row encoder, COPY_COLUMNS
 * of collector/writer/copy-binary.ts, and its skip-index blocks, collector/writer/
 * blocks.ts, batch by batch with ids from logharbor_take_ids, as `git show
 * HEAD~:collector/writer/batch.ts` did), then a real logharbor on it: the LegacyPacker
 * packs the rows in the background, reports its progress (/api/sources
 * `upgrade_progress`, never going back across a restart), is killed with -9 in the middle
 * and resumes, and at the end `logs` and `log_blocks` are empty and every row is in
 * exactly one pack, unchanged. Search answers the same as the rows say (the query's own
 * predicate, api/query/to-predicate.ts, in (ts, id) order), before the upgrade, in the
 * half-packed state the kill left, while the resumed upgrade runs, and after it.
 * LOGHARBOR_KILL_SEED repeats a run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import copyStreams from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../api/app.js';
import { parseQuery, toPredicate } from '../../../api/query/index.js';
import { BlockWriter } from '../../../collector/writer/blocks.js';
import { BinaryCopy, COPY_COLUMNS } from '../../../collector/writer/copy-binary.js';
import { containersSql, minutesSql } from '../../../collector/writer/summaries.js';
import { migrate } from '../../../core/db/migrate.js';
import { maintainPartitions } from '../../../core/db/partitions.js';
import { createPool, type Pool } from '../../../core/db/pool.js';
import { silentLogger } from '../../../core/log.js';
import type { PackRow } from '../../../core/packs/encode.js';
import { newRecord, type StoredRecord } from '../../../core/record.js';
import { toStoredRecord } from '../../../core/stored-record.js';
import { Telemetry } from '../../../core/telemetry.js';
import { startServer, type BenchServer } from '../../../dev/server.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { waitFor } from '../reliability/tally.js';
import { decodeAll, differences, seeded } from './fixture.js';

const LINES = 100_000;
const BATCH = 4000;
const DAY_SEC = 86_400;
const QUERIES = ['timeout', 'container:svc3 level>=warn', '"user=42" -retry', '/err(or)? \\d+/'];

const seed = Number(process.env.LOGHARBOR_KILL_SEED ?? Date.now() % 1_000_000);
const random = seeded(seed);

/** Lines of six containers over the last 30 hours (two UTC days), some words rare. */
function legacyLines(): PackRow[] {
  const now = Math.floor(Date.now() / 1000);
  const common = ['GET', 'POST', '/api/orders', 'ok', 'user=7', 'cache', 'ünïcode'];
  const rows: PackRow[] = [];
  for (let i = 0; i < LINES; i++) {
    const s = i % 6;
    const words = [common[Math.floor(random() * common.length)]!];
    if (random() < 0.02) words.push('timeout');
    if (random() < 0.01) words.push('user=42');
    if (random() < 0.3) words.push('retry');
    if (random() < 0.01) words.push(`error ${Math.floor(random() * 1000)}`);
    const tsSec = now - 30 * 3600 + Math.floor((i / LINES) * 30 * 3600);
    const record = {
      ...newRecord('forward', tsSec, Math.floor(random() * 1e9), `line ${i} ${words.join(' ')}`),
      receivedAt: tsSec * 1000 + 5,
      containerId: `${s}`.repeat(64),
      containerName: `svc${s}`,
      stream: random() < 0.5 ? ('stdout' as const) : ('stderr' as const),
      severity: Math.floor(random() * 8),
      attrs: i % 4 === 0 ? { request: `r${i}`, n: i } : null,
    };
    rows.push({ id: 0, record });
  }
  return rows;
}

/**
 * Writes `rows` as the pre-pack writer did, one transaction per batch: ids from
 * logharbor_take_ids, COPY logs (binary), then the summaries and skip-index blocks; the
 * open block's real filter at the end (its shutdown). Sets each row's id.
 */
async function writeLegacy(pool: Pool, rows: PackRow[]): Promise<void> {
  const blocks = new BlockWriter();
  const client = await pool.connect();
  try {
    for (let i = 0; i < rows.length; i += BATCH) {
      const batch = rows.slice(i, i + BATCH);
      await client.query('BEGIN');
      const taken = await client.query<{ first: string }>(
        'SELECT first_id::text AS first FROM logharbor_take_ids($1)',
        [batch.length],
      );
      const first = Number(taken.rows[0]!.first);
      const copy = new BinaryCopy();
      batch.forEach((r, j) => {
        r.id = first + j;
        copy.row(r.id, r.record);
      });
      await pipeline(
        Readable.from([copy.finish()]),
        client.query(
          copyStreams.from(`COPY logs (${COPY_COLUMNS.join(', ')}) FROM STDIN (FORMAT binary)`),
        ),
      );
      await client.query(
        [containersSql(batch), minutesSql(batch), blocks.sql(batch), 'COMMIT'].join(';\n'),
      );
    }
    await client.query(blocks.closeSql());
  } finally {
    client.release();
  }
}

interface Line {
  id: number;
  sec: number;
  micro: number;
  stored: StoredRecord;
}

const newest = (a: Line, b: Line) => b.sec - a.sec || b.micro - a.micro || b.id - a.id;

describe('the upgrade of rows stored before packs', () => {
  let db: TestDatabase;
  let pool: Pool;
  let app: FastifyInstance;
  let server: BenchServer | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lh-upgrade-'));
  const rows = legacyLines();
  let all: Line[] = [];
  const range = `&from=${new Date(Date.now() - 2 * DAY_SEC * 1000).toISOString()}&to=${new Date(Date.now() + 3_600_000).toISOString()}`;

  beforeAll(async () => {
    console.log(`upgrade seed ${seed} (LOGHARBOR_KILL_SEED=${seed} repeats it)`);
    db = await createTestDatabase('lh_upgrade');
    pool = createPool(db.url, { max: 4 });
    await migrate(pool);
    await maintainPartitions(pool, { retentionMs: 30 * DAY_SEC * 1000, daysBack: 3 });
    await writeLegacy(pool, rows);
    all = rows.map(({ id, record: r }) => ({
      id,
      sec: r.tsSec,
      micro: Math.floor(r.tsNano / 1000),
      stored: toStoredRecord(id, r),
    }));
    app = await buildApp({ pool, telemetry: new Telemetry(), log: silentLogger, apiToken: null });
  });
  afterAll(async () => {
    await server?.stop();
    await app?.close();
    await pool?.end();
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Every page of `q`, from the in-process API or a server's. */
  async function search(q: string, base: string | null): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/logs?q=${encodeURIComponent(q)}&limit=1000${range}${cursor ? `&cursor=${cursor}` : ''}`;
      let body: { records: StoredRecord[]; next_cursor: string | null };
      if (base === null) {
        const r = await app.inject({ method: 'GET', url });
        expect(r.statusCode, r.body).toBe(200);
        body = r.json();
      } else {
        const r = await fetch(`${base}${url}`);
        expect(r.status).toBe(200);
        body = (await r.json()) as typeof body;
      }
      out.push(...body.records.map((x) => JSON.stringify(x)));
      cursor = body.next_cursor;
    } while (cursor);
    return out;
  }

  async function expectSearchesRight(what: string, base: string | null): Promise<void> {
    for (const q of QUERIES) {
      const test = toPredicate(parseQuery(q));
      const want = all.filter((l) => test(l.stored)).sort(newest);
      expect(want.length, `${q} matches some lines`).toBeGreaterThan(20);
      expect(await search(q, base), `${what}: ${q}`).toEqual(
        want.map((l) => JSON.stringify(l.stored)),
      );
    }
  }

  /** Every row in exactly one place (a pack or still `logs`), packed ones unchanged. */
  async function expectEachOnce(what: string): Promise<{ packed: number; legacy: number }> {
    const packs = await decodeAll(pool);
    const legacy = (await pool.query<{ id: string }>('SELECT id::text FROM logs')).rows.map((r) =>
      Number(r.id),
    );
    expect(packs.doubled, `${what}: doubled in packs`).toBe(0);
    expect(new Set(legacy).size, `${what}: doubled in logs`).toBe(legacy.length);
    expect(
      legacy.filter((id) => packs.byId.has(id)),
      `${what}: in a pack and in logs`,
    ).toEqual([]);
    const packed = rows.filter((r) => packs.byId.has(r.id));
    expect(differences(packed, packs.byId).slice(0, 5), what).toEqual([]);
    expect(packed.length + legacy.length, `${what}: lost`).toBe(rows.length);
    return { packed: packed.length, legacy: legacy.length };
  }

  const state = async () =>
    (
      await pool.query<{ done: string; finished: boolean }>(
        'SELECT done_upto::text AS done, finished FROM pack_upgrade',
      )
    ).rows[0]!;

  /** upgrade_progress of the server's own collector (undefined before it reports one). */
  async function progress(srv: BenchServer): Promise<number | null | undefined> {
    const r = await fetch(`${srv.http}/api/sources`);
    const body = (await r.json()) as { collectors: { upgrade_progress?: number | null }[] };
    return body.collectors[0]?.upgrade_progress;
  }

  it('answers searches from the legacy rows before the upgrade', async () => {
    expect(await expectEachOnce('before')).toEqual({ packed: 0, legacy: LINES });
    const blocks = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM log_blocks');
    expect(Number(blocks.rows[0]!.n)).toBeGreaterThan(LINES / 1024 - 1);
    await expectSearchesRight('before', null);
  });

  it(
    'packs them in the background, killed with -9 midway: resumes, nothing lost or doubled',
    { timeout: 180_000 },
    async () => {
      const env = {
        DATABASE_URL: db.url,
        LOGHARBOR_DATA_DIR: dataDir,
        LOGHARBOR_LOG_LEVEL: 'fatal',
      };
      // Killed once done_upto passes a seeded share (20-60 %) of the legacy ids.
      const killAt = rows[Math.floor((0.2 + random() * 0.4) * LINES)]!.id;
      let srv = await startServer(env);
      server = srv;
      const seenBefore: number[] = [];
      await waitFor(
        'the upgrade past the kill point',
        async () => {
          const p = await progress(srv);
          if (typeof p === 'number') seenBefore.push(p);
          return Number((await state()).done) >= killAt;
        },
        120_000,
      );
      const exited = new Promise((r) => srv.proc.once('exit', r));
      srv.proc.kill('SIGKILL');
      await exited;
      server = undefined;
      const killed = await state();
      expect(killed.finished).toBe(false);
      // The state the kill left: part packs, part rows, each row once, searches the same.
      const midway = await expectEachOnce('after the kill');
      expect(midway.packed).toBeGreaterThan(0);
      expect(midway.legacy).toBeGreaterThan(0);
      await expectSearchesRight('half packed', null);
      const lastBefore = seenBefore[seenBefore.length - 1] ?? 0;
      expect(lastBefore).toBeLessThan(1);

      srv = await startServer(env);
      server = srv;
      const seenAfter: number[] = [];
      let liveChecks = 0;
      const watching = waitFor(
        'the upgrade finished and said so',
        async () => {
          const p = await progress(srv);
          if (typeof p === 'number') seenAfter.push(p);
          return p === null && (await state()).finished;
        },
        120_000,
      );
      // Searches while the resumed upgrade runs (or, on a fast machine, just after it).
      while (!(await state()).finished || liveChecks === 0) {
        await expectSearchesRight('while packing', srv.http);
        liveChecks++;
      }
      await watching;
      const after = await expectEachOnce('after the upgrade');
      expect(after).toEqual({ packed: LINES, legacy: 0 });
      const left = await pool.query<{ n: string }>('SELECT count(*)::text AS n FROM log_blocks');
      expect(Number(left.rows[0]!.n)).toBe(0);
      await expectSearchesRight('after', srv.http);
      await expectSearchesRight('after (in process)', null);
      // Progress: known midway, rising, counted from the whole legacy range after the
      // restart too (at least the share packed at the kill), then null once finished.
      const shareAtKill = (Number(killed.done) - rows[0]!.id) / (rows[LINES - 1]!.id - rows[0]!.id);
      expect(seenBefore).toEqual([...seenBefore].sort((a, b) => a - b));
      expect(seenAfter).toEqual([...seenAfter].sort((a, b) => a - b));
      expect(seenAfter.length).toBeGreaterThan(0);
      expect(Math.min(...seenAfter)).toBeGreaterThanOrEqual(shareAtKill - 1e-9);
      expect(await progress(srv)).toBeNull();
      console.log(
        `upgrade: ${LINES} legacy rows, killed at id ${killAt} (${midway.packed} packed, ${midway.legacy} left), progress ${seenBefore.length} readings before the kill (last ${lastBefore.toFixed(2)}) and ${seenAfter.length} after (first ${seenAfter[0]?.toFixed(2)}); ${liveChecks} live search rounds; seed ${seed}`,
      );
    },
  );
});
