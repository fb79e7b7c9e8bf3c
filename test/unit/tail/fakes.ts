/**
 * Test doubles for the live tail: committed records, a subscriber that records what it
 * gets, and a socket whose send buffer the test drains by hand (a slow client).
 */
import { expect } from 'vitest';
import type { LogharborError } from '../../../core/errors.js';
import { newRecord, type StoredRecord } from '../../../core/record.js';
import { toStoredRecord } from '../../../core/stored-record.js';
import type { TailEntry, TailSubscriber } from '../../../api/tail/hub.js';
import type { TailSocket } from '../../../api/tail/session.js';

export const T = 1_764_300_000;

/** Committed records as the commit feed publishes them. */
export function committed(ids: number[], message = (id: number) => `m${id}`): StoredRecord[] {
  return ids.map((id) => toStoredRecord(id, newRecord('forward', T, 0, message(id))));
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Lets queued setImmediate work (hub fan-out, session flushes) run. */
export async function settle(turns = 10): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
}

export class Recorder implements TailSubscriber {
  readonly batches: TailEntry[][] = [];
  missedCount = 0;
  error: LogharborError | null = null;
  deliver(entries: TailEntry[]): void {
    this.batches.push(entries);
  }
  missed(n: number): void {
    this.missedCount += n;
  }
  failed(err: LogharborError): void {
    this.error = err;
  }
  ids(): number[] {
    return this.batches.flat().map((e) => e.id);
  }
}

type Parsed =
  | { type: 'records'; records: { id: string; message: string }[] }
  | { type: 'dropped'; count: number }
  | { type: 'error'; code: string; message: string; column?: number };

/** With `slow`, sent bytes stay "buffered" until `drain()`; otherwise writes complete at once. */
export class FakeSocket implements TailSocket {
  bufferedAmount = 0;
  slow = false;
  readonly sent: string[] = [];
  /** What send() was given, as given. */
  readonly raw: (string | Buffer)[] = [];
  pings = 0;
  terminated = false;
  closedWith: { code: number; reason: string } | null = null;
  private held: (() => void)[] = [];

  send(raw: string | Buffer, options: { binary: false }, cb: (err?: Error) => void): void {
    // Every message is a text frame: a Buffer holds its UTF-8.
    expect(options.binary).toBe(false);
    const data = typeof raw === 'string' ? raw : raw.toString('utf8');
    this.raw.push(raw);
    this.sent.push(data);
    if (!this.slow) {
      setImmediate(() => cb());
      return;
    }
    this.bufferedAmount += data.length;
    this.held.push(() => {
      this.bufferedAmount -= data.length;
      cb();
    });
  }
  drain(): void {
    const held = this.held;
    this.held = [];
    for (const done of held) done();
  }
  ping(): void {
    this.pings++;
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
  }
  terminate(): void {
    this.terminated = true;
  }
  messages(): Parsed[] {
    return this.sent.map((s) => JSON.parse(s) as Parsed);
  }
  ids(): number[] {
    return this.messages().flatMap((m) =>
      m.type === 'records' ? m.records.map((r) => Number(r.id)) : [],
    );
  }
  dropped(): number {
    return this.messages().reduce((n, m) => n + (m.type === 'dropped' ? m.count : 0), 0);
  }
}
