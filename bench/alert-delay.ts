/**
 * Alert delay (issue 19): from a matching line's send to its webhook received, under a
 * background of 10,000 lines/s. A real logharbor (dev/server.ts: `serve` from the current
 * sources, embedded PostgreSQL), an "any" alert on the word `alertmark` with no rate limit
 * (`min_interval: 0s`: every match is its own notification), a local webhook receiver.
 *
 *   background  Message mode, no acks, 4 connections, corpus lines (as bench/sections/tail.ts)
 *   markers     `alertmark <k>`, 10 a second on a connection of their own, each stamped
 *               with its send time; the receiver's clock is the same machine's
 *
 * The delay covers the whole path: spool, the writer's commit, NOTIFY, the commit feed,
 * the hub, the evaluator's checkpoint (the decision written), the deliverer's claim and
 * the POST. Also printed, for comparison: a live tail of the same markers (the same path up
 * to the hub), where the time went by logharbor's own stamps (received_at, the decision
 * stored, the delivery), and its `logharbor_alert_delay_seconds`.
 *
 *   npx tsx bench/alert-delay.ts [--rate 10000] [--seconds 30]
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { startServer } from '../dev/server.js';
import { dockerRecords } from './lib/docker-records.js';
import { encodeMessage } from './lib/forward-load.js';
import { sendPaced } from './lib/paced-load.js';
import { mean, percentile } from './lib/stats.js';
import { startReceiver } from './lib/webhook-receiver.js';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '10000' },
    seconds: { type: 'string', default: '30' },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const MARKERS_PER_S = 10;

const log = (s: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

const server = await startServer();
const rx = await startReceiver();
try {
  log(`logharbor at ${server.http}`);
  const res = await fetch(`${server.http}/api/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'bench',
      query: 'alertmark',
      rule: { kind: 'any' },
      min_interval: '0s',
      webhooks: [{ url: rx.url }],
    }),
  });
  if (res.status !== 201) throw new Error(`creating the alert: ${res.status} ${await res.text()}`);
  const port = server.ports['forward-tcp']!;

  // Markers, numbered in sending order on one connection (so their ids ascend in that
  // order): a notification of `count` matches whose first sample is marker k covers
  // markers k .. k + count - 1.
  const mk = net.connect(port, '127.0.0.1');
  await new Promise((r) => mk.once('connect', r));
  const sentAt: number[] = [];
  const sendMarker = () => {
    const k = sentAt.length;
    sentAt.push(Date.now());
    mk.write(
      encodeMessage(
        'marker',
        Date.now(),
        {
          container_id: 'f'.repeat(64),
          container_name: '/marker',
          source: 'stdout',
          log: `alertmark ${k}`,
        },
        null,
      ),
    );
  };
  /** Marker number to when its notification arrived (the first one, for a repeat). */
  const arrived = () => {
    const out = new Map<number, { at: number; grouped: boolean }>();
    for (const r of rx.received) {
      const first = (r.body.samples as { message: string }[] | undefined)?.[0];
      const k = Number(first?.message.slice('alertmark '.length));
      const count = Number(r.body.count);
      if (!Number.isInteger(k)) continue;
      for (let j = 0; j < count; j++)
        if (!out.has(k + j)) out.set(k + j, { at: r.at, grouped: count > 1 });
    }
    return out;
  };

  // Warm-up: a marker every 200 ms until one comes back (the evaluator follows the alert).
  log('warming up');
  const warmUntil = Date.now() + 30_000;
  while (arrived().size === 0) {
    if (Date.now() > warmUntil) throw new Error('no notification within 30 s');
    sendMarker();
    await new Promise((r) => setTimeout(r, 200));
  }
  const runStart = sentAt.length;

  // Beside it, a live tail of the markers: the same path up to the hub, for comparison.
  const tailAt = new Map<number, number>();
  const ws = new WebSocket(`${server.http.replace(/^http/, 'ws')}/api/tail?q=alertmark`);
  ws.on('message', (d: Buffer) => {
    const m = JSON.parse(d.toString()) as { type: string; records?: { message: string }[] };
    for (const r of m.records ?? [])
      tailAt.set(Number(r.message.slice('alertmark '.length)), Date.now());
  });
  await new Promise((r) => ws.once('open', r));

  log(`${RATE} lines/s of background and ${MARKERS_PER_S} markers/s for ${SECONDS} s`);
  const records = dockerRecords(1000, 31);
  let i = 0;
  const markers = (async () => {
    const t0 = performance.now();
    for (let n = 0; n < SECONDS * MARKERS_PER_S; n++) {
      const due = t0 + (n * 1000) / MARKERS_PER_S - performance.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      sendMarker();
    }
  })();
  const [bg] = await Promise.all([
    sendPaced({
      port,
      connections: 4,
      rate: RATE,
      seconds: SECONDS,
      perRequest: 1,
      acks: false,
      maxInFlight: 1,
      request: () => encodeMessage('bench', Date.now(), records[i++ % records.length]!, null),
    }),
    markers,
  ]);
  mk.end();
  const total = sentAt.length - runStart;
  const runArrived = () => [...arrived().keys()].filter((k) => k >= runStart).length;
  // The last markers' notifications.
  const until = Date.now() + 60_000;
  while (runArrived() < total && Date.now() < until) await new Promise((r) => setTimeout(r, 100));

  ws.close();
  const tail: number[] = [];
  for (const [k, at] of tailAt) if (k >= runStart) tail.push(at - sentAt[k]!);

  const delays: number[] = [];
  let grouped = 0;
  for (const [k, a] of arrived()) {
    if (k < runStart) continue;
    delays.push(a.at - sentAt[k]!);
    if (a.grouped) grouped++;
  }
  // Where the time went, from logharbor's own stamps: received_at to the decision stored
  // (alert_notifications.created_at), and from there to the webhook's 2xx.
  const decide: number[] = [];
  const deliver: number[] = [];
  const notes = (await (
    await fetch(`${server.http}/api/alerts/notifications?limit=500`)
  ).json()) as {
    notifications: {
      created_at: string;
      samples: { received_at: string; message: string }[];
      deliveries: { delivered_at: string | null }[];
    }[];
  };
  for (const n of notes.notifications) {
    const first = n.samples[0];
    if (!first || Number(first.message.slice('alertmark '.length)) < runStart) continue;
    decide.push(Date.parse(n.created_at) - Date.parse(first.received_at));
    const d = n.deliveries[0]?.delivered_at;
    if (d) deliver.push(Date.parse(d) - Date.parse(n.created_at));
  }
  const metrics = await (await fetch(`${server.http}/metrics`)).text();
  const sum = Number(/^logharbor_alert_delay_seconds_sum (\S+)/m.exec(metrics)?.[1]);
  const count = Number(/^logharbor_alert_delay_seconds_count (\S+)/m.exec(metrics)?.[1]);
  const f = (x: number) => `${Math.round(x)} ms`;
  console.log(
    [
      `background: ${Math.round(bg.achieved)} lines/s achieved of ${RATE} (${bg.events} lines, ${bg.seconds.toFixed(1)} s)`,
      `markers: ${total} sent, ${delays.length} notified (${total - delays.length} missing), ${grouped} in notifications of more than one`,
      `alert delay, send to webhook: p50 ${f(percentile(delays, 50))}, p90 ${f(percentile(delays, 90))}, p99 ${f(percentile(delays, 99))}, max ${f(Math.max(...delays))}, mean ${f(mean(delays))}`,
      `live tail of the same lines, send to websocket: p50 ${f(percentile(tail, 50))}, p99 ${f(percentile(tail, 99))} (${tail.length})`,
      `  received to decided: p50 ${f(percentile(decide, 50))}, p99 ${f(percentile(decide, 99))}; decided to delivered: p50 ${f(percentile(deliver, 50))}, p99 ${f(percentile(deliver, 99))}`,
      `logharbor_alert_delay_seconds (received_at to 2xx): mean ${f((sum / count) * 1000)} over ${count}`,
    ].join('\n'),
  );
} finally {
  await rx.close();
  await server.stop();
}
