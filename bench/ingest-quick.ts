/**
 * A quick end-to-end ingest run: a real logharbor on an embedded PostgreSQL, Docker-shaped
 * records over the forward protocol with acks, in PackedForward (4 connections, 1000
 * events per request) and in Message mode (one event per request, waiting for each ack,
 * as Docker does with fluentd-request-ack; 32 connections). Prints events/s, ack
 * latency and logharbor's peak memory. `npx tsx bench/ingest-quick.ts [events]`
 */
import { dockerRecords } from './lib/docker-records.js';
import { encodeRequests, percentile, sendAll } from './lib/forward-load.js';
import { startServer } from './lib/server.js';

const total = Number(process.argv[2] ?? 400_000);
const server = await startServer();
const port = server.ports['forward-tcp']!;
try {
  const rows: string[][] = [];
  const run = async (
    label: string,
    mode: 'packed' | 'message',
    n: number,
    connections: number,
    inFlight: number,
  ) => {
    const requests = encodeRequests(dockerRecords(n, 7), mode, 1000);
    const r = await sendAll(port, requests, connections, inFlight);
    rows.push([
      label,
      String(n),
      (n / r.seconds).toFixed(0),
      percentile(r.ackMs, 50).toFixed(1),
      percentile(r.ackMs, 99).toFixed(1),
      server.peakRssMb().toFixed(0),
    ]);
  };
  await run('warm-up (PackedForward)', 'packed', 50_000, 4, 2);
  await run('PackedForward, acks, 4 conns', 'packed', total, 4, 2);
  await run('Message, acks, 32 conns (Docker-style)', 'message', Math.min(total, 60_000), 32, 1);
  console.log('\n| run | events | events/s | ack p50 ms | ack p99 ms | logharbor peak RSS MB |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
} finally {
  await server.stop();
}
