/**
 * Live-tail latency (issue 8, item 4): from a client's send to the websocket
 * message, with 10 tail clients connected, at 1k and 10k events/s. The sender speaks
 * Message mode without acks (Docker's fluentd driver by default) over 4 connections and
 * stamps each line with its send time; the tail clients, in a process of their own
 * (bench/lib/tail-clients.ts), take the time each message arrives. The target is judged
 * on one-line records: a record the multi-line joiner made of several lines waits for its
 * message to end by design, and is reported beside it (see the table's note).
 */
import type { BenchContext } from '../lib/context.js';
import { dockerRecords } from '../lib/docker-records.js';
import { encodeMessage } from '../lib/forward-load.js';
import { withLogharbor } from '../lib/ingest-run.js';
import { sendPaced } from '../lib/paced-load.js';
import { ms, num, spread } from '../lib/report.js';
import { percentile } from '../lib/stats.js';
import { stamp, startTailClients, type TailReport } from '../lib/tail-clients.js';
import { TARGETS, meets, targetText } from '../lib/targets.js';
import type { Section } from './section.js';

const SECTION = 'Live tail';
const CLIENTS = 10;
const RATES = [1000, 10_000];

async function run(ctx: BenchContext): Promise<void> {
  const cluster = await ctx.pg();
  const rows: (string | number)[][] = [];
  ctx.log('starting logharbor');
  await withLogharbor(cluster, 'lh_tail', {}, async (lh) => {
    const clients = await startTailClients(lh.server.http, CLIENTS);
    await new Promise((r) => setTimeout(r, 1000)); // the short backlogs are sent
    const records = dockerRecords(1000, 31);
    try {
      for (const rate of RATES) {
        ctx.log(`${num(rate)} events/s with ${CLIENTS} tail clients`);
        let i = 0;
        const line = () => {
          const r = records[i++ % records.length]!;
          return { ...r, log: `${r.log}${stamp(rate)}` };
        };
        const port = lh.server.ports['forward-tcp']!;
        const seconds = ctx.sizes.pacedSeconds;
        const [res, probe] = await Promise.all([
          sendPaced({
            port,
            connections: 4,
            rate,
            seconds,
            perRequest: 1,
            acks: false,
            maxInFlight: 1,
            request: () => encodeMessage('tail', Date.now(), line(), null),
          }),
          // Beside the load, 10 lines a second with an ack: how long commit takes, so the
          // table can tell the tail's own delay from the writer's.
          sendPaced({
            port,
            connections: 1,
            rate: 10,
            seconds,
            perRequest: 1,
            acks: true,
            maxInFlight: 1,
            request: (_n, chunk) => encodeMessage('tail', Date.now(), line(), chunk),
          }),
        ]);
        // The last lines arrive: wait until nothing more has come for 2 s.
        let all: number[] = [];
        let report: TailReport | null = null;
        for (
          let last = -1, until = Date.now() + 60_000;
          all.length !== last && Date.now() < until;
        ) {
          last = all.length;
          await new Promise((r) => setTimeout(r, 2000));
          report = await clients.report();
          all = (report.latencies.get(rate) ?? []).flat();
        }
        const singlePerClient = report?.single.get(rate) ?? [];
        const single = singlePerClient.flat();
        const joined = (report?.joined.get(rate) ?? []).flat();
        const joinedLines = all.length - single.length;
        rows.push([
          num(rate),
          num(res.achieved),
          CLIENTS,
          `${((100 * all.length) / ((res.events + probe.events) * CLIENTS)).toFixed(1)}%`,
          ms(percentile(all, 50)),
          ms(percentile(all, 99)),
          ms(percentile(all, 100)),
          `${ms(percentile(single, 50))} / ${ms(percentile(single, 99))}`,
          `${((100 * joinedLines) / Math.max(1, all.length)).toFixed(1)}% / ${ms(percentile(joined, 99))}`,
          `${ms(percentile(probe.ackMs, 50))} / ${ms(percentile(probe.ackMs, 99))}`,
        ]);
        if (rate === RATES[RATES.length - 1])
          ctx.report.target({
            section: SECTION,
            what: TARGETS.tail.what,
            value: `${ms(percentile(single, 99))} ms (every line: ${ms(percentile(all, 99))} ms)`,
            spread: spread(
              singlePerClient.map((xs) => percentile(xs, 99)),
              ms,
              'clients (p99 of each)',
            ),
            target: targetText(TARGETS.tail),
            pass: meets(TARGETS.tail, percentile(single, 99)),
          });
      }
      const { dropped } = await clients.report();
      ctx.report.table(SECTION, {
        title: `Live tail: send to websocket message, ${CLIENTS} clients`,
        head: [
          'events/s asked',
          'sent/s',
          'clients',
          'lines received',
          'every line p50 ms',
          'p99 ms',
          'max ms',
          'one-line records p50 / p99 ms',
          'lines in joined records / their p99 ms from the last line',
          'ack (spool) p50 / p99 ms',
        ],
        rows,
        notes: [
          `${ctx.sizes.pacedSeconds} s per rate; Message mode without acks over 4 connections; every client tails everything (no query). "lines received": of sent x clients. The corpus holds Java stack traces whose lines the sender paces like any other (interleaved with other containers', so one trace takes up to ~100 ms to send, where Docker sends an application's trace at once); the multi-line joiner (on by default) makes one record of each and sends it when the message has ended (LOGHARBOR_MULTILINE's window, 250 ms after its last line at most, or the stream's next line), so its lines wait by design: "every line" counts them from their own send, "lines in joined records" shows their share and the wait from each record's last line. The target is on one-line records, the tail's own delay. "ack (spool)": the ack latency (from when due) of 10 lines a second sent with acks beside the load, i.e. the part of the delay spent before the spool holds the records${dropped ? `; the clients were told ${num(dropped)} records were dropped` : ''}.`,
        ],
      });
    } finally {
      clients.stop();
    }
  });
}

export const tail: Section = { name: 'tail', title: SECTION, doc: 'main', inDefault: true, run };
