/**
 * Search over the large data set of corpus lines (issue 8, item 3; issue 14): the query
 * mix of bench/lib/search-mix.ts with its targets (issues 8 and 17), against `grep` over
 * the same lines, on the pack store (issue 17: the data set's packs all merged by the
 * compactor, bench/lib/search-data.ts). Then the same mix through a running logharbor on a
 * copy of the data set, idle and while it ingests at half the maximum rate (the ingest
 * section's, or a quick probe), the load sent from a process of its own. Results are
 * kept per table size for the scaling sections.
 */
import type { BenchContext, SearchResult } from '../lib/context.js';
import { maxRun } from '../lib/ingest-run.js';
import { startBackgroundLoad } from '../lib/load-process.js';
import { ms, num, ratio } from '../lib/report.js';
import { openSearchData, type SearchData } from '../lib/search-data.js';
import {
  QUERY_NOTES,
  baselines,
  httpCaller,
  injectCaller,
  runMix,
  type QueryKey,
  type QueryTiming,
} from '../lib/search-mix.js';
import { TARGETS, meets, targetText, type TargetDef } from '../lib/targets.js';
import { startServer } from '../../dev/server.js';
import type { Section } from './section.js';

const TITLE = 'Search';

/** p95 targets of issues 8 and 17. */
const SEARCH_TARGETS: Partial<Record<QueryKey, TargetDef>> = {
  newest: TARGETS.searchNewest,
  rare: TARGETS.searchRare,
  trace: TARGETS.searchTrace,
  container: TARGETS.searchContainer,
  never: TARGETS.searchNever,
  regexLit: TARGETS.searchRegexLit,
  hist: TARGETS.searchHist,
};

/** The mix over `n` records, measured once per run of bench/run.ts; `then` runs on the open data set. */
export async function searchMix(
  ctx: BenchContext,
  n: number,
  then?: (data: SearchData) => Promise<void>,
): Promise<SearchResult> {
  const known = ctx.measured.search.get(n);
  if (known && !then) return known;
  const data = await openSearchData(n, (s) => ctx.log(s));
  try {
    if (data.generatedSeconds > 0)
      ctx.log(`generated ${num(n)} records in ${data.generatedSeconds.toFixed(0)} s`);
    let r = known;
    if (!r) {
      const api = await injectCaller(data);
      try {
        ctx.log(`search mix over ${num(n)} records`);
        const queries = await runMix(api.call, data.anchorMs, data.meta, ctx.sizes.searchRuns);
        ctx.log('baselines: grep');
        r = { n, queries, baselines: await baselines(data) };
      } finally {
        await api.close();
      }
      ctx.measured.search.set(n, r);
    }
    if (then) await then(data);
    return r;
  } finally {
    await data.close();
  }
}

const timingRow = (x: QueryTiming, target?: TargetDef) => [
  x.label,
  Number.isFinite(x.found) ? num(x.found) : 'error',
  x.runs,
  ms(x.p50),
  ms(x.p95),
  ms(x.p99),
  `${ms(x.min)}-${ms(x.max)}`,
  x.errors || '',
  target ? targetText(target) : '',
];

async function run(ctx: BenchContext): Promise<void> {
  const n = ctx.sizes.search;
  const held: { live?: Live } = {};
  const r = await searchMix(ctx, n, async (data) => {
    held.live = await underIngest(ctx, data);
  });
  const b = r.baselines;
  ctx.report.table(TITLE, {
    title: `Search over ${num(n)} records`,
    head: [
      'query',
      'found',
      'runs',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'fastest-slowest ms',
      'errors',
      'target (p95)',
    ],
    rows: r.queries.map((x) =>
      timingRow(x, x.key === 'regexNoLitCount' ? TARGETS.searchRegexNoLit : SEARCH_TARGETS[x.key]),
    ),
    notes: [
      `Through the API route in this process (fastify inject), on a quiet logharbor: one warm-up run, then ${ctx.sizes.searchRuns.min} to ${ctx.sizes.searchRuns.max} runs (up to ${ctx.sizes.searchRuns.seconds} s; a query still short of ${ctx.sizes.searchRuns.min} runs after ${3 * ctx.sizes.searchRuns.seconds} s stops at 5) each. "found": records returned (limit 100), or the histogram's total.`,
      `The pack store (issue 17), every line merged by the compactor: ${b.packs}. The regex without a literal is judged counted (a histogram reads every line of the hour, as grep does): against \`${b.grepLastHour.label}\`, ${ms(b.grepLastHour.ms)} ms in this run.`,
      `Lines of the corpus (bench/corpus/); the rare word is in ${b.expectedRare} rows; the trace id is one the corpus gave ${r.queries.find((q) => q.key === 'trace')?.found ?? '?'} lines. ${QUERY_NOTES}`,
      '"Last hour" and "24 h" end at the newest record of the data set (it is generated once and reused).',
    ],
  });
  ctx.report.table(TITLE, {
    title: `Baselines over the same ${num(n)} lines`,
    head: ['baseline', 'found', 'ms (median)', 'every run'],
    rows: [...b.grep, b.grepLastHour].map((g) => [
      `${g.label} over a flat file of the messages`,
      num(g.found),
      ms(g.ms),
      g.runs.map(ms).join(', '),
    ]),
    notes: [
      "grep (LC_ALL=C, its fastest) counts matching lines of the whole file, all time (the last row: of the last hour's lines alone, a file of their own). The files are usually in the page cache after the first run. PostgreSQL scans of a row table, measured before issue 17, have no table to scan: the lines are in compressed packs.",
    ],
  });
  const rare = r.queries.find((q) => q.key === 'rare');
  const [g] = b.grep;
  if (rare && g)
    ctx.report.headline(
      TITLE,
      `Search over ${num(n)} corpus lines in compressed packs: the rare word in ${ms(rare.p95)} ms p95 through the API, against ${ms(g.ms)} ms for \`${g.label}\` over a flat file of the same lines.`,
    );
  const l = held.live;
  if (l) {
    ctx.report.table(TITLE, {
      title: `Search while logharbor ingests at half its maximum rate (${num(n)} records)`,
      head: [
        'query',
        'idle p50 / p95 ms',
        'under ingest p50 / p95 ms',
        'under ingest fastest-slowest',
        'errors under ingest',
      ],
      rows: l.idle.map((x, i) => {
        const y = l.loaded[i]!;
        return [
          x.label,
          `${ms(x.p50)} / ${ms(x.p95)}`,
          `${ms(y.p50)} / ${ms(y.p95)}`,
          `${ms(y.min)}-${ms(y.max)}`,
          y.errors || '',
        ];
      }),
      notes: [
        `A logharbor serving a copy of the data set, searched over HTTP (its API shares the process with its collector), first idle, then while ${l.load}. ${ctx.sizes.liveSearchRuns.min} to ${ctx.sizes.liveSearchRuns.max} runs (up to ${ctx.sizes.liveSearchRuns.seconds} s, at least 5) per query; the ingested rows join the data set as they commit (newest 100 then finds them).`,
      ],
    });
  }
  for (const x of r.queries) {
    const t = SEARCH_TARGETS[x.key];
    if (t === undefined) continue;
    ctx.report.target({
      section: TITLE,
      what: `${t.what}, ${num(n)} records`,
      value: `${ms(x.p95)} ms`,
      spread: `${ms(x.min)}-${ms(x.max)} ms over ${x.runs} runs`,
      target: targetText(t),
      old: t.old,
      pass: x.errors === 0 && meets(t, x.p95),
    });
  }
  const counted = r.queries.find((q) => q.key === 'regexNoLitCount');
  const noLit = r.queries.find((q) => q.key === 'regexNoLit');
  const gh = b.grepLastHour;
  if (counted) {
    const t = TARGETS.searchRegexNoLit;
    const agree = counted.found === gh.found;
    ctx.report.target({
      section: TITLE,
      what: `${t.what}, ${num(n)} records`,
      value: `${ratio(counted.p95 / gh.ms)}x (${ms(counted.p95)} ms p95 vs ${ms(gh.ms)} ms, ${num(gh.lines)} lines${agree ? '' : `; counted ${num(counted.found)}, grep ${num(gh.found)}`})${noLit ? `; the search (newest 100) ${ratio(noLit.p95 / gh.ms)}x` : ''}`,
      spread: `${ms(counted.min)}-${ms(counted.max)} ms over ${counted.runs} runs; grep ${ms(Math.min(...gh.runs))}-${ms(Math.max(...gh.runs))} ms over ${gh.runs.length}`,
      target: targetText(t),
      pass: agree && counted.errors === 0 && meets(t, counted.p95 / gh.ms),
    });
  }
}

/** The mix over HTTP on a copy of the data set, idle and under ingest at half the max rate. */
interface Live {
  idle: QueryTiming[];
  loaded: QueryTiming[];
  /** The load, in words. */
  load: string;
}

async function underIngest(ctx: BenchContext, data: SearchData): Promise<Live> {
  ctx.log('copying the data set for the run under ingest');
  const copy = await data.copy('lh_search_live');
  try {
    const server = await startServer({
      DATABASE_URL: copy.url,
      // The data set spans 7 days before it was made, maybe days ago: keep all of it.
      LOGHARBOR_RETENTION: '3650d',
    });
    try {
      const call = httpCaller(server.http);
      const runs = ctx.sizes.liveSearchRuns;
      ctx.log('search mix over HTTP, idle');
      const idle = await runMix(call, data.anchorMs, data.meta, runs);
      const port = server.ports['forward-tcp']!;
      let max = ctx.measured.maxPackedRate;
      let source = 'the ingest section';
      if (max === undefined) {
        ctx.log('probing the maximum rate');
        const probe = await maxRun(
          { server, url: copy.url, cluster: await ctx.pg() },
          {
            label: 'probe',
            mode: 'packed',
            events: ctx.opts.quick ? 30_000 : 200_000,
            connections: 4,
            inFlight: 2,
            perRequest: 1000,
            tag: 'probe',
            maxSeconds: 20,
          },
        );
        max = probe.rate;
        source = 'a probe on this logharbor';
      }
      const rate = Math.round(max / 2);
      ctx.log(`search mix over HTTP while ingesting ${num(rate)} events/s`);
      const load = await startBackgroundLoad({
        port,
        rate,
        connections: 4,
        perRequest: 1000,
        maxInFlight: 2,
        seed: 61,
        maxSeconds: 3600,
      });
      await new Promise((r) => setTimeout(r, 2000));
      const loaded = await runMix(call, data.anchorMs, data.meta, runs);
      const s = await load.stop();
      return {
        idle,
        loaded,
        load: `PackedForward at ${num(rate)} events/s (half of ${num(max)}, the maximum measured by ${source}) came in from another process over 4 connections, 1000 events a request: it achieved ${num(s.achieved)} events/s, ack p99 ${ms(s.ackP99)} ms from when due, sender backlog max ${s.backlogMax}`,
      };
    } finally {
      await server.stop();
    }
  } finally {
    await copy.drop();
  }
}

export const search: Section = { name: 'search', title: TITLE, doc: 'main', inDefault: true, run };
