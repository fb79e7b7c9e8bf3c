/**
 * The search data sets (issues 4, 8 and 14): N lines of the benchmark corpus
 * (bench/corpus/: 50 containers, nginx, JSON, logfmt, PostgreSQL, redis, Java traces)
 * written through logharbor's own writer (COPY, containers, skip-index blocks, minute
 * counts) into an embedded PostgreSQL kept in .bench/search-c<corpus version>-<N>/,
 * spread over 7 days of event time and growing with arrival as real logs do, the newest
 * hour holding the newest rows; beside it the same messages as a flat file (lines.txt)
 * for `grep`, and meta.json: what the queries look for (a trace id and how many lines
 * carry it). Made once, reused after: queries are placed relative to the newest record
 * (`anchorMs`), not to the clock, so a data set made days ago measures the same thing.
 *
 * One word the corpus never prints, RARE, is appended to one line in 500,000.
 */
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Writer } from '../../collector/writer/writer.js';
import { startEmbedded, type EmbeddedServer } from '../../core/db/embedded.js';
import { migrate } from '../../core/db/migrate.js';
import { maintainPartitions } from '../../core/db/partitions.js';
import { createPool, type Pool } from '../../core/db/pool.js';
import { silentLogger } from '../../core/log.js';
import { newRecord, type LogRecord } from '../../core/record.js';
import { Telemetry } from '../../core/telemetry.js';
import { ROOT } from '../../dev/build.js';
import { CORPUS_VERSION, Corpus, SEVERITY } from '../corpus/index.js';

export const RARE = 'xylophone42';
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
    if ((done / 10_000) % 100 === 0 || done === n)
      log(
        `  search data: ${done} of ${n} (${Math.round((done - have) / ((performance.now() - t0) / 1000))}/s)`,
      );
  }
  await w.close();
  await new Promise<void>((res) => out.end(() => res()));
  await pool.query('VACUUM ANALYZE logs');
  await pool.query('VACUUM ANALYZE log_blocks');
  if (trace === null) throw new Error(`no trace of ${TRACE_LINES.join('-')} lines in ${seen}`);
  return { corpusVersion: CORPUS_VERSION, n, trace: { id: trace.id, lines: trace.lines } };
}

/** The directory of the data set of `n` records (made from the current corpus). */
export function searchDir(n: number): string {
  return path.join(ROOT, '.bench', `search-c${CORPUS_VERSION}-${n}`);
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
    const have = Number(
      (await pool.query<{ n: string }>('SELECT count(*) AS n FROM logs')).rows[0]!.n,
    );
    const t0 = performance.now();
    let meta: SearchMeta;
    if (have < n || !existsSync(metaFile)) {
      log(`generating ${n - have} search records into ${dir} (have ${have}) ...`);
      meta = await generate(pool, n, have, flat, log);
      writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
    } else meta = JSON.parse(readFileSync(metaFile, 'utf8')) as SearchMeta;
    const generatedSeconds = have < n ? (performance.now() - t0) / 1000 : 0;
    const anchor = (
      await pool.query<{ ms: string }>(
        `SELECT (extract(epoch FROM max(ts)) * 1000)::bigint::text AS ms FROM logs`,
      )
    ).rows[0]!.ms;
    const data: SearchData = {
      n,
      dir,
      url: pgServer.url,
      pool,
      meta,
      flat,
      anchorMs: Number(anchor),
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
