/**
 * The sustained run (--sustained, BENCHMARKS-sustained.md): ten minutes at a fixed rate
 * (issue 8, item 6). The rate is --rate, or else the highest rate found sustainable: starting at
 * 90% of the measured maximum, 30-second trials step down by 15% until one keeps up
 * (achieved >= 97% of asked, the sender never queued more than its in-flight window).
 * The ten minutes count as sustained when logharbor acked at least 99% of the asked rate
 * over the whole run, the wait for the last acks after sending stopped included (so it
 * ended at most 1% of the run behind); a backlog that builds during a checkpoint and
 * drains again is reported, not failed.
 * During the run: a word sent nowhere else every 2 s, searched for through the API until
 * found (time to searchable must stay under 5 minutes); logharbor's RSS and the
 * compactor's lag (the oldest level-0 pack's age, issue 17) every 5 s (RSS must stay
 * flat), and after the run how long the compactor took to merge every level-0 pack; then
 * the plan of a word search (it must walk the packs through an index, not scan a day of
 * them), and the rate against the ceiling (bench/lib/ceiling.ts; the target restated by
 * issue 14, bench/lib/targets.ts). Ack latency is from when each request was due.
 */
import path from 'node:path';
import { CEILING_NAME, measureCeilings } from '../lib/ceiling.js';
import type { BenchContext } from '../lib/context.js';
import { dockerRecords } from '../lib/docker-records.js';
import { RequestFactory } from '../lib/forward-load.js';
import { level0, maxRun, withLogharbor, type Logharbor } from '../lib/ingest-run.js';
import { metric } from '../lib/metrics.js';
import { sendPaced, type PacedResult } from '../lib/paced-load.js';
import { explainWordSearch, Prober } from '../lib/probes.js';
import { ms, num, ratio } from '../lib/report.js';
import { createPool } from '../../core/db/pool.js';
import { mean, percentile } from '../lib/stats.js';
import { TARGETS, meets, targetText } from '../lib/targets.js';
import type { Section } from './section.js';

const SECTION = 'Sustained';
const SEARCHABLE_LIMIT_S = TARGETS.searchable.limit;
const CONNECTIONS = 4;
const IN_FLIGHT = 16;

function paced(
  lh: Logharbor,
  factory: RequestFactory,
  rate: number,
  seconds: number,
  onTick?: (s: number) => void,
): Promise<PacedResult> {
  return sendPaced({
    port: lh.server.ports['forward-tcp']!,
    connections: CONNECTIONS,
    rate,
    seconds,
    // About one request per 10 ms tick, round-robin over the connections.
    perRequest: Math.max(1, Math.min(1000, Math.ceil(rate / 100 / CONNECTIONS) * CONNECTIONS)),
    acks: true,
    maxInFlight: IN_FLIGHT,
    request: (n, chunk) => factory.packedOf(n, chunk),
    ...(onTick ? { onTick } : {}),
  });
}

const keptUp = (r: PacedResult, asked: number) =>
  r.achieved >= 0.97 * asked && r.backlogMax <= CONNECTIONS;
const sustainedAt = (r: PacedResult, asked: number) => r.achieved >= 0.99 * asked;

async function run(ctx: BenchContext): Promise<void> {
  const cluster = await ctx.pg();
  const { report } = ctx;
  const seconds = ctx.sizes.sustainedSeconds;
  await withLogharbor(cluster, 'lh_sustained', {}, async (lh) => {
    const factory = new RequestFactory(dockerRecords(20_000, 41), 'sustained');
    let ceiling = ctx.measured.ceiling;
    let max = ctx.measured.maxPackedRate;
    if (ceiling === undefined || max === undefined) {
      ctx.log('maximum rate and ceiling');
      const m = await maxRun(lh, {
        label: 'max',
        mode: 'packed',
        events: ctx.opts.quick ? 50_000 : 500_000,
        connections: 4,
        inFlight: 2,
        perRequest: 1000,
        tag: 'max',
        maxSeconds: 60,
      });
      const c = await measureCeilings(
        cluster,
        lh.url,
        `tag = 'max'`,
        path.join(ctx.scratch, 'sustained.copy'),
      );
      ceiling = c.binary.median;
      max = m.rate;
    }
    let rate = ctx.opts.rate;
    const trials: (string | number)[][] = [];
    if (rate === null) {
      rate = Math.round(max * 0.9);
      for (let i = 0; i < 6; i++) {
        ctx.log(`trial at ${num(rate)} events/s`);
        const t = await paced(lh, factory, rate, ctx.opts.quick ? 10 : 30);
        const ok = keptUp(t, rate);
        trials.push([
          num(rate),
          num(t.achieved),
          ms(percentile(t.ackMs, 99)),
          t.backlogMax,
          ok ? 'kept up' : 'fell behind',
        ]);
        if (ok) break;
        rate = Math.round(rate * 0.85);
      }
    }

    ctx.log(`${seconds} s at ${num(rate)} events/s`);
    const prober = new Prober(lh.server.ports['forward-tcp']!, lh.server.http);
    await prober.start();
    const rss: { t: number; mb: number }[] = [];
    const lagPool = createPool(lh.url, { max: 1 });
    const lags: { packs: number; lagSeconds: number }[] = [];
    const sampling: Promise<void>[] = [];
    let nextProbe = 0;
    let nextSample = 0;
    const before = await metric(lh.server.http, 'logharbor_events_written_total');
    const run = await paced(lh, factory, rate, seconds, (t) => {
      if (t >= nextProbe) {
        prober.send();
        nextProbe += 2;
      }
      if (t >= nextSample) {
        rss.push({ t, mb: lh.server.rssMb() });
        sampling.push(
          level0(lagPool).then(
            (x) => void lags.push(x),
            () => undefined,
          ),
        );
        nextSample += 5;
      }
    });
    await prober.finish(SEARCHABLE_LIMIT_S * 1000);
    await Promise.all(sampling);
    // After the run: until the compactor has merged every level-0 pack.
    const c0 = performance.now();
    let left = await level0(lagPool);
    while (left.packs > 0 && performance.now() - c0 < 300_000) {
      await new Promise((r) => setTimeout(r, 500));
      left = await level0(lagPool);
    }
    const drainS = (performance.now() - c0) / 1000;
    await lagPool.end();
    const written = (await metric(lh.server.http, 'logharbor_events_written_total')) - before;
    const word = prober.lastWord()!;
    const pool = createPool(lh.url, { max: 2 });
    const plan = await explainWordSearch(pool, word).finally(() => pool.end());

    const tts = prober.times();
    const found = tts.filter(Number.isFinite);
    const third = Math.floor(rss.length / 3);
    const middle = mean(rss.slice(third, 2 * third).map((s) => s.mb));
    const last = mean(rss.slice(2 * third).map((s) => s.mb));
    const growth = (last - middle) / middle;

    if (trials.length)
      report.table(SECTION, {
        title: 'Finding the sustainable rate',
        head: ['events/s asked', 'achieved', 'ack p99 ms', 'sender backlog max', 'verdict'],
        rows: trials,
        notes: [
          `From 90% of the maximum PackedForward rate (${num(max)} events/s), down 15% a step.`,
        ],
      });
    report.table(SECTION, {
      title: `Sustained: ${seconds} s at a fixed rate`,
      head: ['measure', 'value'],
      rows: [
        ['rate asked / achieved (events/s)', `${num(rate)} / ${num(run.achieved)}`],
        ['events sent / committed', `${num(run.events)} / ${num(written - tts.length)}`],
        [
          'ack p50 / p99 / max (ms, from when due)',
          `${ms(percentile(run.ackMs, 50))} / ${ms(percentile(run.ackMs, 99))} / ${ms(percentile(run.ackMs, 100))}`,
        ],
        [
          'sender backlog max / when sending stopped (requests)',
          `${run.backlogMax} / ${run.backlogEnd}`,
        ],
        [
          'kept up over the run (achieved >= 99% of asked)',
          sustainedAt(run, rate) ? 'yes' : 'no: fell behind',
        ],
        ['words probed / found', `${tts.length} / ${found.length}`],
        [
          'time to searchable p50 / p99 / max (s)',
          `${ratio(percentile(found, 50))} / ${ratio(percentile(found, 99))} / ${ratio(percentile(tts, 100))}`,
        ],
        [
          'RSS MB: first sample / middle third / last third / max',
          `${num(rss[0]?.mb ?? NaN)} / ${num(middle)} / ${num(last)} / ${num(Math.max(...rss.map((s) => s.mb)))}`,
        ],
        [
          'rate vs ceiling',
          `${ratio(run.achieved / ceiling)} (${CEILING_NAME}: ${num(ceiling)} rows/s)`,
        ],
        [
          'compaction lag p50 / max, every 5 s (s: the oldest level-0 pack)',
          `${ratio(
            percentile(
              lags.map((x) => x.lagSeconds),
              50,
            ),
          )} / ${ratio(
            percentile(
              lags.map((x) => x.lagSeconds),
              100,
            ),
          )} (${lags.length} samples)`,
        ],
        [
          'level-0 packs waiting p50 / max',
          `${num(
            percentile(
              lags.map((x) => x.packs),
              50,
            ),
          )} / ${num(
            percentile(
              lags.map((x) => x.packs),
              100,
            ),
          )}`,
        ],
        [
          'after the run: until every level-0 pack was merged (s)',
          left.packs === 0 ? ratio(drainS) : `${left.packs} still waiting after ${ratio(drainS)}`,
        ],
        ['word search plan (scans)', plan.scans.join('; ')],
      ],
      notes: [
        `PackedForward over ${CONNECTIONS} connections, up to ${IN_FLIGHT} requests in flight each, acks on. A probe word every 2 s, searched for through GET /api/logs every 250 ms until found. RSS and the compaction lag sampled every 5 s; the compactor takes a level-0 pack once it is 10 s old (collector/compaction/compactor.ts), so a lag of 10-15 s means it keeps up.`,
      ],
    });
    report.target({
      section: SECTION,
      what: TARGETS.searchable.what,
      value: `max ${ratio(percentile(tts, 100))} s (${found.length} of ${tts.length})`,
      spread: `${ratio(percentile(found, 0))}-${ratio(percentile(tts, 100))} s over ${tts.length} probes`,
      target: targetText(TARGETS.searchable),
      pass: found.length === tts.length && meets(TARGETS.searchable, percentile(tts, 100)),
    });
    report.target({
      section: SECTION,
      what: 'word search walks the packs by index (EXPLAIN: no Seq Scan on a day of log_packs)',
      value: plan.seqScans.length ? plan.seqScans.join('; ') : 'no Seq Scan on log_packs',
      spread: '1 plan',
      target: 'no Seq Scan',
      pass: plan.seqScans.length === 0,
    });
    report.target({
      section: SECTION,
      what: TARGETS.rssFlat.what,
      value: `${growth >= 0 ? '+' : ''}${(100 * growth).toFixed(1)}%`,
      spread: `${num(Math.min(...rss.map((x) => x.mb)))}-${num(Math.max(...rss.map((x) => x.mb)))} MB over ${rss.length} samples`,
      target: targetText(TARGETS.rssFlat),
      pass: meets(TARGETS.rssFlat, 100 * growth),
    });
    const sc = TARGETS.sustainedCeiling;
    report.target({
      section: SECTION,
      what: sc.what,
      value: `${ratio(run.achieved / ceiling)}${sustainedAt(run, rate) ? '' : ' (fell behind)'}`,
      spread: '1 run of 10 min',
      target: targetText(sc),
      pass: meets(sc, run.achieved / ceiling) && sustainedAt(run, rate),
    });
  });
}

export const sustained: Section = {
  name: 'sustained',
  title: SECTION,
  doc: 'sustained',
  inDefault: false,
  run,
};
