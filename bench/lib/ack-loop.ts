/**
 * A client that waits for each ack (issue 16, item 1): one event per request (Message
 * mode, Forward Protocol v1, `option.chunk` on every request), the next request written
 * only once the previous one is acked, as Docker's fluentd driver with
 * fluentd-request-ack=true and npm fluent-logger with requireAckResponse do. Over
 * `connections` sockets for `seconds`: its rate is one over the ack round trip, times
 * the connections, whatever the receiver does with the events.
 *
 * Requests are made from records packed once (bench/lib/forward-load.ts, RequestFactory),
 * each with a fresh chunk id (a reused one would be acked without being stored).
 */
import net from 'node:net';
import { ackCounter, newChunk, type RequestFactory } from './forward-load.js';

export interface AckLoopResult {
  /** Requests (= events) acked. */
  events: number;
  seconds: number;
  /** Events acked per second. */
  rate: number;
  /** Round trips, write to ack, ms. */
  ackMs: number[];
}

export async function ackLoop(
  port: number,
  connections: number,
  seconds: number,
  factory: RequestFactory,
): Promise<AckLoopResult> {
  const socks = await Promise.all(
    Array.from({ length: connections }, async () => {
      const sock = net.connect(port, '127.0.0.1');
      sock.setNoDelay(true);
      await new Promise((r) => sock.once('connect', r));
      return sock;
    }),
  );
  const ackMs: number[] = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  let last = started;
  await Promise.all(
    socks.map(
      (sock) =>
        new Promise<void>((resolve, reject) => {
          const count = ackCounter();
          let sentAt = 0;
          const send = () => {
            if (performance.now() >= end) return void sock.end(resolve);
            sentAt = performance.now();
            sock.write(factory.message(newChunk()));
          };
          sock.on('data', (d: Buffer) => {
            if (count(d) === 0) return;
            last = performance.now();
            ackMs.push(last - sentAt);
            send();
          });
          sock.on('error', reject);
          sock.on('close', () => reject(new Error('connection closed before the run ended')));
          send();
        }),
    ),
  );
  const secs = (last - started) / 1000;
  return { events: ackMs.length, seconds: secs, rate: ackMs.length / secs, ackMs };
}
