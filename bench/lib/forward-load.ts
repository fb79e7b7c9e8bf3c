/**
 * Forward-protocol load (Forward Protocol v1): request encoders and two senders.
 *
 * - sendAll: every request of a pre-encoded list as fast as the acks allow, over several
 *   connections with up to `inFlight` unacked requests each: the maximum rate.
 * - (bench/lib/paced-load.ts sends at a fixed rate with the RequestFactory below.)
 *
 * PackedForward packs many events per request (as fluentd and Fluent Bit do); Message
 * mode sends one event per request, as Docker's fluentd driver does, with `option.chunk`
 * when fluentd-request-ack=true. Times are EventTime (ext 0, fixext8).
 */
import net from 'node:net';
import { Packr, unpackMultiple } from 'msgpackr';
import type { DockerRecord } from './docker-records.js';

const packr = new Packr({ useRecords: false, variableMapSize: true });

function eventTime(ms: number): Buffer {
  const b = Buffer.alloc(10);
  b[0] = 0xd7;
  b[1] = 0x00;
  b.writeUInt32BE(Math.floor(ms / 1000), 2);
  b.writeUInt32BE(Math.round((ms % 1000) * 1_000_000), 6);
  return b;
}

function arrayHeader(n: number): Buffer {
  return n < 16 ? Buffer.from([0x90 | n]) : Buffer.from([0xdc, n >> 8, n & 0xff]);
}

function binHeader(n: number): Buffer {
  if (n < 65536) return Buffer.from([0xc5, n >> 8, n & 0xff]);
  const b = Buffer.from([0xc6, 0, 0, 0, 0]);
  b.writeUInt32BE(n, 1);
  return b;
}

/** `[tag, time, record, option]`; `record` is a packed map or an object to pack. */
export function encodeMessage(
  tag: string,
  ms: number,
  record: Buffer | object,
  chunk: string | null,
): Buffer {
  return Buffer.concat([
    arrayHeader(4),
    packr.pack(tag),
    eventTime(ms),
    Buffer.isBuffer(record) ? record : packr.pack(record),
    packr.pack(chunk === null ? {} : { chunk }),
  ]);
}

/** `[tag, bin(entries), option]`, each entry `[time, record]`. */
export function encodePacked(
  tag: string,
  entries: { ms: number; record: Buffer | object }[],
  chunk: string | null,
): Buffer {
  const payload = Buffer.concat(
    entries.flatMap((e) => [
      arrayHeader(2),
      eventTime(e.ms),
      Buffer.isBuffer(e.record) ? e.record : packr.pack(e.record),
    ]),
  );
  const option = chunk === null ? { size: entries.length } : { chunk, size: entries.length };
  return Buffer.concat([
    arrayHeader(3),
    packr.pack(tag),
    binHeader(payload.length),
    payload,
    packr.pack(option),
  ]);
}

let chunkSeq = 0;
/** A chunk id no earlier request of this process used (a reused one is acked, not stored). */
export function newChunk(): string {
  return `b${process.pid}-${Date.now()}-${chunkSeq++}`;
}

/**
 * Pre-encodes every request, so the generator's own CPU cost stays out of the loop. Event
 * times start now and advance 1 ms every `perMs` events (a source logging that fast).
 */
export function encodeRequests(
  records: DockerRecord[],
  mode: 'packed' | 'message',
  perRequest: number,
  tag = 'bench',
  perMs = 1,
): Buffer[] {
  const now = Date.now();
  const at = (i: number) => now + Math.floor(i / perMs);
  if (mode === 'message') return records.map((r, i) => encodeMessage(tag, at(i), r, newChunk()));
  const out: Buffer[] = [];
  for (let i = 0; i < records.length; i += perRequest) {
    const entries = records.slice(i, i + perRequest).map((r, j) => ({ ms: at(i + j), record: r }));
    out.push(encodePacked(tag, entries, newChunk()));
  }
  return out;
}

/**
 * Requests built on demand with the current time and a fresh chunk id, from records
 * packed once (a fixed-rate sender must not spend its CPU on msgpack).
 */
export class RequestFactory {
  private readonly packed: Buffer[];
  private next = 0;

  constructor(
    records: DockerRecord[],
    private readonly tag: string,
  ) {
    this.packed = records.map((r) => packr.pack(r));
  }

  private take(): Buffer {
    const b = this.packed[this.next]!;
    this.next = (this.next + 1) % this.packed.length;
    return b;
  }

  /** One event per request (Docker's fluentd driver); `n` must be 1. */
  message(chunk: string | null, ms = Date.now()): Buffer {
    return encodeMessage(this.tag, ms, this.take(), chunk);
  }

  packedOf(n: number, chunk: string | null, ms = Date.now()): Buffer {
    return encodePacked(
      this.tag,
      Array.from({ length: n }, () => ({ ms, record: this.take() })),
      chunk,
    );
  }
}

/**
 * Counts the acks in a connection's bytes (`{"ack": chunk}`, one per request, in
 * request order); keeps an ack cut across reads for the next call.
 */
export function ackCounter(): (d: Buffer) => number {
  let pending: Buffer = Buffer.alloc(0);
  return (d) => {
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    try {
      const acks = unpackMultiple(pending) as unknown[];
      pending = Buffer.alloc(0);
      return acks.length;
    } catch {
      return 0; // an ack cut across reads: wait for the rest
    }
  };
}

export interface LoadResult {
  seconds: number;
  /** Requests sent (all acked). */
  requests: number;
  /** Ack round trips, ms, one per request. */
  ackMs: number[];
}

/**
 * Sends the requests in order over `connections` sockets; resolves when all sent are
 * acked. Past `maxSeconds` no new request is sent (a slow machine ends the run early;
 * `requests` in the result says how many were sent and acked).
 */
export async function sendAll(
  port: number,
  requests: Buffer[],
  connections: number,
  inFlight: number,
  maxSeconds = Infinity,
): Promise<LoadResult> {
  const ackMs: number[] = [];
  let next = 0;
  let end = requests.length;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const sock = net.connect(port, '127.0.0.1');
      sock.setNoDelay(true);
      await new Promise((r) => sock.once('connect', r));
      const sentAt: number[] = [];
      const acks = ackCounter();
      let outstanding = 0;
      await new Promise<void>((resolve, reject) => {
        const pump = () => {
          if (performance.now() - started > maxSeconds * 1000) end = Math.min(end, next);
          while (outstanding < inFlight && next < end) {
            outstanding++;
            sentAt.push(performance.now());
            sock.write(requests[next++]!);
          }
          if (outstanding === 0 && next >= end) {
            sock.end();
            resolve();
          }
        };
        sock.on('data', (d: Buffer) => {
          const n = acks(d);
          const now = performance.now();
          for (let i = 0; i < n; i++) ackMs.push(now - sentAt.shift()!);
          outstanding -= n;
          if (n > 0) pump();
        });
        sock.on('error', reject);
        sock.on('close', () =>
          outstanding > 0
            ? reject(new Error('connection closed with requests unacked'))
            : undefined,
        );
        pump();
      });
    }),
  );
  return { seconds: (performance.now() - started) / 1000, requests: next, ackMs };
}
