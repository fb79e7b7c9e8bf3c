/**
 * A quick syslog ingest run: RFC 5424 lines (Docker's rfc5424micro shape), octet-counted
 * over 4 TCP connections, into a real logharbor on an embedded PostgreSQL; timed until
 * every line is committed. `npx tsx bench/syslog-quick.ts [lines]`
 */
import net from 'node:net';
import { dockerRecords } from './lib/docker-records.js';
import { waitWritten } from './lib/metrics.js';
import { startServer } from './lib/server.js';

const total = Number(process.argv[2] ?? 300_000);
const connections = 4;
const server = await startServer();
try {
  const port = server.ports['syslog-tcp']!;
  const recs = dockerRecords(total, 3);
  const now = Date.now();
  const frames = recs.map((r, i) => {
    const line = `<30>1 ${new Date(now + i).toISOString()} host1 ${r.container_id.slice(0, 12)} 4242 ${r.container_id.slice(0, 12)} - ${r.log}`;
    return `${Buffer.byteLength(line)} ${line}`;
  });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, (_, c) => {
      const sock = net.connect(port, '127.0.0.1');
      const mine = frames.filter((_, i) => i % connections === c);
      return new Promise<void>((resolve) => {
        sock.once('connect', async () => {
          for (let i = 0; i < mine.length; i += 2000) {
            if (!sock.write(mine.slice(i, i + 2000).join('')))
              await new Promise((r) => sock.once('drain', r));
          }
          sock.end(resolve);
        });
      });
    }),
  );
  const done = await waitWritten(server.http, total);
  const secs = (done - started) / 1000;
  console.log('\n| run | lines | lines/s | logharbor peak RSS MB |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(
    `| RFC 5424 octet-counted over TCP, ${connections} conns | ${total} | ${(total / secs).toFixed(0)} | ${server.peakRssMb().toFixed(0)} |`,
  );
} finally {
  await server.stop();
}
