/**
 * Syslog ingest (issue 8, item 2; issue 14). RFC 5424 lines (Docker's rfc5424micro shape,
 * corpus text) into a real logharbor: octet-counted over 4 TCP connections, timed until
 * every line is committed, several runs with the median kept; then over UDP at 10k
 * lines/s and at the rate TCP reached, with the share lost. The same lines go over TCP to
 * a private rsyslogd writing to the same PostgreSQL with its own output module (ompgsql),
 * timed until every row is there. Ceilings: the rows logharbor stored from the first TCP
 * run (bench/lib/ceiling.ts).
 */
import path from 'node:path';
import { createPool } from '../../core/db/pool.js';
import { CEILING_NAME, OLD_CEILING_NAME, measureCeilings, type Ceilings } from '../lib/ceiling.js';
import type { BenchContext } from '../lib/context.js';
import { cpuSecondsOf, resetPeak, selfCpuSeconds, statusMb } from '../../dev/proc.js';
import { checkpoint, withLogharbor, type Logharbor } from '../lib/ingest-run.js';
import { metric, waitQuiet, waitWritten } from '../lib/metrics.js';
import { num, ratio, spread } from '../lib/report.js';
import { SYSTEM_EVENTS_SQL, rsyslogPgsqlMissing, startRsyslogPgsql } from '../lib/rsyslog-pgsql.js';
import { medianRun } from '../lib/stats.js';
import { octetCounted, sendTcp, sendUdp, syslogLines } from '../lib/syslog-load.js';
import { TARGETS, meets, targetText } from '../lib/targets.js';
import type { Section } from './section.js';

const SECTION = 'Syslog ingest';
const CONNECTIONS = 4;
const UDP_MODERATE = 10_000;

interface Run {
  lines: number;
  rate: number;
  /** CPU ms per 1000 lines: receiver, PostgreSQL, sender. */
  cpu: [number, number, number];
  peakRssMb: number | null;
}

async function tcpRun(lh: Logharbor, lines: string[], before: number): Promise<Run> {
  const frames = octetCounted(lines);
  await checkpoint(lh.url);
  lh.server.resetPeak();
  const cpu0 = [lh.server.cpuSeconds(), lh.cluster.cpuSeconds(), selfCpuSeconds()];
  const t0 = performance.now();
  await sendTcp(lh.server.ports['syslog-tcp']!, frames, CONNECTIONS);
  const done = await waitWritten(lh.server.http, before + lines.length);
  const cpu1 = [lh.server.cpuSeconds(), lh.cluster.cpuSeconds(), selfCpuSeconds()];
  const per1k = (i: number) => ((cpu1[i]! - cpu0[i]!) * 1e6) / lines.length;
  return {
    lines: lines.length,
    rate: (lines.length * 1000) / (done - t0),
    cpu: [per1k(0), per1k(1), per1k(2)],
    peakRssMb: lh.server.peakRssMb(),
  };
}

async function run(ctx: BenchContext): Promise<void> {
  const { sizes, report } = ctx;
  const cluster = await ctx.pg();
  const tcpRuns: Run[] = [];
  const udp: { sent: number; rate: number; stored: number; dropped: number }[] = [];
  let ceil!: Ceilings;
  ctx.log('starting logharbor');
  await withLogharbor(cluster, 'lh_syslog', {}, async (lh) => {
    ctx.log('warm-up');
    const warm = Math.min(20_000, sizes.syslogTcp);
    await tcpRun(lh, syslogLines(warm, 1, 'warmhost'), 0);
    // Records written so far: fewer than lines sent where the multi-line joiner joined a
    // stack trace's lines, so read from the metric rather than counted.
    const writtenNow = () => metric(lh.server.http, 'logharbor_events_written_total');
    let before = await writtenNow();
    for (let i = 1; i <= sizes.syslogRuns; i++) {
      ctx.log(`RFC 5424 octet-counted over TCP (${i} of ${sizes.syslogRuns})`);
      tcpRuns.push(await tcpRun(lh, syslogLines(sizes.syslogTcp, 2 + i, `host${i}`), before));
      before = await writtenNow();
    }
    ctx.log('ceilings');
    ceil = await measureCeilings(
      cluster,
      lh.url,
      `host = 'host1'`,
      path.join(ctx.scratch, 'syslog.copy'),
    );
    const tcp = medianRun(tcpRuns, (r) => r.rate);
    // At a moderate rate, and at the rate TCP reached.
    for (const rate of [Math.min(UDP_MODERATE, Math.round(tcp.rate / 2)), Math.round(tcp.rate)]) {
      ctx.log(`RFC 5424 over UDP at ${num(rate)} lines/s`);
      const dropped0 = await metric(lh.server.http, 'logharbor_events_dropped_total', 'syslog-udp');
      const lines = syslogLines(sizes.syslogUdp, 4 + udp.length, 'udphost');
      await sendUdp(lh.server.ports['syslog-udp']!, lines, rate);
      const written = await waitQuiet(lh.server.http);
      udp.push({
        sent: lines.length,
        rate,
        stored: written - before,
        dropped:
          (await metric(lh.server.http, 'logharbor_events_dropped_total', 'syslog-udp')) - dropped0,
      });
      before = written;
    }
  });

  const missing = rsyslogPgsqlMissing();
  let rsyslog: Run | null = null;
  if (missing) report.problem(SECTION, `rsyslog-pgsql row skipped: ${missing}`);
  else {
    ctx.log('rsyslog with ompgsql over TCP');
    rsyslog = await rsyslogRun(ctx, syslogLines(sizes.rsyslog, 3, 'host1'), sizes.rsyslogSeconds);
  }

  const tcp = medianRun(tcpRuns, (r) => r.rate);
  const row = (label: string, r: Run, runs: Run[]) => [
    label,
    num(r.lines),
    num(r.rate),
    runs.length > 1
      ? spread(
          runs.map((x) => x.rate),
          num,
        )
      : '1 run',
    `${num(r.cpu[0])} / ${num(r.cpu[1])} / ${num(r.cpu[2])}`,
    r.peakRssMb === null ? '-' : num(r.peakRssMb),
    ratio(r.rate / ceil.binary.median),
    ratio(r.rate / ceil.text.median),
  ];
  const rows = [row(`logharbor, octet-counted TCP, ${CONNECTIONS} conns`, tcp, tcpRuns)];
  if (rsyslog) rows.push(row(`rsyslog imtcp -> ompgsql, ${CONNECTIONS} conns`, rsyslog, [rsyslog]));
  report.table(SECTION, {
    title: 'Syslog over TCP, until every line is committed',
    head: [
      'receiver',
      'lines',
      'lines/s',
      'lines/s of every run',
      'CPU ms/1k lines: receiver / PostgreSQL / sender',
      'peak RSS MB',
      'vs ceiling',
      'vs old ceiling',
    ],
    rows,
    notes: [
      `RFC 5424 lines shaped like Docker's syslog-format=rfc5424micro, the corpus's text (bench/corpus/) after the header, the same lines to both receivers, into the same PostgreSQL. logharbor: the run of median rate of ${tcpRuns.length}, each timed until every line is committed.`,
      `rsyslog: a private rsyslogd, imtcp on 127.0.0.1, ompgsql (Debian rsyslog-pgsql) with its built-in template into the SystemEvents table of the Debian package, LinkedList action queue, 1000-message batches, 2 workers. Its rate: rows stored / seconds since the first line was sent, over at most ${sizes.rsyslogSeconds} s (it queues what it has not stored yet, so a window that ends first still measures its storage rate).`,
      `Ceilings of the ${num(ceil.rows)} rows logharbor stored in the first run: ${CEILING_NAME} ${num(ceil.binary.median)} rows/s (every load: ${ceil.binary.loads.map((x) => num(x)).join(', ')}); the old ceiling, ${OLD_CEILING_NAME}, ${num(ceil.text.median)} (${ceil.text.loads.map((x) => num(x)).join(', ')}); the new loader into logs ${num(ceil.binaryLogs.median)}. Medians of the loads (bench/lib/ceiling.ts).`,
    ],
  });
  report.table(SECTION, {
    title: 'Syslog over UDP',
    head: ['rate asked', 'lines sent', 'stored', 'lost', 'counted as dropped by logharbor'],
    rows: udp.map((u) => [
      num(u.rate),
      num(u.sent),
      num(u.stored),
      `${((100 * (u.sent - u.stored)) / u.sent).toFixed(2)}%`,
      num(u.dropped),
    ]),
    notes: [
      `One datagram per line, at ${num(UDP_MODERATE)} lines/s (or half the TCP rate if lower) and at the rate TCP reached; "dropped" counts what logharbor saw lost (its queue limit, and kernel socket-buffer drops it reads from /proc/net/udp). "stored" counts records: the multi-line joiner makes one of a stack trace's lines (about 5% of these corpus lines over TCP), which "lost" counts as lost.`,
    ],
  });
  const vs = TARGETS.syslogRsyslog;
  report.target({
    section: SECTION,
    what: vs.what,
    value: rsyslog
      ? `${ratio(tcp.rate / rsyslog.rate)}x (${num(tcp.rate)} vs ${num(rsyslog.rate)})`
      : 'rsyslog-pgsql not installed',
    spread: rsyslog
      ? spread(
          tcpRuns.map((r) => r.rate / rsyslog.rate),
          ratio,
        )
      : '-',
    target: targetText(vs),
    pass: rsyslog ? meets(vs, tcp.rate / rsyslog.rate) : null,
  });
  const sc = TARGETS.syslogCeiling;
  report.target({
    section: SECTION,
    what: sc.what,
    value: `${ratio(tcp.rate / ceil.binary.median)} (${num(tcp.rate)} vs ${num(ceil.binary.median)}); old ceiling ${ratio(tcp.rate / ceil.text.median)}`,
    spread: spread(
      tcpRuns.map((r) => r.rate / ceil.binary.median),
      ratio,
    ),
    target: targetText(sc),
    pass: meets(sc, tcp.rate / ceil.binary.median),
  });
}

async function rsyslogRun(ctx: BenchContext, lines: string[], capSeconds: number): Promise<Run> {
  const cluster = await ctx.pg();
  const url = await cluster.createDatabase('lh_rsyslog');
  const pool = createPool(url, { max: 1 });
  try {
    await pool.query(SYSTEM_EVENTS_SQL);
    const rs = await startRsyslogPgsql(url);
    try {
      await pool.query('CHECKPOINT');
      resetPeak(rs.pid);
      const cpu0 = [cpuSecondsOf(rs.pid), cluster.cpuSeconds(), selfCpuSeconds()];
      const t0 = performance.now();
      await sendTcp(rs.port, octetCounted(lines), CONNECTIONS);
      // Its queue holds what it has not stored yet, so the rate over a window that ends
      // before the queue empties is its storage rate: the window is capped.
      const until = t0 + capSeconds * 1000;
      let n = 0;
      for (;;) {
        n = Number(
          (await pool.query<{ n: string }>('SELECT count(*) AS n FROM SystemEvents')).rows[0]!.n,
        );
        if (n >= lines.length || performance.now() > until) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      if (n === 0) throw new Error(`rsyslog stored nothing in ${capSeconds} s:\n${await rs.log()}`);
      const t1 = performance.now();
      const cpu1 = [cpuSecondsOf(rs.pid), cluster.cpuSeconds(), selfCpuSeconds()];
      const per1k = (i: number) => ((cpu1[i]! - cpu0[i]!) * 1e6) / n;
      return {
        lines: n,
        rate: (n * 1000) / (t1 - t0),
        cpu: [per1k(0), per1k(1), per1k(2)],
        peakRssMb: statusMb(rs.pid, 'VmHWM'),
      };
    } finally {
      await rs.stop();
    }
  } finally {
    await pool.end();
    await cluster.dropDatabase('lh_rsyslog');
  }
}

export const syslog: Section = {
  name: 'syslog',
  title: SECTION,
  doc: 'main',
  inDefault: true,
  run,
};
