/**
 * Live-tail latency (issue 8, item 4): from a client's send to the websocket
 * message, with 10 tail clients connected, at 1k and 10k events/s. The sender speaks
 * Message mode without acks (Docker's fluentd driver by default) over 4 connections and
 * stamps each line with its send time; the tail clients, in a process of their own
 * (bench/lib/tail-clients.ts), take the time each message arrives.
 */
import type { BenchContext } from '../lib/context.js';
import { dockerRecords } from '../lib/docker-records.js';
import { encodeMessage } from '../lib/forward-load.js';
import { withLogharbor } from '../lib/ingest-run.js';
import { sendPaced } from '../lib/paced-load.js';
import { ms, num, spread } from '../lib/report.js';
import { percentile } from '../lib/stats.js';
import { stamp, startTailClients } from '../lib/tail-clients.js';
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
        let perClient: number[][] = [];
        let all: number[] = [];
        for (
          let last = -1, until = Date.now() + 60_000;
          all.length !== last && Date.now() < until;
        ) {
          last = all.length;
          await new Promise((r) => setTimeout(r, 2000));
          perClient = (await clients.report()).latencies.get(rate) ?? [];
          all = perClient.flat();
        }
        rows.push([
          num(rate),
          num(res.achieved),
          CLIENTS,
          `${((100 * all.length) / ((res.events + probe.events) * CLIENTS)).toFixed(1)}%`,
          ms(percentile(all, 50)),
          ms(percentile(all, 99)),
          ms(percentile(all, 100)),
          `${ms(percentile(probe.ackMs, 50))} / ${ms(percentile(probe.ackMs, 99))}`,
        ]);
        if (rate === RATES[RATES.length - 1])
          ctx.report.target({
            section: SECTION,
            what: TARGETS.tail.what,
            value: `${ms(percentile(all, 99))} ms`,
            spread: spread(
              perClient.map((xs) => percentile(xs, 99)),
              ms,
              'clients (p99 of each)',
            ),
            target: targetText(TARGETS.tail),
            pass: meets(TARGETS.tail, percentile(all, 99)),
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
          'p50 ms',
          'p99 ms',
          'max ms',
          'commit (ack) p50 / p99 ms',
        ],
        rows,
        notes: [
          `${ctx.sizes.pacedSeconds} s per rate; Message mode without acks over 4 connections; every client tails everything (no query). "lines received": of sent x clients. "commit (ack)": the ack latency (from when due) of 10 lines a second sent with acks beside the load, i.e. the part of the delay spent before the records are committed${dropped ? `; the clients were told ${num(dropped)} records were dropped` : ''}.`,
        ],
      });
    } finally {
      clients.stop();
    }
  });
}

export const tail: Section = { name: 'tail', title: SECTION, doc: 'main', inDefault: true, run };
