/**
 * Section 3: search over the large data set (issue 8, item 3): the query mix of
 * bench/lib/search-mix.ts with its targets, against `grep` over the same lines and an
 * `ILIKE` scan. Results are kept per table size for the scaling section.
 */
import type { BenchContext } from '../lib/context.js';
import { ms, num } from '../lib/report.js';
import { RARE, openSearchData } from '../lib/search-data.js';
import { runMix, type MixResult, type QueryKey } from '../lib/search-mix.js';

const SECTION = 'Search';

/** p95 targets of issue 8. */
export const SEARCH_TARGETS: Partial<Record<QueryKey, number>> = {
  newest: 20,
  rare: 300,
  container: 50,
  hist: 300,
};

/** The mix over `n` records, measured once per run of bench/run.ts. */
export async function searchMix(ctx: BenchContext, n: number): Promise<MixResult> {
  const known = ctx.measured.search.get(n);
  if (known) return known;
  const data = await openSearchData(n, (s) => process.stdout.write(`${s}\n`));
  try {
    const r = await runMix(data, ctx.sizes.searchRuns);
    if (data.generatedSeconds > 0)
      process.stdout.write(
        `(generated ${num(n)} records in ${data.generatedSeconds.toFixed(0)} s)\n`,
      );
    ctx.measured.search.set(n, r);
    return r;
  } finally {
    await data.close();
  }
}

export async function search(ctx: BenchContext): Promise<void> {
  const n = ctx.sizes.search;
  const r = await searchMix(ctx, n);
  ctx.report.table(SECTION, {
    title: `Search over ${num(n)} records`,
    head: ['query', 'found', 'runs', 'p50 ms', 'p95 ms', 'p99 ms', 'target (p95)'],
    rows: [
      ...r.queries.map((x) => [
        x.label,
        num(x.found),
        x.runs,
        ms(x.p50),
        ms(x.p95),
        ms(x.p99),
        SEARCH_TARGETS[x.key] ? `< ${SEARCH_TARGETS[x.key]} ms` : '',
      ]),
      [
        `baseline: grep -c ${RARE} over a flat file of the same lines`,
        num(r.grepCount),
        1,
        ms(r.grepMs),
        '',
        '',
        '',
      ],
      [
        `baseline: PostgreSQL ILIKE '%${RARE}%' scan, 2 parallel workers`,
        num(r.ilikeRows),
        1,
        ms(r.ilikeMs),
        '',
        '',
        '',
      ],
    ],
    notes: [
      `Through the API route (fastify inject), one warm-up run, then ${r.runs.min} to ${r.runs.max} runs (up to ${r.runs.seconds} s) each; table ${r.tableSize}, skip index ${r.blocks}. "found": records returned (limit 100), or the histogram's total.`,
      `The rare word is in ${r.expectedRare} rows; the baselines count them (grep: lines, ILIKE: rows).`,
      '"Last hour" and "24 h" end at the newest record of the data set (it is generated once and reused).',
    ],
  });
  for (const x of r.queries) {
    const limit = SEARCH_TARGETS[x.key];
    if (limit === undefined) continue;
    ctx.report.target({
      section: SECTION,
      what: `${x.label} p95 (${num(n)} records)`,
      value: `${ms(x.p95)} ms`,
      target: `< ${limit} ms`,
      pass: x.p95 < limit,
    });
  }
}
