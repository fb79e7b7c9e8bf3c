/**
 * A fixed-rate forward sender: every 10 ms it makes the whole requests due by then
 * (`rate` events per second, `perRequest` events per request) and hands them round-robin
 * to its connections. A connection writes while it has fewer than `maxInFlight` requests
 * unacked (Docker with fluentd-request-ack waits for each ack: maxInFlight 1); what it
 * cannot write yet waits in its queue, so a server that falls behind shows as a backlog
 * and a lower achieved rate, not as a faster sender. Ack round trips are timed from the
 * moment a request is written.
 */
import net from 'node:net';
import { ackCounter, newChunk } from './forward-load.js';

export interface PacedOptions {
  port: number;
  connections: number;
  /** Events per second. */
  rate: number;
  seconds: number;
  perRequest: number;
  /** Builds a request of `n` events (chunk: null when no ack is wanted). */
  request: (n: number, chunk: string | null) => Buffer;
  acks: boolean;
  /** Unacked requests per connection (ignored without acks). */
  maxInFlight: number;
  /** Called every tick with the seconds since the start (probes, samples). */
  onTick?: (elapsed: number) => void;
  /** How long to wait for the last acks after sending stops; default 120 s. */
  drainMs?: number;
}

export interface PacedResult {
  /** Events written to the sockets. */
  events: number;
  /** From the first write to the last ack (or last write, without acks). */
  seconds: number;
  /** Events acked per second of the sending period (events / seconds without acks). */
  achieved: number;
  ackMs: number[];
  /** Most requests waiting in connection queues at once (0: the sender never waited). */
  backlogMax: number;
  /** Requests still waiting in the sender when the sending period ended. */
  backlogEnd: number;
}

interface Conn {
  sock: net.Socket;
  queue: { buf: Buffer; n: number }[];
  sentAt: number[];
  sentN: number[];
  outstanding: number;
}

const TICK_MS = 10;

export async function sendPaced(o: PacedOptions): Promise<PacedResult> {
  const conns: Conn[] = await Promise.all(
    Array.from({ length: o.connections }, async () => {
      const sock = net.connect(o.port, '127.0.0.1');
      sock.setNoDelay(true);
      await new Promise((r) => sock.once('connect', r));
      return { sock, queue: [], sentAt: [], sentN: [], outstanding: 0 };
    }),
  );
  const ackMs: number[] = [];
  let events = 0;
  let acked = 0;
  let lastAck = 0;
  let backlog = 0;
  let backlogMax = 0;
  const pump = (c: Conn) => {
    while (c.queue.length > 0 && (!o.acks || c.outstanding < o.maxInFlight)) {
      const r = c.queue.shift()!;
      backlog--;
      c.sock.write(r.buf);
      events += r.n;
      if (o.acks) {
        c.outstanding++;
        c.sentAt.push(performance.now());
        c.sentN.push(r.n);
      }
    }
  };
  const failures: Error[] = [];
  for (const c of conns) {
    const count = ackCounter();
    c.sock.on('data', (d: Buffer) => {
      const n = count(d);
      const now = performance.now();
      for (let i = 0; i < n; i++) {
        ackMs.push(now - c.sentAt.shift()!);
        acked += c.sentN.shift()!;
      }
      if (n > 0) lastAck = now;
      c.outstanding -= n;
      pump(c);
    });
    c.sock.on('error', (e) => failures.push(e));
  }

  const started = performance.now();
  let made = 0;
  let turn = 0;
  const make = (n: number) => {
    const c = conns[turn++ % conns.length]!;
    c.queue.push({ buf: o.request(n, o.acks ? newChunk() : null), n });
    backlog++;
    made += n;
    pump(c);
  };
  let due = 0;
  while (performance.now() - started < o.seconds * 1000) {
    const elapsed = (performance.now() - started) / 1000;
    due = Math.floor(o.rate * elapsed);
    // Whole requests only (a client fills a chunk, then sends it); the rest at the end.
    while (due - made >= o.perRequest) make(o.perRequest);
    backlogMax = Math.max(backlogMax, backlog);
    o.onTick?.(elapsed);
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  const backlogEnd = backlog;
  if (due > made) make(due - made);
  const sendEnd = performance.now();
  if (o.acks) {
    const until = Date.now() + (o.drainMs ?? 120_000);
    while (acked < made && Date.now() < until && failures.length === 0)
      await new Promise((r) => setTimeout(r, TICK_MS));
  }
  for (const c of conns) c.sock.end();
  if (failures.length) throw failures[0]!;
  if (o.acks && acked < made) throw new Error(`only ${acked} of ${made} events acked`);
  const seconds = ((o.acks ? Math.max(lastAck, sendEnd) : sendEnd) - started) / 1000;
  const achieved = (o.acks ? acked : events) / seconds;
  return { events, seconds, achieved, ackMs, backlogMax, backlogEnd };
}
