/**
 * The search query mix of issues 4 and 8, through the API (fastify inject: the whole
 * route, no network), each query run after one warm-up run until it has `runs.max` runs
 * or `runs.seconds` have passed, and at least `runs.min` runs: p50/p95/p99.
 * "Last hour" and "24 h" are placed before the data set's newest record. Baselines on
 * the same data: `grep -c` over the flat file, and the rare word as a plain
 * `ILIKE '%word%'` scan (parallel workers allowed).
 */
import { execFileSync } from 'node:child_process';
import { buildApp } from '../../api/app.js';
import { silentLogger } from '../../core/log.js';
import { Telemetry } from '../../core/telemetry.js';
import { RARE, rareRows, type SearchData } from './search-data.js';
import { percentile } from './stats.js';

export type QueryKey = 'newest' | 'rare' | 'common' | 'container' | 'regex' | 'hist' | 'histRare';

export interface QueryTiming {
  key: QueryKey;
  label: string;
  runs: number;
  p50: number;
  p95: number;
  p99: number;
  /** Records (or, for histograms, the sum of counts) the query answered. */
  found: number;
}

export interface MixResult {
  n: number;
  runs: Runs;
  queries: QueryTiming[];
  grepMs: number;
  grepCount: number;
  ilikeMs: number;
  ilikeRows: number;
  tableSize: string;
  blocks: string;
  expectedRare: number;
}

const HOUR = 3_600_000;

export interface Runs {
  min: number;
  max: number;
  seconds: number;
}

export async function runMix(data: SearchData, runs: Runs): Promise<MixResult> {
  const { pool } = data;
  const app = await buildApp({
    pool,
    telemetry: new Telemetry(),
    log: silentLogger,
    apiToken: null,
  });
  const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
  const hourAgo = iso(data.anchorMs - HOUR);
  const dayAgo = iso(data.anchorMs - 24 * HOUR);
  const end = iso(data.anchorMs + 1);
  const q = encodeURIComponent;
  const mix: [QueryKey, string, string][] = [
    ['newest', 'newest 100, no query', '/api/logs?limit=100'],
    ['rare', `rare word "${RARE}", all time`, `/api/logs?q=${RARE}&limit=100`],
    ['common', 'common word "timeout", last hour', `/api/logs?q=timeout&from=${hourAgo}&limit=100`],
    [
      'container',
      'container + word, last hour',
      `/api/logs?q=${q('container:svc-7 upstream')}&from=${hourAgo}&limit=100`,
    ],
    [
      'regex',
      'regex /retry [a-z]+ ms/, last hour',
      `/api/logs?q=${q('/retry [a-z]+ ms/')}&from=${hourAgo}&limit=100`,
    ],
    [
      'hist',
      'histogram 24 h, no query',
      `/api/logs/histogram?from=${dayAgo}&to=${end}&buckets=100`,
    ],
    [
      'histRare',
      `histogram 24 h, "${RARE}"`,
      `/api/logs/histogram?q=${RARE}&from=${dayAgo}&to=${end}&buckets=100`,
    ],
  ];
  const queries: QueryTiming[] = [];
  try {
    for (const [key, label, url] of mix) {
      const call = async () => {
        const r = await app.inject({ method: 'GET', url });
        if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
        const body: { records?: unknown[]; buckets?: { count: number }[] } = r.json();
        return body.records?.length ?? body.buckets?.reduce((s, b) => s + b.count, 0) ?? 0;
      };
      const found = await call();
      const xs: number[] = [];
      const until = performance.now() + runs.seconds * 1000;
      while (xs.length < runs.min || (xs.length < runs.max && performance.now() < until)) {
        const t = performance.now();
        await call();
        xs.push(performance.now() - t);
      }
      queries.push({
        key,
        label,
        runs: xs.length,
        found,
        p50: percentile(xs, 50),
        p95: percentile(xs, 95),
        p99: percentile(xs, 99),
      });
    }
  } finally {
    await app.close();
  }

  const g0 = performance.now();
  let grepCount: number;
  try {
    grepCount = Number(execFileSync('grep', ['-c', RARE, data.flat]).toString().trim());
  } catch {
    grepCount = 0; // grep exits 1 when nothing matches
  }
  const grepMs = performance.now() - g0;
  const client = await pool.connect();
  let ilikeMs: number;
  let ilikeRows: number;
  try {
    await client.query('SET max_parallel_workers_per_gather = 2');
    const i0 = performance.now();
    ilikeRows = Number(
      (
        await client.query<{ n: string }>(`SELECT count(*) AS n FROM logs WHERE message ILIKE $1`, [
          `%${RARE}%`,
        ])
      ).rows[0]!.n,
    );
    ilikeMs = performance.now() - i0;
  } finally {
    client.release();
  }
  const size = (
    await pool.query<{ s: string }>(
      `SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS s FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'logs'::regclass`,
    )
  ).rows[0]!.s;
  const blocks = (
    await pool.query<{ n: string; s: string }>(
      `SELECT count(*) AS n, pg_size_pretty(pg_total_relation_size('log_blocks')) AS s FROM log_blocks`,
    )
  ).rows[0]!;
  return {
    n: data.n,
    runs,
    queries,
    grepMs,
    grepCount,
    ilikeMs,
    ilikeRows,
    tableSize: size,
    blocks: `${blocks.n} blocks, ${blocks.s}`,
    expectedRare: rareRows(data.n),
  };
}
