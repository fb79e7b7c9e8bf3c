/**
 * The search data sets (issue 4 and 8): N Docker-shaped records written through
 * logharbor's own writer (COPY, containers, skip-index blocks, minute counts) into an
 * embedded PostgreSQL kept in .bench/search-<N>/, spread over 7 days of event time and
 * growing with arrival as real logs do, the newest hour holding the newest rows; beside
 * it the same messages as a flat file (lines.txt) for `grep`. Made once, reused after:
 * queries are placed relative to the newest record (`anchorMs`), not to the clock, so a
 * data set made days ago measures the same thing.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { Writer } from '../../collector/writer/writer.js';
import { startEmbedded, type EmbeddedServer } from '../../core/db/embedded.js';
import { migrate } from '../../core/db/migrate.js';
import { maintainPartitions } from '../../core/db/partitions.js';
import { createPool, type Pool } from '../../core/db/pool.js';
import { silentLogger } from '../../core/log.js';
import { newRecord, type LogRecord } from '../../core/record.js';
import { Telemetry } from '../../core/telemetry.js';
import { ROOT } from '../../dev/build.js';
import { rng } from './docker-records.js';

export const RARE = 'xylophone42';

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
const WORDS =
  'GET POST PUT /api/v1/items /api/v1/users /healthz user order timeout connected cache miss hit db query took ms error retry worker job done started request response upstream'.split(
    ' ',
  );
const CONTAINERS = Array.from({ length: 40 }, (_, i) => `svc-${i}`);

export interface SearchData {
  n: number;
  pool: Pool;
  /** The flat file of the same messages, one per line. */
  flat: string;
  /** Event time of the newest record, ms. */
  anchorMs: number;
  /** Seconds spent generating now (0 when reused). */
  generatedSeconds: number;
  close(): Promise<void>;
}

async function generate(
  pool: Pool,
  n: number,
  have: number,
  flat: string,
  log: (s: string) => void,
) {
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
  const r = rng(99 + have);
  const every = rareEvery(n);
  const t0 = performance.now();
  for (let i = have; i < n; i += 10_000) {
    const recs: LogRecord[] = [];
    const lines: string[] = [];
    for (let j = i; j < Math.min(n, i + 10_000); j++) {
      const ms = now - SPAN_MS + Math.floor((j / n) * SPAN_MS);
      const words = Array.from(
        { length: 6 + Math.floor(r() * 10) },
        () => WORDS[Math.floor(r() * WORDS.length)],
      );
      if (j % every === Math.floor(every / 2)) words.push(RARE);
      const msg = `${words.join(' ')} id=${j}`;
      const rec = newRecord('forward', Math.floor(ms / 1000), (ms % 1000) * 1_000_000, msg);
      rec.containerName = CONTAINERS[Math.floor(r() * CONTAINERS.length)]!;
      rec.stream = r() < 0.9 ? 'stdout' : 'stderr';
      rec.severity = r() < 0.05 ? 3 : 6;
      recs.push(rec);
      lines.push(msg);
    }
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
}

/** Opens the data set of `n` records, generating what is missing. */
export async function openSearchData(n: number, log: (s: string) => void): Promise<SearchData> {
  const dir = path.join(ROOT, '.bench', `search-${n}`);
  mkdirSync(dir, { recursive: true });
  const flat = path.join(dir, 'lines.txt');
  const pg: EmbeddedServer = await startEmbedded({ dataDir: dir });
  const pool = createPool(pg.url, { max: 6, applicationName: 'logharbor-bench' });
  try {
    await migrate(pool);
    const have = Number(
      (await pool.query<{ n: string }>('SELECT count(*) AS n FROM logs')).rows[0]!.n,
    );
    const t0 = performance.now();
    if (have < n) {
      log(`generating ${n - have} search records into ${dir} (have ${have}) ...`);
      await generate(pool, n, have, flat, log);
    }
    const generatedSeconds = have < n ? (performance.now() - t0) / 1000 : 0;
    const anchor = (
      await pool.query<{ ms: string }>(
        `SELECT (extract(epoch FROM max(ts)) * 1000)::bigint::text AS ms FROM logs`,
      )
    ).rows[0]!.ms;
    return {
      n,
      pool,
      flat,
      anchorMs: Number(anchor),
      generatedSeconds,
      async close() {
        await pool.end();
        await pg.stop();
      },
    };
  } catch (e) {
    await pool.end();
    await pg.stop();
    throw e;
  }
}
