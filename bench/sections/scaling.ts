/**
 * Scaling curves (issue 8, item 5; issue 14): forward ingest rate against the writer's
 * batch size (LOGHARBOR_BATCH_SIZE, one logharbor per value, the sender's window larger
 * than any batch so that the curve shows the writer) and against the number of
 * connections, and search latency against table size (1M and 10M records), each point
 * on the same machine in the same run. bench/sections/big.ts adds 50M (--big).
 */
import type { BenchContext, SearchResult } from '../lib/context.js';
import { maxRun, withLogharbor, type MaxRun } from '../lib/ingest-run.js';
import { ms, num, type Table } from '../lib/report.js';
import type { QueryKey } from '../lib/search-mix.js';
import { searchMix } from './search.js';
import type { Section } from './section.js';

const SECTION = 'Scaling';
const BATCH_SIZES = [250, 1000, 4000, 16000];
const PACKED_CONNS = [1, 2, 4, 8];
const MESSAGE_CONNS = [1, 8, 32, 128];
/**
 * The batch curve's sender: 4 connections x 160 requests of 100 events in flight, 64,000
 * events, more than the largest batch on every lane (2 x 16,000) with a batch to spare;
 * the queue limit is raised above it so that backpressure does not bound it either.
 */
const BATCH_WINDOW = { connections: 4, inFlight: 160, perRequest: 100 };
const BATCH_QUEUE_MAX = 100_000;

async function run(ctx: BenchContext): Promise<void> {
  const cluster = await ctx.pg();
  const { sizes } = ctx;
  const cap = sizes.scalingSeconds;

  const batchRows: (string | number)[][] = [];
  for (const b of ctx.opts.quick ? [1000, 4000] : BATCH_SIZES) {
    ctx.log(`batch size ${b}`);
    const r = await withLogharbor(
      cluster,
      'lh_scaling',
      { LOGHARBOR_BATCH_SIZE: String(b), LOGHARBOR_QUEUE_MAX: String(BATCH_QUEUE_MAX) },
      async (lh) => {
        await maxRun(lh, {
          label: 'warm-up',
          mode: 'packed',
          events: 20_000,
          ...BATCH_WINDOW,
          tag: 'warmup',
          maxSeconds: cap,
        });
        return maxRun(lh, {
          label: String(b),
          mode: 'packed',
          events: sizes.scalingPacked,
          ...BATCH_WINDOW,
          tag: 'batch',
          maxSeconds: cap,
        });
      },
    );
    batchRows.push([
      num(b),
      num(r.events),
      num(r.rate),
      ms(r.ackP50),
      ms(r.ackP99),
      num(r.peakRssMb),
      `${num(r.cpuLogharbor)} / ${num(r.cpuPostgres)}`,
      `${num(r.batchRows)} / ${ms(r.batchMs)} / ${num(100 * r.writerBusy)}%`,
    ]);
  }
  ctx.report.table(SECTION, {
    title: 'Ingest rate vs writer batch size (LOGHARBOR_BATCH_SIZE)',
    head: [
      'batch size',
      'events',
      'events/s',
      'ack p50 ms',
      'ack p99 ms',
      'peak RSS MB',
      'CPU ms/1k: logharbor / PostgreSQL',
      'writer batches: rows / ms / busy',
    ],
    rows: batchRows,
    notes: [
      `PackedForward, ${BATCH_WINDOW.perRequest} events per request, ${BATCH_WINDOW.connections} connections with ${BATCH_WINDOW.inFlight} requests in flight each: ${num(BATCH_WINDOW.connections * BATCH_WINDOW.inFlight * BATCH_WINDOW.perRequest)} events, more than every lane's largest batch (so the writer, not the sender's window, sets the batch: "rows" shows how full they were); LOGHARBOR_QUEUE_MAX ${num(BATCH_QUEUE_MAX)} so that backpressure does not bound it either. A fresh logharbor and database per point; each timed until acked and committed. Ack latencies are those of a full window. Default batch size: 4000.`,
    ],
  });

  const connRows: (string | number)[][] = [];
  await withLogharbor(cluster, 'lh_scaling', {}, async (lh) => {
    await maxRun(lh, {
      label: 'warm-up',
      mode: 'packed',
      events: 20_000,
      connections: 4,
      inFlight: 2,
      perRequest: 1000,
      tag: 'warmup',
      maxSeconds: cap,
    });
    const runs: MaxRun[] = [];
    for (const c of ctx.opts.quick ? [1, 4] : PACKED_CONNS) {
      ctx.log(`PackedForward, ${c} connections`);
      runs.push(
        await maxRun(lh, {
          label: 'PackedForward, 1000 events/request, 2 in flight',
          mode: 'packed',
          events: sizes.scalingPacked,
          connections: c,
          inFlight: 2,
          perRequest: 1000,
          tag: 'conns',
          maxSeconds: cap,
        }),
      );
    }
    for (const c of ctx.opts.quick ? [1, 32] : MESSAGE_CONNS) {
      ctx.log(`Message mode, ${c} connections`);
      runs.push(
        await maxRun(lh, {
          label: 'Message mode, wait for each ack (Docker)',
          mode: 'message',
          events: sizes.scalingMessage,
          connections: c,
          inFlight: 1,
          perRequest: 1,
          tag: 'conns',
          maxSeconds: cap,
        }),
      );
    }
    for (const r of runs)
      connRows.push([
        r.label,
        r.connections,
        num(r.events),
        num(r.rate),
        ms(r.ackP50),
        ms(r.ackP99),
        num(r.peakRssMb),
      ]);
  });
  ctx.report.table(SECTION, {
    title: 'Ingest rate vs connections',
    head: ['mode', 'connections', 'events', 'events/s', 'ack p50 ms', 'ack p99 ms', 'peak RSS MB'],
    rows: connRows,
    notes: [
      `One logharbor; each point runs until its events are acked and committed, sending for at most ${cap} s (then it counts what was sent). Ack latency from the write: each connection keeps its window full.`,
    ],
  });

  const mixes: SearchResult[] = [];
  for (const n of sizes.searchSizes) {
    ctx.log(`search over ${num(n)} records`);
    mixes.push(await searchMix(ctx, n));
  }
  ctx.report.table(SECTION, searchCurve(mixes));
}

/** p95 of every query of the mix, and the baselines, per table size. */
export function searchCurve(mixes: SearchResult[]): Table {
  const keys: QueryKey[] = mixes[0]!.queries.map((q) => q.key);
  const base = (i: number) => mixes.map((m) => ms(m.baselines.grep[i]?.ms ?? NaN));
  return {
    title: 'Search p95 (ms) vs table size',
    head: ['query', ...mixes.map((m) => `${num(m.n)} records`)],
    rows: [
      ...keys.map((k) => [
        mixes[0]!.queries.find((q) => q.key === k)!.label,
        ...mixes.map((m) => ms(m.queries.find((q) => q.key === k)?.p95 ?? NaN)),
      ]),
      ...mixes[0]!.baselines.grep.map((g, i) => [
        `${g.label}, flat file (median of 3)`,
        ...base(i),
      ]),
      [
        "grep -cE of the regex without a literal, the last hour's lines (median of 3)",
        ...mixes.map((m) => ms(m.baselines.grepLastHour.ms)),
      ],
    ],
    notes: [
      'The query mix and baselines of the search section, each data set in .bench/search-c<corpus version>-s<store version>-<N>/ (generated on first use; its packs all merged by the compactor).',
    ],
  };
}

export const scaling: Section = {
  name: 'scaling',
  title: SECTION,
  doc: 'main',
  inDefault: true,
  run,
};
