/**
 * Loads that run through a PostgreSQL outage (issue 16, items 2 and 3), each line
 * carrying an id of its own (`<prefix>-<sender>-<n>` as the first word of its text) so
 * what was stored can be counted once per line:
 *
 * - startForwardSenders: `connections` forward senders in a process of their own (forked
 *   with tsx, so the benchmark's polling never delays their clock, nor they its),
 *   PackedForward requests of `perRequest` lines with `option.chunk` at a fixed total
 *   rate (a forwarder flushing a chunk on a timer), each sender writing its next request
 *   only once the previous one is acked. Every request is timed from when it was due by
 *   the schedule (when its last line was due) to its ack: a sender held back (waiting
 *   for an ack while its next request is due) counts that wait. Each request's due time
 *   (epoch ms) comes back with its latency, so the parent can tell the outage from the
 *   rest.
 * - sendUdpUntil: RFC 5424 datagrams at a fixed rate until told to stop.
 *
 * Parent -> child: the spec, then 'stop'; child -> parent: 'ready' once connected, then
 * the result when every request is acked (or the wait for acks gave up).
 */
import { fork } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { dockerRecords } from './docker-records.js';
import { ackCounter, encodePacked, newChunk } from './forward-load.js';

export interface SendersSpec {
  port: number;
  connections: number;
  /** Lines per second, all senders together. */
  rate: number;
  /** Lines per request. */
  perRequest: number;
  tag: string;
  /** First part of every line's id. */
  prefix: string;
  seed: number;
}

export interface SendersResult {
  /** Lines written, and acked. */
  sent: number;
  acked: number;
  /** Per acked request: its sender, when it was due (epoch ms), ms from then to its ack. */
  sender: number[];
  dueAt: number[];
  heldMs: number[];
}

export interface ForwardSenders {
  /** Stops making requests, waits for the last acks; the whole run's result. */
  stop(): Promise<SendersResult>;
}

export async function startForwardSenders(spec: SendersSpec): Promise<ForwardSenders> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = () => void child.kill('SIGKILL');
  process.once('exit', kill);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`senders process exited (${code})`))),
  );
  exited.catch(() => undefined);
  const next = () => Promise.race([new Promise<unknown>((r) => child.once('message', r)), exited]);
  child.send(spec);
  await next(); // ready
  return {
    async stop() {
      const result = next();
      child.send('stop');
      const r = (await result) as SendersResult;
      process.off('exit', kill);
      child.kill('SIGTERM');
      return r;
    },
  };
}

const epochMs = () => performance.timeOrigin + performance.now();
const TICK_MS = 10;
/** How long the senders wait for their last acks after 'stop'. */
const LAST_ACKS_MS = 120_000;

interface Sender {
  sock: net.Socket;
  /** Requests due and not written yet (their due times). */
  queue: number[];
  /** The request written and not acked yet: when it was due, or null. */
  inFlight: number | null;
  made: number;
}

async function runSenders(spec: SendersSpec): Promise<void> {
  const records = dockerRecords(5000, spec.seed);
  const result: SendersResult = { sent: 0, acked: 0, sender: [], dueAt: [], heldMs: [] };
  const senders: Sender[] = await Promise.all(
    Array.from({ length: spec.connections }, async () => {
      const sock = net.connect(spec.port, '127.0.0.1');
      sock.setNoDelay(true);
      await new Promise((r) => sock.once('connect', r));
      return { sock, queue: [], inFlight: null, made: 0 };
    }),
  );
  const failures: Error[] = [];
  let line = 0;
  const write = (s: Sender, i: number) => {
    if (s.inFlight !== null || s.queue.length === 0) return;
    const due = s.queue.shift()!;
    const now = Date.now();
    const entries = Array.from({ length: spec.perRequest }, () => {
      const r = records[line % records.length]!;
      return { ms: now, record: { ...r, log: `${spec.prefix}-${i}-${line++} ${r.log}` } };
    });
    s.sock.write(encodePacked(spec.tag, entries, newChunk()));
    s.inFlight = due;
    result.sent += spec.perRequest;
  };
  senders.forEach((s, i) => {
    const count = ackCounter();
    s.sock.on('data', (d: Buffer) => {
      if (count(d) === 0 || s.inFlight === null) return;
      result.sender.push(i);
      result.dueAt.push(s.inFlight);
      result.heldMs.push(epochMs() - s.inFlight);
      result.acked += spec.perRequest;
      s.inFlight = null;
      write(s, i);
    });
    s.sock.on('error', (e) => failures.push(e));
  });
  let stopping = false;
  process.on('message', (m) => {
    if (m === 'stop') stopping = true;
  });
  process.send!('ready');

  // Sender i's request k is due when its last line is, at start + (k * connections + i
  // + 1) * perRequest / rate: the senders take turns, so lines are due at `rate` in all.
  const start = epochMs();
  const dueOf = (k: number, i: number) =>
    start + (((k * spec.connections + i + 1) * spec.perRequest) / spec.rate) * 1000;
  while (!stopping && failures.length === 0) {
    const now = epochMs();
    senders.forEach((s, i) => {
      for (let due = dueOf(s.made, i); due <= now; due = dueOf(s.made, i)) {
        s.queue.push(due);
        s.made++;
      }
      write(s, i);
    });
    const wake = Math.min(...senders.map((s, i) => dueOf(s.made, i))) - epochMs();
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(TICK_MS, wake))));
  }
  const until = Date.now() + LAST_ACKS_MS;
  while (
    failures.length === 0 &&
    senders.some((s) => s.inFlight !== null || s.queue.length > 0) &&
    Date.now() < until
  ) {
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  for (const s of senders) s.sock.end();
  if (failures.length) throw failures[0]!;
  process.send!(result);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send)
  process.once('message', (spec: SendersSpec) => void runSenders(spec));

/**
 * One datagram per line at `rate` lines/s until `signal` aborts; `line(i)` makes line i.
 * Resolves with the lines sent (handed to the socket; loopback UDP never drops on the
 * sending side: the kernel drops at the receiver's buffer, which logharbor counts);
 * `progress.sent` counts them as they go.
 */
export async function sendUdpUntil(
  port: number,
  rate: number,
  line: (i: number) => string,
  signal: AbortSignal,
  progress: { sent: number } = { sent: 0 },
): Promise<number> {
  const sock = dgram.createSocket('udp4');
  const started = performance.now();
  let sent = 0;
  let done = 0;
  const counted = () => void (progress.sent = ++done);
  while (!signal.aborted) {
    const due = Math.floor((rate * (performance.now() - started)) / 1000);
    for (; sent < due; sent++) sock.send(line(sent), port, '127.0.0.1', counted);
    await new Promise((r) => setTimeout(r, 5));
  }
  // Closing cancels sends still queued in the socket: wait for them first.
  for (let until = Date.now() + 10_000; done < sent && Date.now() < until;)
    await new Promise((r) => setTimeout(r, 5));
  await new Promise<void>((r) => sock.close(() => r()));
  return done;
}
