/**
 * Syslog load: RFC 5424 lines in the shape of Docker's syslog driver with
 * syslog-format=rfc5424micro (tag in APP-NAME and MSGID, microsecond time), sent
 * octet-counted over TCP (RFC 6587 section 3.4.1, `LEN SP MSG`) or one per datagram over
 * UDP at a fixed rate.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { dockerRecords } from './docker-records.js';

/** `n` seeded lines from `host`, times starting now, one µs apart. */
export function syslogLines(n: number, seed = 3, host = 'host1'): string[] {
  const now = Date.now();
  return dockerRecords(n, seed).map((r, i) => {
    const t = new Date(now + Math.floor(i / 1000))
      .toISOString()
      .replace('Z', `${String(i % 1000).padStart(3, '0')}Z`);
    const tag = r.container_id.slice(0, 12);
    return `<${r.source === 'stderr' ? 27 : 30}>1 ${t} ${host} ${tag} 4242 ${tag} - ${r.log}`;
  });
}

export function octetCounted(lines: string[]): string[] {
  return lines.map((l) => `${Buffer.byteLength(l)} ${l}`);
}

/** Writes the frames over `connections` sockets (frame i on socket i mod n); resolves when all are flushed. */
export async function sendTcp(port: number, frames: string[], connections: number): Promise<void> {
  await Promise.all(
    Array.from({ length: connections }, (_, c) => {
      const mine = frames.filter((_, i) => i % connections === c);
      return new Promise<void>((resolve, reject) => {
        const sock = net.connect(port, '127.0.0.1');
        sock.on('error', reject);
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
}

/** One datagram per line at `rate` lines/s; resolves with the seconds it took. */
export async function sendUdp(port: number, lines: string[], rate: number): Promise<number> {
  const sock = dgram.createSocket('udp4');
  const bufs = lines.map((l) => Buffer.from(l));
  const started = performance.now();
  let sent = 0;
  while (sent < bufs.length) {
    const due = Math.min(bufs.length, Math.floor((rate * (performance.now() - started)) / 1000));
    for (; sent < due; sent++) sock.send(bufs[sent]!, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - started) / 1000;
  await new Promise<void>((r) => sock.close(() => r()));
  return seconds;
}
