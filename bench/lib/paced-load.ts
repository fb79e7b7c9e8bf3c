/**
 * A fixed-rate forward sender. Request k is due when its last event is due (`rate` events
 * per second, `perRequest` events per request, whole requests only: a client fills a
 * chunk, then sends it); the sender wakes at each due time (at most TICK_MS apart), makes
 * the requests due by then and hands them round-robin to its connections. A connection
 * writes while it has fewer than `maxInFlight` requests unacked (Docker with
 * fluentd-request-ack waits for each ack: maxInFlight 1); what it cannot write yet waits
 * in its queue, so a server that falls behind shows as a backlog and a lower achieved
 * rate, not as a faster sender.
 *
 * Ack latency is counted from when a request was due, not from when it was written
 * (no coordinated omission: a request held back because the server was slow to ack the
 * ones before it counts that wait, as the client that wanted to send it would). The
 * round trip from the write is kept too, for comparison.
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
  /** Ends the sending period early. */
  signal?: AbortSignal;
}

export interface PacedResult {
  /** Events written to the sockets. */
  events: number;
  /** From the first write to the last ack (or last write, without acks). */
  seconds: number;
  /** Events acked per second of the sending period (events / seconds without acks). */
  achieved: number;
  /** Ack latency per request, ms, from when it was due. */
  ackMs: number[];
  /** The same acks timed from when the request was written to its socket. */
  writeAckMs: number[];
  /** Most requests waiting in connection queues at once (0: the sender never waited). */
  backlogMax: number;
  /** Requests still waiting in the sender when the sending period ended. */
  backlogEnd: number;
}

interface Queued {
  buf: Buffer;
  n: number;
  dueAt: number;
}

interface Conn {
  sock: net.Socket;
  queue: Queued[];
  /** Per unacked request: when it was due, when it was written, its events. */
  inFlight: { dueAt: number; writtenAt: number; n: number }[];
}

const TICK_MS = 10;

export async function sendPaced(o: PacedOptions): Promise<PacedResult> {
  const conns: Conn[] = await Promise.all(
    Array.from({ length: o.connections }, async () => {
      const sock = net.connect(o.port, '127.0.0.1');
      sock.setNoDelay(true);
      await new Promise((r) => sock.once('connect', r));
      return { sock, queue: [], inFlight: [] };
    }),
  );
  const ackMs: number[] = [];
  const writeAckMs: number[] = [];
  let events = 0;
  let acked = 0;
  let lastAck = 0;
  let backlog = 0;
  let backlogMax = 0;
  const pump = (c: Conn) => {
    while (c.queue.length > 0 && (!o.acks || c.inFlight.length < o.maxInFlight)) {
      const r = c.queue.shift()!;
      backlog--;
      c.sock.write(r.buf);
      events += r.n;
      if (o.acks) c.inFlight.push({ dueAt: r.dueAt, writtenAt: performance.now(), n: r.n });
    }
  };
  const failures: Error[] = [];
  for (const c of conns) {
    const count = ackCounter();
    c.sock.on('data', (d: Buffer) => {
      const n = count(d);
      const now = performance.now();
      for (let i = 0; i < n; i++) {
        const f = c.inFlight.shift()!;
        ackMs.push(now - f.dueAt);
        writeAckMs.push(now - f.writtenAt);
        acked += f.n;
      }
      if (n > 0) lastAck = now;
      pump(c);
    });
    c.sock.on('error', (e) => failures.push(e));
  }

  const started = performance.now();
  const dueAt = (events: number) => started + (events / o.rate) * 1000;
  let made = 0;
  let turn = 0;
  const make = (n: number) => {
    const c = conns[turn++ % conns.length]!;
    c.queue.push({ buf: o.request(n, o.acks ? newChunk() : null), n, dueAt: dueAt(made + n) });
    backlog++;
    made += n;
    pump(c);
  };
  const end = started + o.seconds * 1000;
  let due = 0;
  while (performance.now() < end && !o.signal?.aborted) {
    const now = performance.now();
    due = Math.floor((o.rate * (now - started)) / 1000);
    while (due - made >= o.perRequest) make(o.perRequest);
    backlogMax = Math.max(backlogMax, backlog);
    o.onTick?.((now - started) / 1000);
    // Wake when the next request is due (timers fire about 1 ms late), at most a tick away.
    const next = dueAt(made + o.perRequest) - performance.now();
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(TICK_MS, next))));
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
  return { events, seconds, achieved, ackMs, writeAckMs, backlogMax, backlogEnd };
}
