/**
 * The search data sets (issues 4, 8, 14 and 17): N lines of the benchmark corpus
 * (bench/corpus/: 50 containers, nginx, JSON, logfmt, PostgreSQL, redis, Java traces)
 * as the forward source makes them (attrs from JSON and logfmt lines), written through
 * logharbor's own writer (level-0 packs, containers, minute counts) into an embedded
 * PostgreSQL kept in .bench/search-c<corpus version>-s<store version>-<N>/,
 * spread over 7 days of event time and growing with arrival as real logs do, the newest
 * hour holding the newest rows; beside it the same messages as a flat file (lines.txt)
 * for `grep`, and meta.json: what the queries look for (a trace id and how many lines
 * carry it). Made once, reused after: queries are placed relative to the newest record
 * (`anchorMs`), not to the clock, so a data set made days ago measures the same thing.
 *
 * The collector's compactor (collector/compaction/compactor.ts) merges level-0 packs
 * only once they are minAgeMs old, every few seconds: here compactors with minAgeMs 0 run
 * to completion every COMPACT_EVERY lines (then a VACUUM, as autovacuum would, so later
 * packs reuse the space the merged ones left) and at the end, before anything is
 * measured: every line is in a merged pack, as in a store that has been running a while.
 *
 * One word the corpus never prints, RARE, is appended to one line in 500,000.
 */
import { execFile } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { Compactor, COMPACTOR_DEFAULTS } from '../../collector/compaction/compactor.js';
import { Writer } from '../../collector/writer/writer.js';
import { startEmbedded, type EmbeddedServer } from '../../core/db/embedded.js';
import { migrate } from '../../core/db/migrate.js';
import { maintainPartitions } from '../../core/db/partitions.js';
import { parseStructuredLine } from '../../core/normalize/structured-line.js';
import { createPool, type Pool } from '../../core/db/pool.js';
import { silentLogger } from '../../core/log.js';
import { PackReader } from '../../core/packs/decode.js';
import type { PackLabels } from '../../core/packs/labels.js';
import { newRecord, type LogRecord } from '../../core/record.js';
import { Telemetry } from '../../core/telemetry.js';
import { ROOT } from '../../dev/build.js';
import { CORPUS_VERSION, Corpus, SEVERITY } from '../corpus/index.js';
import { databaseGrowth } from './storage.js';

export const RARE = 'xylophone42';
/**
 * How the data set is stored; a new value makes every data set again (2: merged packs with
 * an id filter, migration 013; 1: packs, issue 17; before it, rows in `logs`, directories
 * without the s<version> part).
 */
export const STORE_VERSION = 2;
/** Lines written between two runs of the compactor to completion. */
const COMPACT_EVERY = 1_000_000;
/** The corpus seed of every search data set (its first lines are the corpus section's sample). */
export const SEARCH_SEED = 1;

/** The rare word is in row every/2 of every `every` rows: 1 in 500,000 (2 rows in small sets). */
export function rareEvery(n: number): number {
  return Math.min(500_000, Math.max(2, Math.floor(n / 2)));
}

/** Rows holding the rare word in a data set of `n`. */
export function rareRows(n: number): number {
  const every = rareEvery(n);
  return Math.floor((n - 1 + every - Math.floor(every / 2)) / every);
}
const SPAN_MS = 7 * 86_400_000;
/** The looked-up trace: the first to close after the middle of the data set with this many lines. */
const TRACE_LINES = [3, 6];

export interface SearchMeta {
  corpusVersion: number;
  n: number;
  /**
   * Database growth as the load left it (every table less an empty database, after the
   * last compaction and a plain VACUUM), bytes; the data set is then VACUUM FULLed.
   */
  loadedGrowth?: number;
  /** A 32-hex trace id and the lines that carry it. */
  trace: { id: string; lines: number };
}

export interface SearchData {
  n: number;
  dir: string;
  url: string;
  pool: Pool;
  meta: SearchMeta;
  /** The flat file of the same messages, one per line. */
  flat: string;
  /** Event time of the newest record, ms. */
  anchorMs: number;
  /** Seconds spent generating now (0 when reused). */
  generatedSeconds: number;
  /**
   * A copy of the data set's database (CREATE DATABASE ... TEMPLATE, file copy) for a
   * run that writes to it; dropped by the returned function. The pool is closed
   * meanwhile (a template must have no other session) and reopened.
   */
  copy(name: string): Promise<{ url: string; drop: () => Promise<void> }>;
  close(): Promise<void>;
}

async function generate(
  pool: Pool,
  url: string,
  n: number,
  have: number,
  flat: string,
  log: (s: string) => void,
): Promise<SearchMeta> {
  const now = Date.now();
  await maintainPartitions(pool, {
    now,
    daysBack: 8,
    daysAhead: 1,
    retentionMs: 3650 * 86_400_000,
  });
  const out = createWriteStream(flat, { flags: have === 0 ? 'w' : 'a' });
  const w = new Writer(
    pool,
    { batchSize: 20_000, flushMs: 0, queueMax: 200_000 },
    silentLogger,
    new Telemetry(),
  );
  // Lines already stored (an interrupted run) are made again and skipped: the corpus is a
  // stream, and its traces span lines.
  const corpus = new Corpus(SEARCH_SEED);
  let trace: SearchMeta['trace'] | null = null;
  let seen = 0;
  const every = rareEvery(n);
  const t0 = performance.now();
  for (let i = 0; i < n; i += 10_000) {
    const recs: LogRecord[] = [];
    const lines: string[] = [];
    for (let j = i; j < Math.min(n, i + 10_000); j++) {
      const ms = now - SPAN_MS + Math.floor((j / n) * SPAN_MS);
      const line = corpus.next(ms);
      if (j < have) continue;
      const msg = j % every === Math.floor(every / 2) ? `${line.text} ${RARE}` : line.text;
      const rec = newRecord('forward', Math.floor(ms / 1000), (ms % 1000) * 1_000_000, msg);
      rec.containerName = line.container.name;
      rec.containerId = line.container.id;
      rec.stream = line.stream;
      rec.severity = line.level === null ? null : SEVERITY[line.level];
      // As the forward source makes them (collector/forward/forward-record.ts): a JSON or
      // logfmt line's fields are its attrs, which packs re-derive instead of storing.
      const structured = parseStructuredLine(msg);
      if (structured) {
        rec.attrs = { ...structured.fields };
        rec.severity = structured.severity ?? rec.severity;
      }
      recs.push(rec);
      lines.push(msg);
    }
    const closed = corpus.finishedTraces;
    if (trace === null && i >= n / 2)
      trace = closed.find((t) => t.lines >= TRACE_LINES[0]! && t.lines <= TRACE_LINES[1]!) ?? null;
    seen += closed.length;
    closed.length = 0;
    if (recs.length === 0) continue;
    if (!out.write(lines.join('\n') + '\n'))
      await new Promise<void>((res) => out.once('drain', () => res()));
    await w.submit({ records: recs });
    const done = i + recs.length;
    if (done % COMPACT_EVERY === 0 && done < n) {
      await compactAll(pool, log);
    }
    if ((done / 10_000) % 100 === 0 || done === n)
      log(
        `  search data: ${done} of ${n} (${Math.round((done - have) / ((performance.now() - t0) / 1000))}/s)`,
      );
  }
  await w.close();
  await new Promise<void>((res) => out.end(() => res()));
  await compactAll(pool, log);
  await pool.query('VACUUM ANALYZE');
  const loadedGrowth = await databaseGrowth(pool, url);
  // The space merged packs left is reused by later packs in a running store: give it back,
  // so that every run measures the packs alone, laid out as they are.
  await pool.query('VACUUM (FULL, ANALYZE) log_packs');
  if (trace === null) throw new Error(`no trace of ${TRACE_LINES.join('-')} lines in ${seen}`);
  return {
    corpusVersion: CORPUS_VERSION,
    n,
    trace: { id: trace.id, lines: trace.lines },
    loadedGrowth,
  };
}

/**
 * Runs two compactors with minAgeMs 0 (they share the work as several collectors do,
 * SKIP LOCKED: one merges while the other waits on PostgreSQL) until no level-0 pack is
 * left, then VACUUMs log_packs (the merged packs' space is then reused, as autovacuum
 * would let it be).
 */
export async function compactAll(pool: Pool, log: (s: string) => void): Promise<void> {
  const compactors = [0, 1].map(
    () => new Compactor(pool, silentLogger, { ...COMPACTOR_DEFAULTS, minAgeMs: 0 }),
  );
  const t0 = performance.now();
  await Promise.all(
    compactors.map(async (c) => {
      for (;;) {
        await c.round();
        if (c.stats.level0Packs === 0) break;
      }
    }),
  );
  const sum = (k: 'mergedPacks' | 'writtenPacks' | 'rows') =>
    compactors.reduce((a, c) => a + c.stats[k], 0);
  if (sum('rows') > 0)
    log(
      `  compacted ${sum('mergedPacks')} packs (${sum('rows')} rows) into ${sum('writtenPacks')} in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  await pool.query('VACUUM log_packs');
}

/** Lines stored: in packs, and in `logs` (rows of before packs; none in a data set made now). */
async function storedLines(pool: Pool): Promise<number> {
  const r = await pool.query<{ n: string }>(
    `SELECT ((SELECT coalesce(sum(rows), 0) FROM log_packs) + (SELECT count(*) FROM logs))::text AS n`,
  );
  return Number(r.rows[0]!.n);
}

/** Event time of the newest record, ms: the latest row of the pack that ends last. */
async function newestMs(pool: Pool): Promise<number> {
  const r = await pool.query<PackLabels & { data: Buffer }>(
    `SELECT source, host, container_id, container_name, stream, tag, app, project, service, data
       FROM log_packs ORDER BY max_ts DESC LIMIT 1`,
  );
  const p = r.rows[0];
  if (!p) throw new Error('the search data set holds no pack');
  const reader = new PackReader(p, p.data);
  let max = -Infinity;
  for (let i = 0; i < reader.rows; i++)
    max = Math.max(max, reader.tsSec(i) * 1000 + Math.floor(reader.tsNano(i) / 1e6));
  return max;
}

/**
 * The flat file of the lines of the last hour before the newest record (ts >= anchorMs -
 * 1 h, as the API's `from`): the tail of lines.txt, which is in time order; the count
 * comes from the packs. Made once beside lines.txt.
 */
export async function lastHourFlat(data: SearchData): Promise<{ file: string; lines: number }> {
  const from = data.anchorMs - 3_600_000;
  const r = await data.pool.query<PackLabels & { data: Buffer }>(
    `SELECT source, host, container_id, container_name, stream, tag, app, project, service, data
       FROM log_packs WHERE max_ts > $1`,
    [new Date(from).toISOString()],
  );
  let lines = 0;
  for (const p of r.rows) {
    const reader = new PackReader(p, p.data);
    for (let i = 0; i < reader.rows; i++)
      if (reader.tsSec(i) * 1000 + Math.floor(reader.tsNano(i) / 1e6) >= from) lines++;
  }
  const file = path.join(data.dir, `lines-last-hour-${lines}.txt`);
  if (!existsSync(file)) {
    const out = await promisify(execFile)('tail', ['-n', String(lines), data.flat], {
      encoding: 'buffer',
      maxBuffer: 1 << 30,
    });
    writeFileSync(`${file}.part`, out.stdout);
    renameSync(`${file}.part`, file);
  }
  return { file, lines };
}

/** The directory of the data set of `n` records (made from the current corpus and store). */
export function searchDir(n: number): string {
  return path.join(ROOT, '.bench', `search-c${CORPUS_VERSION}-s${STORE_VERSION}-${n}`);
}

/** Opens the data set of `n` records, generating what is missing. */
export async function openSearchData(n: number, log: (s: string) => void): Promise<SearchData> {
  const dir = searchDir(n);
  mkdirSync(dir, { recursive: true });
  const flat = path.join(dir, 'lines.txt');
  const metaFile = path.join(dir, 'meta.json');
  const pgServer: EmbeddedServer = await startEmbedded({ dataDir: dir });
  let pool = createPool(pgServer.url, { max: 6, applicationName: 'logharbor-bench' });
  try {
    await migrate(pool);
    const have = await storedLines(pool);
    const t0 = performance.now();
    let meta: SearchMeta;
    if (have < n || !existsSync(metaFile)) {
      log(`generating ${n - have} search records into ${dir} (have ${have}) ...`);
      meta = await generate(pool, pgServer.url, n, have, flat, log);
      writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
    } else meta = JSON.parse(readFileSync(metaFile, 'utf8')) as SearchMeta;
    const generatedSeconds = have < n ? (performance.now() - t0) / 1000 : 0;
    const anchor = await newestMs(pool);
    const data: SearchData = {
      n,
      dir,
      url: pgServer.url,
      pool,
      meta,
      flat,
      anchorMs: anchor,
      generatedSeconds,
      async copy(name) {
        const source = new URL(pgServer.url).pathname.slice(1);
        const admin = new pg.Client({
          connectionString: pgServer.url.replace(/\/[^/]*$/, '/template1'),
        });
        await pool.end();
        await admin.connect();
        try {
          await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          await admin.query(`CREATE DATABASE ${name} TEMPLATE ${source} STRATEGY FILE_COPY`);
        } finally {
          await admin.end();
          pool = createPool(pgServer.url, { max: 6, applicationName: 'logharbor-bench' });
          data.pool = pool;
        }
        const url = pgServer.url.replace(/\/[^/]*$/, `/${name}`);
        return {
          url,
          drop: async () => {
            const c = new pg.Client({ connectionString: pgServer.url });
            await c.connect();
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end());
          },
        };
      },
      async close() {
        await pool.end();
        await pgServer.stop();
      },
    };
    return data;
  } catch (e) {
    await pool.end();
    await pgServer.stop();
    throw e;
  }
}
