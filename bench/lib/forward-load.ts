/**
 * A forward-protocol load generator: several TCP connections each sending requests
 * with `option.chunk` and waiting for the ack (up to `inFlight` requests per
 * connection). PackedForward packs `perRequest` events per request; Message mode sends
 * one event per request, as Docker's fluentd driver does with fluentd-request-ack.
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
  b.writeUInt32BE((ms % 1000) * 1_000_000, 6);
  return b;
}

function arrayHeader(n: number): Buffer {
  return n < 16 ? Buffer.from([0x90 | n]) : Buffer.from([0xdc, n >> 8, n & 0xff]);
}

/** Pre-encodes every request, so the generator's own CPU cost stays out of the loop. */
export function encodeRequests(
  records: DockerRecord[],
  mode: 'packed' | 'message',
  perRequest: number,
  tag = 'bench',
): Buffer[] {
  const out: Buffer[] = [];
  let chunkNo = 0;
  const now = Date.now();
  if (mode === 'message') {
    records.forEach((r, i) => {
      out.push(
        Buffer.concat([
          arrayHeader(4),
          packr.pack(tag),
          eventTime(now + i),
          packr.pack(r),
          packr.pack({ chunk: `c${chunkNo++}-${now}` }),
        ]),
      );
    });
    return out;
  }
  for (let i = 0; i < records.length; i += perRequest) {
    const entries = records
      .slice(i, i + perRequest)
      .map((r, j) => Buffer.concat([arrayHeader(2), eventTime(now + i + j), packr.pack(r)]));
    const payload = Buffer.concat(entries);
    const bin =
      payload.length < 65536
        ? Buffer.from([0xc5, payload.length >> 8, payload.length & 0xff])
        : Buffer.from([0xc6, 0, 0, 0, 0]);
    if (payload.length >= 65536) bin.writeUInt32BE(payload.length, 1);
    out.push(
      Buffer.concat([
        arrayHeader(3),
        packr.pack(tag),
        bin,
        payload,
        packr.pack({ chunk: `c${chunkNo++}-${now}`, size: entries.length }),
      ]),
    );
  }
  return out;
}

export interface LoadResult {
  seconds: number;
  requests: number;
  /** Ack round trips, ms, one per request. */
  ackMs: number[];
}

/** Sends every request over `connections` sockets; resolves when all are acked. */
export async function sendAll(
  port: number,
  requests: Buffer[],
  connections: number,
  inFlight: number,
): Promise<LoadResult> {
  const ackMs: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const sock = net.connect(port, '127.0.0.1');
      sock.setNoDelay(true);
      await new Promise((r) => sock.once('connect', r));
      const sentAt: number[] = [];
      let pending: Buffer = Buffer.alloc(0);
      let outstanding = 0;
      await new Promise<void>((resolve, reject) => {
        const pump = () => {
          while (outstanding < inFlight && next < requests.length) {
            outstanding++;
            sentAt.push(performance.now());
            sock.write(requests[next++]!);
          }
          if (outstanding === 0 && next >= requests.length) {
            sock.end();
            resolve();
          }
        };
        sock.on('data', (d: Buffer) => {
          pending = pending.length ? Buffer.concat([pending, d]) : d;
          let acks: unknown[];
          try {
            acks = unpackMultiple(pending) as unknown[];
            pending = Buffer.alloc(0);
          } catch {
            return; // an ack cut across reads: wait for the rest
          }
          for (let i = 0; i < acks.length; i++) ackMs.push(performance.now() - sentAt.shift()!);
          outstanding -= acks.length;
          pump();
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
  return { seconds: (performance.now() - started) / 1000, requests: requests.length, ackMs };
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
