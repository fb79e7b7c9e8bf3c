/**
 * One live-tail client: backlog, then live records, over one websocket.
 *
 *   start: subscribe to the hub ─► read backlog (live records wait in `pending`)
 *          ─► queue backlog ─► queue pending records with id > the last backlog id ─► live
 *   live:  hub ─► offer ─► queue (bounded) ─► flush while the socket's buffer is below
 *          its high-water mark ─► {"type":"records"}
 *
 * No gap and no duplicate (docs/architecture.md, "The API"): the backlog is read up to the hub's
 * watermark as it was when the subscription started, and every record published after
 * that (ids above it, in id order: api/tail/commit-feed.ts) reaches `pending`; ids only
 * ever increase on the socket (`lastId`), so nothing is sent twice.
 *
 * A slow or paused client never slows ingestion (as Loki's tailer): its queue holds up to
 * `maxQueueRecords`/`maxQueueChars`; past that, records are dropped and counted until the
 * queue has drained into the socket, then `{"type":"dropped","count":n}` takes their place
 * in the stream. Every record before the notice precedes the gap and every record after
 * it follows the gap, so a client that wants the missing ones reconnects with
 * `after=<the last id it got before the notice>`.
 */
import { Errors, LogharborError } from '../../core/errors.js';
import type { Query } from '../query/index.js';
import type { BacklogReader } from './backlog.js';
import type { TailLimits } from './limits.js';
import { messagesOf, type TailEntry, type TailHub, type TailSubscriber } from './hub.js';
import {
  droppedMessage,
  errorMessage,
  messageLength,
  parseClientMessage,
  recordsMessage,
} from './messages.js';

/** The part of a `ws` WebSocket a session uses. */
export interface TailSocket {
  readonly bufferedAmount: number;
  /** `binary: false`: a Buffer goes out as a text frame (it holds UTF-8 JSON). */
  send(data: string | Buffer, options: { binary: false }, cb: (err?: Error) => void): void;
  ping(): void;
  close(code: number, reason: string): void;
  terminate(): void;
}

export interface SessionOptions {
  hub: TailHub;
  query: Query;
  /** Resume cursor: only records with a greater id. */
  after: number | null;
  readBacklog: BacklogReader;
  log: { error(obj: object, msg: string): void };
  /** Called once, when the session ends for any reason. */
  onEnd: () => void;
}

const TEXT = { binary: false } as const;

/** Websocket close codes (RFC 6455, section 7.4.1). */
export const CLOSE = { policy: 1008, internal: 1011, tryAgain: 1013 } as const;

/** Sends a final error and closes: for problems found before or during a session. */
export function refuse(socket: TailSocket, err: LogharborError, code: number): void {
  socket.send(errorMessage(err), TEXT, () => undefined);
  socket.close(code, err.code);
}

/** A database error as the client should see it. */
function asClientError(e: unknown): LogharborError {
  if (e instanceof LogharborError) return e;
  if ((e as { code?: unknown }).code === '57014') return new LogharborError(Errors.QUERY_TIMEOUT);
  return new LogharborError(Errors.INTERNAL);
}

export class TailSession implements TailSubscriber {
  private phase: 'sync' | 'live' | 'ended' = 'sync';
  private readonly limits: TailLimits;
  private unsubscribe: (() => void) | null = null;
  private pinger: NodeJS.Timeout | null = null;
  private alive = true;

  /** Live records that arrived while the backlog was read. */
  private pending: TailEntry[] = [];
  /** Records past `pending`'s bound (first id kept), and records the hub did not examine. */
  private overflow = 0;
  private overflowFrom = 0;
  private syncMissed = 0;

  /** Record JSON waiting for the socket, ids ascending. */
  private queue: string[] = [];
  private queueChars = 0;
  /** The greatest id queued or dropped: the stream's position. */
  private lastId = -1;
  /** Records dropped since the last notice; while > 0, every new record is dropped too. */
  private dropped = 0;
  private paused = false;
  private flushScheduled = false;

  constructor(
    private readonly socket: TailSocket,
    private readonly o: SessionOptions,
  ) {
    this.limits = o.hub.limits;
  }

  async start(): Promise<void> {
    this.unsubscribe = this.o.hub.subscribe(this.o.query, this);
    // Everything past the watermark now reaches this subscription live.
    const upTo = this.o.hub.watermark;
    this.pinger = setInterval(() => this.ping(), this.limits.pingMs);
    let backlog;
    try {
      backlog = await this.o.readBacklog(this.o.query, this.o.after, upTo);
    } catch (e) {
      const err = asClientError(e);
      if (err.code === Errors.INTERNAL.code) this.o.log.error({ err: e }, 'tail backlog failed');
      this.fail(err);
      return;
    }
    if (this.phase === 'ended') return;
    this.lastId = this.o.after ?? -1;
    if (backlog.skipped > 0) this.write(droppedMessage(backlog.skipped));
    let fromOverflow = 0;
    for (const r of backlog.records) {
      const json = JSON.stringify(r);
      this.queue.push(json);
      this.queueChars += json.length;
      const id = Number(r.id);
      this.lastId = Math.max(this.lastId, id);
      if (this.overflow > 0 && id >= this.overflowFrom) fromOverflow++;
    }
    this.phase = 'live';
    for (const e of this.pending) this.offer(e);
    this.pending = [];
    // Overflowed records the backlog already carried were not missed.
    this.dropped += Math.max(0, this.overflow - fromOverflow) + this.syncMissed;
    this.scheduleFlush();
  }

  deliver(entries: TailEntry[]): void {
    if (this.phase === 'ended') return;
    if (this.phase === 'sync') {
      for (const e of entries) {
        if (this.pending.length < this.limits.maxQueueRecords) this.pending.push(e);
        else if (this.overflow++ === 0) this.overflowFrom = e.id;
      }
      return;
    }
    let rest = entries;
    if (!this.paused && this.queue.length === 0 && this.dropped === 0) {
      rest = this.sendShared(entries);
      if (rest.length === 0) return;
    }
    for (const e of rest) this.offer(e);
    this.scheduleFlush();
  }

  /**
   * Nothing queued ahead: the entries go out now as the hub's shared messages (messagesOf),
   * as flush would send them, while the socket is under its high-water mark. Returns the
   * entries left for the queue.
   */
  private sendShared(entries: TailEntry[]): TailEntry[] {
    if (entries.length === 0 || entries[0]!.id <= this.lastId) return entries;
    let sent = 0;
    for (const m of messagesOf(entries, this.limits)) {
      if (this.socket.bufferedAmount >= this.limits.highWaterBytes) break;
      this.write(m.data);
      sent = m.end;
      this.lastId = entries[m.end - 1]!.id;
    }
    return sent === 0 ? entries : entries.slice(sent);
  }

  missed(n: number): void {
    if (this.phase === 'sync') this.syncMissed += n;
    else if (this.phase === 'live') {
      this.dropped += n;
      this.scheduleFlush();
    }
  }

  failed(err: LogharborError): void {
    this.unsubscribe = null;
    this.fail(err);
  }

  /** A message from the client (null when it was binary). */
  onMessage(text: string | null): void {
    const m = text === null ? null : parseClientMessage(text);
    if (m === null) {
      const err = new LogharborError(
        Errors.BAD_REQUEST,
        'expected {"type":"pause"} or {"type":"resume"}',
      );
      this.write(errorMessage(err));
      return;
    }
    this.paused = m.type === 'pause';
    if (!this.paused) this.scheduleFlush();
  }

  onPong(): void {
    this.alive = true;
  }

  /** The socket closed (by either side). */
  onClose(): void {
    if (this.phase === 'ended') return;
    this.phase = 'ended';
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.pinger) clearInterval(this.pinger);
    this.pending = [];
    this.queue = [];
    this.o.onEnd();
  }

  private offer(e: TailEntry): void {
    if (e.id <= this.lastId) return;
    this.lastId = e.id;
    const n = e.json.length;
    if (
      this.dropped > 0 ||
      this.queue.length >= this.limits.maxQueueRecords ||
      this.queueChars + n > this.limits.maxQueueChars
    ) {
      this.dropped++;
      return;
    }
    this.queue.push(e.json);
    this.queueChars += n;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.phase !== 'live') return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.phase !== 'live' || this.paused) return;
    const { highWaterBytes } = this.limits;
    while (this.queue.length > 0 && this.socket.bufferedAmount < highWaterBytes) {
      const { count, chars } = messageLength(this.queue, 0, this.limits);
      this.queueChars -= chars;
      this.write(recordsMessage(this.queue.splice(0, count)));
    }
    if (
      this.queue.length === 0 &&
      this.dropped > 0 &&
      this.socket.bufferedAmount < highWaterBytes
    ) {
      this.write(droppedMessage(this.dropped));
      this.dropped = 0;
    }
  }

  /** Sends; each completed write looks again for work held back by the high-water mark. */
  private write(msg: string | Buffer): void {
    this.socket.send(msg, TEXT, (err) => {
      if (err) return; // the socket is closing; onClose cleans up
      if (this.queue.length > 0 || this.dropped > 0) this.scheduleFlush();
    });
  }

  private ping(): void {
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  private fail(err: LogharborError): void {
    if (this.phase === 'ended') return;
    const code =
      err.status < 500 || err.code === Errors.QUERY_TIMEOUT.code ? CLOSE.policy : CLOSE.internal;
    refuse(this.socket, err, code);
    this.onClose();
  }
}
