/**
 * The live-tail hub: committed records in, matching records out to every tail client.
 *
 *   commit feed ─► publish ─► queue (bounded) ─► fan-out, a slice per event-loop turn
 *                                                  │ once per record: JSON
 *                                                  │ once per distinct query: predicate
 *                                                  ▼
 *                                          subscribers (api/tail/session.ts)
 *
 * The feed (api/tail/commit-feed.ts) publishes committed records in id order, and only
 * once nothing with a smaller id can still commit. `watermark` is the greatest id
 * published: a subscriber reads its backlog up to the watermark it saw when it
 * subscribed, and everything past it reaches the subscriber live, so it misses nothing
 * and sees nothing twice.
 *
 * `publish` only queues, so the feed is never held up by tail clients. The fan-out
 * costs (records x distinct queries) predicate calls; clients with the same query text
 * share one evaluation. Past `hubQueueRecords` waiting, new batches are not examined: a
 * skip marker takes their place in the queue, so each subscriber hears how many went by
 * at that point of its stream (and only subscribers that were there when they went by).
 */
import { Errors, LogharborError } from '../../core/errors.js';
import type { StoredRecord } from '../../core/record.js';
import { toPredicate, type Query } from '../query/index.js';
import { TAIL_LIMITS, type TailLimits } from './limits.js';
import { messageLength, recordsMessage, type MessageBounds } from './messages.js';

/** One committed record as served, its JSON made on first use and shared by all clients. */
export class TailEntry {
  private text: string | undefined;

  constructor(
    readonly id: number,
    readonly record: StoredRecord,
  ) {}

  get json(): string {
    return (this.text ??= JSON.stringify(this.record));
  }
}

/** One records message of a run of entries, encoded once for every client that gets it whole. */
export interface SharedMessage {
  /** Entries [start, end) of the run. */
  start: number;
  end: number;
  /** UTF-8 of recordsMessage: sent as a text frame. */
  data: Buffer;
}

const sharedMessages = new WeakMap<readonly TailEntry[], SharedMessage[]>();

/**
 * The messages that carry `entries`, cut as a session's queue would cut them, built on
 * first use and kept with the array: the hub hands one array to every member of a query
 * group, so ten clients tailing the same query cost one join and one UTF-8 encoding
 * instead of ten (each client then only frames and writes the same bytes).
 */
export function messagesOf(entries: readonly TailEntry[], b: MessageBounds): SharedMessage[] {
  let m = sharedMessages.get(entries);
  if (m) return m;
  m = [];
  const jsons = entries.map((e) => e.json);
  for (let start = 0; start < jsons.length;) {
    const { count } = messageLength(jsons, start, b);
    const end = start + count;
    m.push({ start, end, data: Buffer.from(recordsMessage(jsons.slice(start, end))) });
    start = end;
  }
  sharedMessages.set(entries, m);
  return m;
}

export interface TailSubscriber {
  /** Records matching the subscriber's query, ids ascending across calls. */
  deliver(entries: TailEntry[]): void;
  /** `n` committed records went by unexamined (the hub's queue was full). */
  missed(n: number): void;
  /** The query failed on a record (a runaway regex); the subscription is already over. */
  failed(err: LogharborError): void;
}

interface Group {
  test: (r: StoredRecord) => boolean;
  /** Each member with the publish count when it joined. */
  members: Map<TailSubscriber, number>;
}

type Item =
  | { kind: 'batch'; records: StoredRecord[] }
  /** `count` records skipped, the first at publish number `at`. */
  | { kind: 'skip'; count: number; at: number };

export class TailHub {
  private readonly groups = new Map<string, Group>();
  private subscribers = 0;
  private readonly queue: Item[] = [];
  /** Records of `queue[0]` already fanned out. */
  private offset = 0;
  private queued = 0;
  private scheduled = false;
  /** Publish calls so far, and the count at the latest subscription. */
  private published = 0;
  private lastJoin = -1;
  private lastId = Infinity;

  constructor(readonly limits: TailLimits = TAIL_LIMITS) {}

  /** Open subscriptions. */
  get clients(): number {
    return this.subscribers;
  }

  /**
   * The greatest id published: every committed record up to it has been published or
   * was committed before the feed started. Infinity until the feed sets it (no bound).
   */
  get watermark(): number {
    return this.lastId;
  }

  /** Where the feed starts: every record up to `id` is committed and will not be published. */
  startAt(id: number): void {
    this.lastId = id;
  }

  /** Whether `n` more records would be examined (someone listens and the queue has room). */
  wants(n: number): boolean {
    return this.subscribers > 0 && this.queued + n <= this.limits.hubQueueRecords;
  }

  /** Queues one commit's records (ids ascending, all above the watermark). Never blocks. */
  publish(records: readonly StoredRecord[]): void {
    if (records.length === 0) return;
    this.lastId = Number(records[records.length - 1]!.id);
    this.enqueue(records.length, () => ({ kind: 'batch', records: [...records] }));
  }

  /** `count` committed records up to id `lastId` went by without being read (see `wants`). */
  skip(count: number, lastId: number): void {
    this.lastId = lastId;
    if (count > 0) this.enqueue(count, null);
  }

  private enqueue(count: number, batch: (() => Item) | null): void {
    const at = this.published++;
    if (this.subscribers === 0) return;
    if (batch === null || this.queued + count > this.limits.hubQueueRecords) {
      const last = this.queue[this.queue.length - 1];
      if (last?.kind === 'skip' && this.lastJoin <= last.at) last.count += count;
      else this.queue.push({ kind: 'skip', count, at });
    } else {
      this.queue.push(batch());
      this.queued += count;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Subscribes; the returned function ends the subscription (idempotent). */
  subscribe(query: Query, sub: TailSubscriber): () => void {
    let g = this.groups.get(query.text);
    if (!g) {
      g = { test: toPredicate(query), members: new Map() };
      this.groups.set(query.text, g);
    }
    g.members.set(sub, this.published);
    this.lastJoin = this.published;
    this.subscribers++;
    const group = g;
    return () => {
      if (!group.members.delete(sub)) return;
      this.subscribers--;
      if (group.members.size === 0 && this.groups.get(query.text) === group) {
        this.groups.delete(query.text);
      }
    };
  }

  private drain(): void {
    this.scheduled = false;
    let budget = this.limits.hubSliceRecords;
    while (budget > 0 && this.queue.length > 0) {
      const item = this.queue[0]!;
      if (item.kind === 'skip') {
        this.queue.shift();
        this.skipped(item);
        continue;
      }
      const batch = item.records;
      const end = Math.min(batch.length, this.offset + budget);
      const slice = batch.slice(this.offset, end);
      budget -= slice.length;
      this.queued -= slice.length;
      if (end === batch.length) {
        this.queue.shift();
        this.offset = 0;
      } else {
        this.offset = end;
      }
      this.fanOut(slice);
    }
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  private fanOut(slice: StoredRecord[]): void {
    if (this.subscribers === 0) return;
    const entries = slice.map((r) => new TailEntry(Number(r.id), r));
    for (const [text, g] of [...this.groups]) {
      let matched: TailEntry[];
      try {
        matched = entries.filter((e) => g.test(e.record));
      } catch (e) {
        this.fail(text, g, e);
        continue;
      }
      if (matched.length === 0) continue;
      for (const s of [...g.members.keys()]) s.deliver(matched);
    }
  }

  private skipped(item: { count: number; at: number }): void {
    for (const g of [...this.groups.values()]) {
      for (const [s, joined] of [...g.members]) if (joined <= item.at) s.missed(item.count);
    }
  }

  /** Ends every subscription of a query whose predicate threw. */
  private fail(text: string, g: Group, e: unknown): void {
    this.groups.delete(text);
    this.subscribers -= g.members.size;
    const err =
      e instanceof LogharborError
        ? e
        : new LogharborError(Errors.INTERNAL, e instanceof Error ? e.message : String(e));
    const members = [...g.members.keys()];
    g.members.clear();
    for (const s of members) s.failed(err);
  }
}
