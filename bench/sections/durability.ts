/**
 * Durable on receipt (issue 16): what the spool costs and what it buys, in one run.
 *
 * 1. Acks per event: one request in flight per connection (Docker's fluentd driver with
 *    request-ack, fluent-logger), over 1 and 32 connections, against logharbor acking
 *    once the spool holds the event (LOGHARBOR_SPOOL_SYNC=always, the default), the same
 *    acking after commit (LOGHARBOR_FORWARD_ACK=commit, as before the spool), and a sink
 *    that acks on receipt and stores nothing (bench/lib/ack-sink.ts), the three in turn
 *    with the same sender (bench/lib/ack-loop.ts): the ratio to the sink is the target.
 * 2. PostgreSQL stopped (fast shutdown) for 60 s under 8 paced forward senders at 2,000
 *    lines/s in all (PackedForward, a request of 25 lines every 100 ms from each, the next
 *    one written once the last is acked: bench/lib/outage-load.ts): how long any sender
 *    is held, how long the spool takes to drain once PostgreSQL is back, and every line
 *    stored once (bench/lib/outage-run.ts).
 * 3. UDP syslog at 10,000 lines/s through a 30 s stop: sent vs stored, and logharbor's
 *    own drop counters.
 * 4. PackedForward burst and live-tail p99, measured by the ingest and tail sections of
 *    the same run, restated against "no worse than before the spool".
 *
 * --quick shortens the stops to 10 s. Items 2 and 3 run against a PostgreSQL of their own
 * (bench/lib/pg-outage.ts), not the shared cluster.
 */
import { startAckSink } from '../lib/ack-sink.js';
import { ackLoop, type AckLoopResult } from '../lib/ack-loop.js';
import { fsyncLoopRate } from '../lib/fsync-loop.js';
import type { BenchContext } from '../lib/context.js';
import { dockerRecords } from '../lib/docker-records.js';
import { DURABILITY_TARGETS as T } from '../lib/durability-targets.js';
import { RequestFactory } from '../lib/forward-load.js';
import { withLogharbor } from '../lib/ingest-run.js';
import { metric } from '../lib/metrics.js';
import { startForwardSenders, sendUdpUntil } from '../lib/outage-load.js';
import { countStored, throughOutage, waitStored } from '../lib/outage-run.js';
import { startStoppablePostgres } from '../lib/pg-outage.js';
import { ms, num, ratio, spread, type Cell } from '../lib/report.js';
import { median, percentile } from '../lib/stats.js';
import { syslogLines } from '../lib/syslog-load.js';
import { TARGETS, meets, targetText, type TargetDef } from '../lib/targets.js';
import { startServer } from '../../dev/server.js';
import { ingest } from './ingest.js';
import type { Section } from './section.js';
import { tail } from './tail.js';

const TITLE = 'Durability';
const SENDERS = 8;
const SENDERS_RATE = 2000;
/** Lines per forward request of the senders: one request every 100 ms from each. */
const PER_REQUEST = 25;
const UDP_RATE = 10_000;
/** Length of the fdatasync loop measured after each round of one connection. */
const FSYNC_SECONDS = 2;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : '-');

function judge(ctx: BenchContext, t: TargetDef, x: number, value: string, spreadText: string) {
  ctx.report.target({
    section: TITLE,
    what: t.what,
    value,
    spread: spreadText,
    target: targetText(t),
    pass: meets(t, x),
  });
}

// 1. ---------------------------------------------------------------------------------

interface Receiver {
  label: string;
  port: number;
  cpu: () => number;
  /** Requests still waiting to be stored (logharbor), to let a run's drain end before the next. */
  settle?: () => Promise<void>;
}

async function settled(http: string): Promise<void> {
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(100))
    if ((await metric(http, 'logharbor_spool_waiting_requests')) === 0) return;
}

async function ackRates(ctx: BenchContext): Promise<void> {
  const seconds = ctx.opts.quick ? 3 : 8;
  const rounds = ctx.opts.quick ? 2 : 3;
  const cluster = await ctx.pg();
  const factory = new RequestFactory(dockerRecords(5000, 51), 'durability-acks');
  const sink = await startAckSink();
  try {
    ctx.log('starting two logharbors: acks after the spool, acks after commit');
    await withLogharbor(cluster, 'lh_dur_spool', { LOGHARBOR_SPOOL_SYNC: 'always' }, (spool) =>
      withLogharbor(
        cluster,
        'lh_dur_commit',
        { LOGHARBOR_FORWARD_ACK: 'commit' },
        async (commit) => {
          const receivers: Receiver[] = [
            {
              label: 'ack-on-receipt sink (stores nothing)',
              port: sink.port,
              cpu: sink.cpuSeconds,
            },
            ...[
              [spool, 'logharbor, ack after the spool (sync always, default)'] as const,
              [commit, 'logharbor, ack after commit (LOGHARBOR_FORWARD_ACK=commit)'] as const,
            ].map(([lh, label]) => ({
              label,
              port: lh.server.ports['forward-tcp']!,
              cpu: () => lh.server.cpuSeconds(),
              settle: () => settled(lh.server.http),
            })),
          ];
          for (const r of receivers) await ackLoop(r.port, 8, 1, factory); // warm-up
          const rows: Cell[][] = [];
          for (const conns of [1, 32]) {
            const runs = receivers.map(() => [] as (AckLoopResult & { cpuMs: number })[]);
            const fsyncRates: number[] = [];
            for (let round = 1; round <= rounds; round++) {
              ctx.log(`${conns} connection(s), round ${round} of ${rounds}`);
              for (const [i, r] of receivers.entries()) {
                await r.settle?.();
                const cpu0 = r.cpu();
                const res = await ackLoop(r.port, conns, seconds, factory);
                runs[i]!.push({ ...res, cpuMs: ((r.cpu() - cpu0) * 1e6) / res.events });
              }
              if (conns === 1) fsyncRates.push(await fsyncLoopRate(FSYNC_SECONDS));
            }
            const sinkRates = runs[0]!.map((x) => x.rate);
            // One connection, sync always: each event waits for the sink's round trip plus
            // one fdatasync, at best (the round's own measurements).
            const bounds = fsyncRates.map((f, k) => 1 / (1 / sinkRates[k]! + 1 / f));
            const boundNote =
              conns === 1
                ? `; one fdatasync per event bounds it at ${ratio(median(bounds) / median(sinkRates))}`
                : '';
            for (const [i, r] of receivers.entries()) {
              const rates = runs[i]!.map((x) => x.rate);
              const vs = rates.map((x, k) => x / sinkRates[k]!);
              const m = median(rates) / median(sinkRates);
              const all = runs[i]!.flatMap((x) => x.ackMs);
              rows.push([
                r.label,
                conns,
                num(median(rates)),
                spread(rates, num),
                ratio(m),
                i === 0 ? '-' : spread(vs, ratio, 'rounds'),
                ms(percentile(all, 50)),
                ms(percentile(all, 99)),
                num(median(runs[i]!.map((x) => x.cpuMs))),
              ]);
              if (i === 1)
                judge(
                  ctx,
                  conns === 1 ? T.ackSpool1 : T.ackSpool32,
                  m,
                  `${ratio(m)} (${num(median(rates))} vs ${num(median(sinkRates))} events/s${boundNote})`,
                  spread(vs, ratio, 'rounds'),
                );
            }
            if (conns === 1) {
              const vs = bounds.map((b, k) => b / sinkRates[k]!);
              rows.push([
                'bound under sync always: the sink round trip + one fdatasync per event',
                conns,
                num(median(bounds)),
                spread(bounds, num),
                ratio(median(bounds) / median(sinkRates)),
                spread(vs, ratio, 'rounds'),
                '-',
                '-',
                '-',
              ]);
            }
          }
          ctx.report.table(TITLE, {
            title: 'An ack per event: one request in flight per connection',
            head: [
              'receiver',
              'conns',
              'events/s (median)',
              'events/s of every run',
              'vs sink',
              'vs sink, each round',
              'ack p50 ms',
              'ack p99 ms',
              'receiver CPU ms/1k events',
            ],
            rows,
            notes: [
              `Message mode, one corpus event per request with option.chunk, the next request written once the previous one is acked (Docker's fluentd driver with fluentd-request-ack=true, npm fluent-logger); ${rounds} rounds of ${seconds} s per receiver and connection count, the three receivers in turn within a round (a round's ratio compares runs seconds apart), the median rate kept.`,
              'The sink (bench/lib/ack-sink.ts) decodes each request with msgpackr and acks it at once, storing nothing: the most an ack-per-event client gets from any receiver on this machine now. Each logharbor writes to a fresh database of the shared cluster; before each of its runs it had stored all it had spooled.',
              'CPU: the receiving process only (logharbor without PostgreSQL; the sink), per 1000 events.',
              `The bound: ${FSYNC_SECONDS} s of pwrite + fdatasync of a 300-byte record in a loop (bench/lib/fsync-loop.ts, a preallocated file on the data directory's filesystem, a FileHandle as the spool uses) after each round; one connection waiting for each ack, with an fdatasync before each ack, gets at most 1 / (1 / sink rate + 1 / that rate).`,
            ],
          });
        },
      ),
    );
  } finally {
    await sink.stop();
  }
}

// 2 and 3. -----------------------------------------------------------------------------

async function outages(ctx: BenchContext): Promise<void> {
  const quick = ctx.opts.quick;
  const db = await startStoppablePostgres();
  ctx.log('starting logharbor on a PostgreSQL of its own');
  const server = await startServer({
    DATABASE_URL: db.url,
    LOGHARBOR_SPOOL_SYNC: 'always',
    // Its warnings while PostgreSQL is away (every retry) would bury the run's progress.
    LOGHARBOR_LOG_LEVEL: 'error',
  });
  const http = server.http;
  const rows: Cell[][] = [];
  try {
    // 2. Forward senders waiting for acks.
    const fwdOutage = quick ? 10 : 60;
    ctx.log(`${SENDERS} forward senders at ${num(SENDERS_RATE)} lines/s`);
    const senders = await startForwardSenders({
      port: server.ports['forward-tcp']!,
      connections: SENDERS,
      rate: SENDERS_RATE,
      perRequest: PER_REQUEST,
      tag: 'dur-outage',
      prefix: 'o',
      seed: 41,
    });
    const ft = await throughOutage(http, db, {
      before: 5,
      outage: fwdOutage,
      after: 3,
      log: (t) => ctx.log(t),
    });
    const sent = await senders.stop();
    await waitStored(http);
    const stored = await countStored(db.url, `tag = 'dur-outage'`);
    const held = (from: number, to: number) =>
      sent.heldMs.filter((_, i) => sent.dueAt[i]! >= from && sent.dueAt[i]! < to);
    const pm = (xs: number[]) => `${ms(percentile(xs, 99))} / ${ms(Math.max(...xs))}`;
    const heldMax = Math.max(...sent.heldMs);
    const perSender = Array.from({ length: SENDERS }, (_, s) =>
      Math.max(...sent.heldMs.filter((_, i) => sent.sender[i] === s)),
    );
    const lost = sent.sent - stored.distinct;
    const doubled = stored.rows - stored.distinct;
    rows.push([
      `forward, ${SENDERS} senders waiting for acks, ${num(SENDERS_RATE)} lines/s in all`,
      fwdOutage,
      pm(held(0, ft.stopAt)),
      pm(held(ft.stopAt, ft.upAt)),
      pm(sent.heldMs),
      secs((ft.drainedAt - ft.upAt) / 1000),
      `${num(ft.waitingMax)} / ${num(ft.spoolBytesMax / 2 ** 20, 1)}`,
      num(ft.drainPerSMax),
      `${num(sent.sent)} / ${num(sent.acked)}`,
      `${num(stored.rows)} / ${num(stored.distinct)}`,
      `${num(lost)} / ${num(doubled)}`,
      '-',
    ]);
    judge(
      ctx,
      T.outageHeld,
      heldMax / 1000,
      `${secs(heldMax / 1000)} s (p99 ${secs(percentile(sent.heldMs, 99) / 1000)} s; before the stop ${secs(Math.max(...held(0, ft.stopAt)) / 1000)} s; drained ${secs((ft.drainedAt - ft.upAt) / 1000)} s after the restart)`,
      spread(perSender, (x) => `${secs(x / 1000)} s`, 'senders (the longest of each)'),
    );
    const badShare = (100 * (Math.abs(lost) + doubled)) / sent.sent;
    judge(
      ctx,
      T.outageStored,
      badShare,
      `${badShare.toFixed(2)}% (${num(sent.sent)} sent and ${num(sent.acked)} acked; ${num(stored.rows)} rows, ${num(stored.distinct)} distinct)`,
      '1 run',
    );

    // 3. UDP syslog.
    const udpOutage = quick ? 10 : 30;
    ctx.log(`UDP syslog at ${num(UDP_RATE)} lines/s`);
    const pool = syslogLines(20_000, 6, 'dur-udp');
    const line = (i: number) => pool[i % pool.length]!.replace(' - ', ` - u-${i} `);
    const dropped = () => metric(http, 'logharbor_events_dropped_total', 'listener="syslog-udp"');
    const dropped0 = await dropped();
    const stop = new AbortController();
    const progress = { sent: 0 };
    const sending = sendUdpUntil(
      server.ports['syslog-udp']!,
      UDP_RATE,
      line,
      stop.signal,
      progress,
    );
    // Sent and dropped as each phase ends: drops for want of capacity show before the stop.
    const marks: { sent: number; dropped: number }[] = [{ sent: 0, dropped: dropped0 }];
    // The last phase runs from the drain's end until the last datagrams were read.
    const mark = async (end?: string) => {
      if (end !== 'after') marks.push({ sent: progress.sent, dropped: await dropped() });
    };
    const ut = await throughOutage(http, db, {
      before: 5,
      outage: udpOutage,
      after: 3,
      log: (t) => ctx.log(t),
      mark,
    }).finally(() => stop.abort());
    const udpSent = await sending;
    await sleep(2000); // the last datagrams are read
    await waitStored(http);
    await mark();
    const udpDropped = marks[marks.length - 1]!.dropped - dropped0;
    const phases = marks.slice(1).map((m, i) => {
      const d = m.dropped - marks[i]!.dropped;
      const n = m.sent - marks[i]!.sent;
      return `${num(d)} of ${num(n)}`;
    });
    const udpStored = await countStored(db.url, `host = 'dur-udp'`);
    const udpLost = udpSent - udpStored.distinct;
    const udpDoubled = udpStored.rows - udpStored.distinct;
    rows.push([
      `UDP syslog, ${num(UDP_RATE)} lines/s`,
      udpOutage,
      '-',
      '-',
      '-',
      secs((ut.drainedAt - ut.upAt) / 1000),
      `${num(ut.waitingMax)} / ${num(ut.spoolBytesMax / 2 ** 20, 1)}`,
      num(ut.drainPerSMax),
      num(udpSent),
      `${num(udpStored.rows)} / ${num(udpStored.distinct)}`,
      `${num(udpLost)} / ${num(udpDoubled)}`,
      `${num(udpDropped)} (${phases.join(' / ')})`,
    ]);
    const udpShare = (100 * (Math.abs(udpLost) + udpDoubled)) / udpSent;
    judge(
      ctx,
      T.udpDropped,
      Math.max(udpShare, udpDropped > 0 ? 100 * (udpDropped / udpSent) : 0),
      `${udpShare.toFixed(2)}% (${num(udpSent)} sent, ${num(udpStored.distinct)} stored; ${num(udpDropped)} counted as dropped by logharbor)`,
      '1 run',
    );
    ctx.report.table(TITLE, {
      title: 'PostgreSQL stopped under load',
      head: [
        'load',
        'stop s',
        'held before the stop p99 / max ms',
        'held during the stop p99 / max ms',
        'held, whole run p99 / max ms',
        'drained s after the restart',
        'waiting most: requests / spool MB',
        'drain records/s most',
        'sent / acked',
        'stored rows / distinct',
        'lost / doubled',
        'dropped by logharbor: before / stop / drain / after (of sent)',
      ],
      rows,
      notes: [
        `PostgreSQL (embedded, fsync on, a cluster of its own) stopped with a fast shutdown ${5} s into the load and started again on the same port after the stop; the load goes on throughout and ${3} s past the drain. PostgreSQL took ${secs((ft.upAt - ft.restartAt) / 1000)} s and ${secs((ut.upAt - ut.restartAt) / 1000)} s to start again; logharbor's status said it was unreachable ${ft.noticedS === null ? 'never' : `${secs(ft.noticedS)} s`} after the first stop.`,
        `Forward: ${SENDERS} senders in a process of their own (bench/lib/outage-load.ts), ${num(SENDERS_RATE / SENDERS)} lines/s each on a fixed schedule as PackedForward requests of ${PER_REQUEST} corpus lines with option.chunk (a forwarder flushing a chunk every ${(1000 * PER_REQUEST * SENDERS) / SENDERS_RATE} ms), each writing its next request once the last one is acked. "held": from when a request was due (its last line) to its ack, so a sender waiting for an ack while its next request is due counts that wait; during the stop (requests due from the stop until PostgreSQL was up again) and over the whole run.`,
        `"drained": from PostgreSQL accepting connections again until nothing waits in the spool that is older than 1 s (GET /api/sources, sampled every 100 ms; the load goes on, so the last moment's requests always wait). "waiting most": the most requests waiting and the largest spool seen (${num(ft.waitingBefore)} requests at most in the 5 s before the first stop).`,
        `Stored: every line carries an id of its own as its first word; after the load stopped and the spool emptied, rows and distinct ids read through the store's own reader (dev/stored-rows.ts). "lost": sent but not stored; "doubled": rows past the first per id. UDP: one RFC 5424 datagram per line (Docker's rfc5424micro shape), "dropped": logharbor_events_dropped_total of the UDP listener (its own limits and the kernel's socket-buffer drops it reads from /proc/net/udp).`,
      ],
    });
  } finally {
    await server.stop();
    await db.close();
  }
}

// 4. -----------------------------------------------------------------------------------

/** "77,306-80,486 over 3 runs" -> [77306, 80486, 3]. */
function rangeOf(text: string | undefined): [number, number, number] | null {
  const m = /^([\d,.]+)-([\d,.]+) over (\d+) runs$/.exec(text ?? '');
  const n = (i: number) => Number(m![i]!.replace(/,/g, ''));
  return m ? [n(1), n(2), n(3)] : null;
}

function beforeTheSpool(ctx: BenchContext): void {
  const { measured, report } = ctx;
  const fb = T.forwardBefore;
  if (measured.maxPackedRate === undefined || measured.oldCeiling === undefined)
    report.target({
      section: TITLE,
      what: fb.what,
      value: `not measured: run the ${ingest.name} section in the same run`,
      spread: '-',
      target: targetText(fb),
      pass: null,
    });
  else {
    const x = measured.maxPackedRate / measured.oldCeiling;
    const table = report.tables.find(
      (t) => t.section === ingest.title && t.table.title.startsWith('Forward ingest, end to end'),
    )?.table;
    const col = table?.head.indexOf('events/s of every run') ?? -1;
    const range = col >= 0 ? rangeOf(String(table!.rows[0]?.[col])) : null;
    judge(
      ctx,
      fb,
      x,
      `${ratio(x)} (${num(measured.maxPackedRate)} vs ${num(measured.oldCeiling)} events/s, the ${ingest.title} section)`,
      range
        ? `${ratio(range[0] / measured.oldCeiling)}-${ratio(range[1] / measured.oldCeiling)} over ${range[2]} runs`
        : '-',
    );
  }
  const tb = T.tailBefore;
  const t = report.targets.find((x) => x.section === tail.title && x.what === TARGETS.tail.what);
  const p99 = t ? Number.parseFloat(t.value) : NaN;
  report.target({
    section: TITLE,
    what: tb.what,
    value: t
      ? `${t.value} (the ${tail.title} section)`
      : `not measured: run the ${tail.name} section in the same run`,
    spread: t?.spread ?? '-',
    target: targetText(tb),
    pass: t ? meets(tb, p99) : null,
  });
}

async function run(ctx: BenchContext): Promise<void> {
  await ackRates(ctx);
  await outages(ctx);
  beforeTheSpool(ctx);
}

export const durability: Section = {
  name: 'durability',
  title: TITLE,
  doc: 'main',
  inDefault: true,
  run,
};
