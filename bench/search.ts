/**
 * Search benchmark (issues 4 and 8): N Docker-shaped records written through logharbor's
 * own writer (COPY, containers, skip-index blocks) into an embedded PostgreSQL, spread
 * over the last 7 days, then the query mix through the API (fastify inject: the whole
 * route, no network), each query run several times: p50 / p95 / p99. Baselines measured
 * in the same run: `grep -c` over the same lines in a flat file, and the rare word as a
 * plain `ILIKE '%word%'` scan.
 *
 *   npx tsx bench/search.ts [records=10000000]   (data kept in .bench/search-<N>/)
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../api/app.js';
import { Writer } from '../collector/writer/writer.js';
import { startEmbedded } from '../core/db/embedded.js';
import { migrate } from '../core/db/migrate.js';
import { maintainPartitions } from '../core/db/partitions.js';
import { createPool } from '../core/db/pool.js';
import { silentLogger } from '../core/log.js';
import { newRecord, type LogRecord } from '../core/record.js';
import { Telemetry } from '../core/telemetry.js';
import { rng } from './lib/docker-records.js';
import { percentile } from './lib/forward-load.js';

const N = Number(process.argv[2] ?? 10_000_000);
const RUNS = 20;
const RARE = 'xylophone42';
const dir = path.resolve(import.meta.dirname, '..', '.bench', `search-${N}`);
mkdirSync(dir, { recursive: true });
const flat = path.join(dir, 'lines.txt');

const WORDS =
  'GET POST PUT /api/v1/items /api/v1/users /healthz user order timeout connected cache miss hit db query took ms error retry worker job done started request response upstream'.split(
    ' ',
  );
const CONTAINERS = Array.from({ length: 40 }, (_, i) => `svc-${i}`);

const pg = await startEmbedded({ dataDir: dir });
const pool = createPool(pg.url, { max: 6 });
await migrate(pool);
const now = Date.now();
await maintainPartitions(pool, { now, daysBack: 8, daysAhead: 1, retentionMs: 30 * 86_400_000 });
const have = Number((await pool.query('SELECT count(*) AS n FROM logs')).rows[0].n);

if (have < N) {
  console.log(`generating ${N - have} records (have ${have}) ...`);
  const out = createWriteStream(flat, { flags: have === 0 ? 'w' : 'a' });
  const w = new Writer(
    pool,
    { batchSize: 20_000, flushMs: 0, queueMax: 200_000 },
    silentLogger,
    new Telemetry(),
  );
  const r = rng(99 + have);
  const span = 7 * 86_400_000;
  const t0 = performance.now();
  for (let i = have; i < N; i += 10_000) {
    const recs: LogRecord[] = [];
    const lines: string[] = [];
    for (let j = i; j < Math.min(N, i + 10_000); j++) {
      // Time grows with j (as arrival does), the last hour holding the newest rows.
      const ms = now - span + Math.floor((j / N) * span);
      const words = Array.from(
        { length: 6 + Math.floor(r() * 10) },
        () => WORDS[Math.floor(r() * WORDS.length)],
      );
      if (j % 500_000 === 250_000) words.push(RARE);
      const msg = `${words.join(' ')} id=${j}`;
      const rec = newRecord('forward', Math.floor(ms / 1000), (ms % 1000) * 1_000_000, msg);
      rec.containerName = CONTAINERS[Math.floor(r() * CONTAINERS.length)]!;
      rec.stream = r() < 0.9 ? 'stdout' : 'stderr';
      rec.severity = r() < 0.05 ? 3 : 6;
      recs.push(rec);
      lines.push(msg);
    }
    out.write(lines.join('\n') + '\n');
    await w.submit({ records: recs });
    if ((i / 10_000) % 50 === 0)
      console.log(
        `  ${i + recs.length} (${Math.round((i + recs.length - have) / ((performance.now() - t0) / 1000))}/s)`,
      );
  }
  await w.close();
  await new Promise((r) => out.end(r));
  await pool.query('VACUUM ANALYZE logs');
  await pool.query('VACUUM ANALYZE log_blocks');
}

const size = (
  await pool.query(
    `SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS s FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'logs'::regclass`,
  )
).rows[0].s;
const blocks = (
  await pool.query(
    `SELECT count(*) AS n, pg_size_pretty(pg_total_relation_size('log_blocks')) AS s FROM log_blocks`,
  )
).rows[0];
const app = await buildApp({ pool, telemetry: new Telemetry(), log: silentLogger, apiToken: null });

async function timeIt(fn: () => Promise<unknown>): Promise<number[]> {
  await fn(); // warm
  const xs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return xs;
}
const api = (url: string) => async () => {
  const r = await app.inject({ method: 'GET', url });
  if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
  return r.json();
};
const q = encodeURIComponent;
const rows: [string, number[], string][] = [];
const add = async (label: string, url: string, target: string) =>
  rows.push([label, await timeIt(api(url)), target]);

await add('newest 100, no query', '/api/logs?limit=100', '< 20 ms');
await add(`rare word "${RARE}", all time`, `/api/logs?q=${q(RARE)}&limit=100`, '< 300 ms');
await add('common word "timeout", last hour', `/api/logs?q=timeout&from=1h&limit=100`, '');
await add(
  'container + word, last hour',
  `/api/logs?q=${q('container:svc-7 upstream')}&from=1h&limit=100`,
  '< 50 ms',
);
await add(
  'regex /took \\d+ ms/, last hour',
  `/api/logs?q=${q('/retry [a-z]+ ms/')}&from=1h&limit=100`,
  '',
);
await add('histogram 24 h, no query', `/api/logs/histogram?from=24h&buckets=100`, '< 300 ms');
await add(`histogram 24 h, "${RARE}"`, `/api/logs/histogram?q=${q(RARE)}&from=24h&buckets=100`, '');

const grepT = performance.now();
const grepCount = execFileSync('grep', ['-c', RARE, flat]).toString().trim();
const grepMs = performance.now() - grepT;
const ilikeT = performance.now();
await pool.query(`SET max_parallel_workers_per_gather = 2`);
const ilike = (
  await pool.query(`SELECT count(*) AS n FROM logs WHERE message ILIKE $1`, [`%${RARE}%`])
).rows[0].n;
const ilikeMs = performance.now() - ilikeT;

console.log(
  `\nSearch over ${N.toLocaleString('en')} records (table ${size}, skip index ${blocks.n} blocks, ${blocks.s}); ${RUNS} runs each\n`,
);
console.log('| query | p50 ms | p95 ms | p99 ms | target (p95) |');
console.log('| --- | ---: | ---: | ---: | --- |');
for (const [label, xs, target] of rows)
  console.log(
    `| ${label} | ${percentile(xs, 50).toFixed(1)} | ${percentile(xs, 95).toFixed(1)} | ${percentile(xs, 99).toFixed(1)} | ${target} |`,
  );
console.log(
  `\nBaselines, same data: grep -c over the flat file ${grepMs.toFixed(0)} ms (${grepCount} lines); PostgreSQL ILIKE '%${RARE}%' scan ${ilikeMs.toFixed(0)} ms (${ilike} rows).`,
);
await app.close();
await pool.end();
await pg.stop();
if (!existsSync(flat)) console.log('(flat file missing)');
