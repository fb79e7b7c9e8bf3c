/**
 * The search query mix of issues 4, 8 and 14 through the API, each query run after one
 * warm-up run until it has `runs.max` runs or `runs.seconds` have passed, and at least
 * `runs.min` runs (a query slow enough to take three times that long stops at FLOOR):
 * p50/p95/p99, and the slowest and fastest run. The API is reached
 * in-process (fastify inject: the whole route, no network) or over HTTP to a running
 * logharbor. "Last hour" and "24 h" are placed before the data set's newest record.
 *
 * Baselines on the same lines: `grep -c` / `grep -cE` over the flat file (LC_ALL=C, the
 * fastest grep; median of 3), and for the regex without a literal also over the lines of
 * the last hour alone (the lines its counted form, a histogram, has to read). Since issue
 * 17 no table holds the lines as rows, so the PostgreSQL sequential scans of before
 * (`ILIKE '%word%'` over `logs`) are gone: grep is the yardstick.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { buildApp } from '../../api/app.js';
import { silentLogger } from '../../core/log.js';
import { Telemetry } from '../../core/telemetry.js';
import { lastHourFlat, RARE, rareRows, type SearchData, type SearchMeta } from './search-data.js';
import { median, percentile } from './stats.js';

export type QueryKey =
  | 'newest'
  | 'rare'
  | 'trace'
  | 'common'
  | 'container'
  | 'never'
  | 'regexLit'
  | 'regexNoLit'
  | 'regexNoLitCount'
  | 'hist'
  | 'histRare';

export interface QueryTiming {
  key: QueryKey;
  label: string;
  runs: number;
  p50: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  /** Records (or, for histograms, the sum of counts) the query answered. */
  found: number;
  /** Runs answered with an error (e.g. 503 past the query timeout): not timed. */
  errors: number;
}

/** Runs of a query however slow it is. */
const FLOOR = 5;

export interface Runs {
  min: number;
  max: number;
  seconds: number;
}

/** GET `url` (path and query) from the API: status and body. */
export type Caller = (url: string) => Promise<{ status: number; body: string }>;

const HOUR = 3_600_000;
/** A chatty container with a common word, and a container that never prints the word. */
const CONTAINER_QUERY = 'container:shop-cart-api-1 timeout';
const NEVER_QUERY = 'container:shop-postgres-1 NullPointerException';
const REGEX_LITERAL = '/Process \\d+ waits for ShareLock/';
const REGEX_NO_LITERAL = '/\\d{3}\\.\\d+ms/';

/** [key, label, url] of every query, placed before `anchorMs`. */
function queries(anchorMs: number, meta: SearchMeta): [QueryKey, string, string][] {
  const iso = (ms: number) => encodeURIComponent(new Date(ms).toISOString());
  const hourAgo = iso(anchorMs - HOUR);
  const dayAgo = iso(anchorMs - 24 * HOUR);
  const end = iso(anchorMs + 1);
  const q = encodeURIComponent;
  return [
    ['newest', 'newest 100, no query', '/api/logs?limit=100'],
    ['rare', `rare word "${RARE}", all time`, `/api/logs?q=${RARE}&limit=100`],
    [
      'trace',
      `trace id (32 hex, in ${meta.trace.lines} lines), all time`,
      `/api/logs?q=${meta.trace.id}&limit=100`,
    ],
    ['common', 'common word "timeout", last hour', `/api/logs?q=timeout&from=${hourAgo}&limit=100`],
    [
      'container',
      'container + word, last hour',
      `/api/logs?q=${q(CONTAINER_QUERY)}&from=${hourAgo}&limit=100`,
    ],
    [
      'never',
      'container + word never together, all time',
      `/api/logs?q=${q(NEVER_QUERY)}&limit=100`,
    ],
    [
      'regexLit',
      `regex with a rare literal ${REGEX_LITERAL}, all time`,
      `/api/logs?q=${q(REGEX_LITERAL)}&limit=100`,
    ],
    [
      'regexNoLit',
      `regex without a literal ${REGEX_NO_LITERAL}, last hour`,
      `/api/logs?q=${q(REGEX_NO_LITERAL)}&from=${hourAgo}&limit=100`,
    ],
    [
      'regexNoLitCount',
      `regex without a literal ${REGEX_NO_LITERAL}, last hour, every match counted (histogram)`,
      `/api/logs/histogram?q=${q(REGEX_NO_LITERAL)}&from=${hourAgo}&to=${end}&buckets=60`,
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
}

/** The queries in words, for the notes under a table. */
export const QUERY_NOTES = `container + word: \`${CONTAINER_QUERY}\`; never together: \`${NEVER_QUERY}\` (PostgreSQL's container never prints a Java exception).`;

/** The API in this process, on `data`'s pool (as the search section has always measured). */
export async function injectCaller(
  data: SearchData,
): Promise<{ call: Caller; close: () => Promise<void> }> {
  const app = await buildApp({
    pool: data.pool,
    telemetry: new Telemetry(),
    log: silentLogger,
    apiToken: null,
  });
  return {
    call: async (url) => {
      const r = await app.inject({ method: 'GET', url });
      return { status: r.statusCode, body: r.body };
    },
    close: () => app.close(),
  };
}

/** A running logharbor's API over HTTP. */
export function httpCaller(base: string): Caller {
  return async (url) => {
    const r = await fetch(`${base}${url}`);
    return { status: r.status, body: await r.text() };
  };
}

function answered(body: string): number {
  const b = JSON.parse(body) as { records?: unknown[]; buckets?: { count: number }[] };
  return b.records?.length ?? b.buckets?.reduce((s, x) => s + x.count, 0) ?? 0;
}

export async function runMix(
  call: Caller,
  anchorMs: number,
  meta: SearchMeta,
  runs: Runs,
): Promise<QueryTiming[]> {
  const out: QueryTiming[] = [];
  for (const [key, label, url] of queries(anchorMs, meta)) {
    const first = await call(url);
    const found = first.status === 200 ? answered(first.body) : NaN;
    const xs: number[] = [];
    let errors = first.status === 200 ? 0 : 1;
    // At least `min` runs, unless a slow query has had three times its time and FLOOR runs.
    const t0 = performance.now();
    const more = () => {
      const n = xs.length + errors;
      const elapsed = (performance.now() - t0) / 1000;
      return (
        n < FLOOR ||
        (n < runs.min && elapsed < 3 * runs.seconds) ||
        (n < runs.max && elapsed < runs.seconds)
      );
    };
    while (more()) {
      const t = performance.now();
      const r = await call(url);
      if (r.status === 200) xs.push(performance.now() - t);
      else errors++;
    }
    out.push({
      key,
      label,
      runs: xs.length,
      found,
      p50: percentile(xs, 50),
      p95: percentile(xs, 95),
      p99: percentile(xs, 99),
      min: percentile(xs, 0),
      max: percentile(xs, 100),
      errors,
    });
  }
  return out;
}

export interface Baseline {
  label: string;
  /** Lines (grep) or rows (PostgreSQL) matched. */
  found: number;
  /** ms, median of the runs. */
  ms: number;
  runs: number[];
}

const run = promisify(execFile);

/** `grep -c [-E] pattern flat` three times (LC_ALL=C): matching lines and the median time. */
async function grep(label: string, args: string[], flat: string): Promise<Baseline> {
  const runs: number[] = [];
  let found = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    try {
      const r = await run('grep', ['-c', ...args, flat], {
        env: { ...process.env, LC_ALL: 'C' },
      });
      found = Number(r.stdout.trim());
    } catch {
      found = 0; // grep exits 1 when nothing matches
    }
    runs.push(performance.now() - t0);
  }
  return { label, found, ms: median(runs), runs };
}

export interface Baselines {
  grep: Baseline[];
  /** `grep -cE` of the regex without a literal over the last hour's lines alone. */
  grepLastHour: Baseline & { lines: number };
  /** The pack store: packs by level, rows, bytes (bench/lib/search-data.ts packStats). */
  packs: string;
  expectedRare: number;
}

/** The grep -E pattern of REGEX_NO_LITERAL. */
export const GREP_NO_LITERAL = '[0-9]{3}\\.[0-9]+ms';

/** grep over the flat file (all of it, and the last hour), for the same lines. */
export async function baselines(data: SearchData): Promise<Baselines> {
  const grepRuns = [
    await grep(`grep -c ${RARE}`, [RARE], data.flat),
    await grep(`grep -c <the trace id>`, [data.meta.trace.id], data.flat),
    await grep(
      "grep -cE 'Process [0-9]+ waits for ShareLock'",
      ['-E', 'Process [0-9]+ waits for ShareLock'],
      data.flat,
    ),
    await grep(`grep -cE '${GREP_NO_LITERAL}'`, ['-E', GREP_NO_LITERAL], data.flat),
  ];
  const hour = await lastHourFlat(data);
  const lastHour = await grep(
    `grep -cE '${GREP_NO_LITERAL}', the last hour's ${hour.lines} lines`,
    ['-E', GREP_NO_LITERAL],
    hour.file,
  );
  const r = await data.pool.query<{ level: number; n: string; rows: string; bytes: string }>(
    `SELECT level, count(*)::text AS n, sum(rows)::text AS rows,
            pg_size_pretty(sum(octet_length(data) + octet_length(bloom))) AS bytes
       FROM log_packs GROUP BY level ORDER BY level`,
  );
  return {
    grep: grepRuns,
    grepLastHour: { ...lastHour, lines: hour.lines },
    packs: r.rows
      .map((x) => `level ${x.level}: ${x.n} packs of ${x.rows} rows, ${x.bytes}`)
      .join('; '),
    expectedRare: rareRows(data.n),
  };
}
