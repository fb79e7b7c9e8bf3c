/**
 * Section 5: scaling curves (issue 8, item 5): forward ingest rate against the writer's
 * batch size (LOGHARBOR_BATCH_SIZE, one logharbor per value) and against the number of
 * connections, and search latency against table size (1M and 10M records; 50M with
 * --big), each point on the same machine in the same run.
 */
import type { BenchContext } from '../lib/context.js';
import { maxRun, withLogharbor, type MaxRun } from '../lib/ingest-run.js';
import { ms, num } from '../lib/report.js';
import type { MixResult, QueryKey } from '../lib/search-mix.js';
import { searchMix } from './search.js';

const SECTION = 'Scaling';
const BATCH_SIZES = [250, 1000, 4000, 16000];
const PACKED_CONNS = [1, 2, 4, 8];
const MESSAGE_CONNS = [1, 8, 32, 128];

export async function scaling(ctx: BenchContext): Promise<void> {
  const cluster = await ctx.pg();
  const { sizes } = ctx;
  const cap = sizes.scalingSeconds;

  const batchRows: (string | number)[][] = [];
  for (const b of ctx.opts.quick ? [1000, 4000] : BATCH_SIZES) {
    ctx.log(`batch size ${b}`);
    const r = await withLogharbor(
      cluster,
      'lh_scaling',
      { LOGHARBOR_BATCH_SIZE: String(b) },
      async (lh) => {
        await maxRun(lh, {
          label: 'warm-up',
          mode: 'packed',
          events: 20_000,
          connections: 4,
          inFlight: 8,
          perRequest: 100,
          tag: 'warmup',
          maxSeconds: cap,
        });
        return maxRun(lh, {
          label: String(b),
          mode: 'packed',
          events: sizes.scalingPacked,
          connections: 4,
          inFlight: 8,
          perRequest: 100,
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
      'PackedForward, 100 events per request, 4 connections with 8 requests in flight each (so batches can be made of many requests); a fresh logharbor and database per point. Default batch size: 4000.',
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
      `One logharbor; each point runs until its events are acked or ${cap} s have passed (then it counts what was sent).`,
    ],
  });

  const mixes: MixResult[] = [];
  for (const n of sizes.searchSizes) {
    ctx.log(`search over ${num(n)} records`);
    mixes.push(await searchMix(ctx, n));
  }
  const keys: QueryKey[] = mixes[0]!.queries.map((q) => q.key);
  ctx.report.table(SECTION, {
    title: 'Search p95 (ms) vs table size',
    head: ['query', ...mixes.map((m) => `${num(m.n)} records`)],
    rows: [
      ...keys.map((k) => [
        mixes[0]!.queries.find((q) => q.key === k)!.label,
        ...mixes.map((m) => ms(m.queries.find((q) => q.key === k)!.p95)),
      ]),
      ['grep -c rare word over the flat file (one run)', ...mixes.map((m) => ms(m.grepMs))],
      ["ILIKE '%rare word%' scan (one run)", ...mixes.map((m) => ms(m.ilikeMs))],
    ],
    notes: [
      'The query mix of the search section; data sets in .bench/search-<N>/ (generated on first use).',
    ],
  });
}
