/**
 * The live-tail connection, apart from any rendering (STYLE.md, "The viewer"): connect,
 * buffer, flush every `flushMs`, pause, reconnect with backoff, resume from the last id.
 *
 *   socket ──message──► pending (≤ maxPending) ──every flushMs, unless paused──► onRecords
 *      ▲                    │ paused and full: close, keep lastId
 *      └── reconnect ◄──────┘ on resume, or after a backoff when the socket drops
 *
 * The server sends records in ascending id order (docs/architecture.md, "The API"); reconnecting
 * with `after=<last id kept>` therefore leaves no gap and no duplicate, whether the
 * socket dropped or the page stopped reading because the user paused for a long time.
 * The socket and the clock are injected so the logic is tested without a network.
 */
import { compareIds, parseTailMessage, type ApiErrorBody, type LogRecord } from './wire.js';

export interface SocketHandlers {
  open(): void;
  message(data: string): void;
  close(): void;
}

export interface SocketLike {
  send(data: string): void;
  close(): void;
}

export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketLike;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): number;
  clearTimeout(handle: number): void;
}

export type TailStatus =
  | { state: 'connecting'; attempt: number }
  | { state: 'live' }
  | { state: 'paused'; pending: number; stalled: boolean }
  | { state: 'waiting'; retryInMs: number; attempt: number }
  | { state: 'stopped'; fatal: boolean };

export interface TailOptions {
  /** The websocket URL resuming after `after` (null: the server's own starting point). */
  url(after: string | null): string;
  socket: SocketFactory;
  clock: Clock;
  /** 0..1, for backoff jitter. */
  random?: () => number;
  flushMs?: number;
  /** Records held while paused (or between flushes) before the page stops reading. */
  maxPending?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A connection that lived this long resets the backoff. */
  stableMs?: number;
  onRecords(records: LogRecord[]): void;
  onDropped(count: number): void;
  onStatus(status: TailStatus): void;
  onError(error: ApiErrorBody, fatal: boolean): void;
}

/** Errors that a reconnect cannot cure: the query or the token must change first. */
const FATAL = new Set([
  'LH_QUERY_SYNTAX',
  'LH_QUERY_TOO_LONG',
  'LH_BAD_REQUEST',
  'LH_UNAUTHORIZED',
  'LH_NOT_FOUND',
]);

type Pending = { records: LogRecord[] } | { dropped: number };

export class TailStream {
  private readonly o: Required<TailOptions>;
  private conn: SocketLike | null = null;
  private openedAt: number | null = null;
  private attempt = 0;
  private retryTimer: number | null = null;
  private flushTimer: number | null = null;
  private pending: Pending[] = [];
  private pendingCount = 0;
  private paused = false;
  /** Paused and full: the socket was closed on purpose and reopens on resume. */
  private stalled = false;
  private stopped = true;
  private last: string | null = null;
  /** The connection's own state, shown whenever the user has not paused. */
  private conState: TailStatus = { state: 'stopped', fatal: false };

  constructor(options: TailOptions) {
    this.o = {
      random: Math.random,
      flushMs: 250,
      maxPending: 20_000,
      initialBackoffMs: 500,
      maxBackoffMs: 15_000,
      stableMs: 5_000,
      ...options,
    };
  }

  /** Id of the newest record taken from the server: the resume point. */
  get lastId(): string | null {
    return this.last;
  }

  get pendingRecords(): number {
    return this.pendingCount;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  start(after: string | null = null): void {
    this.stop();
    this.stopped = false;
    this.stalled = false;
    this.paused = false;
    this.attempt = 0;
    this.last = after;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.conState = { state: 'stopped', fatal: false };
    this.clearTimers();
    this.pending = [];
    this.pendingCount = 0;
    this.dropConnection();
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.flushTimer !== null) this.o.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    this.emit();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.flush();
    if (this.stalled && !this.stopped) {
      this.stalled = false;
      this.connect();
    } else this.emit();
  }

  private setState(s: TailStatus): void {
    this.conState = s;
    this.emit();
  }

  private emit(): void {
    if (this.paused && !this.stopped) {
      this.o.onStatus({ state: 'paused', pending: this.pendingCount, stalled: this.stalled });
    } else this.o.onStatus(this.conState);
  }

  private connect(): void {
    this.dropConnection();
    this.setState({ state: 'connecting', attempt: this.attempt });
    let sock: SocketLike | null = null;
    const mine = (): boolean => sock !== null && this.conn === sock;
    sock = this.o.socket(this.o.url(this.last), {
      open: () => {
        if (!mine()) return;
        this.openedAt = this.o.clock.now();
        this.setState({ state: 'live' });
      },
      message: (data) => {
        if (mine()) this.onMessage(data);
      },
      close: () => {
        if (mine()) this.onClose();
      },
    });
    this.conn = sock;
  }

  private onMessage(data: string): void {
    const msg = parseTailMessage(data);
    if (!msg) return;
    if (msg.type === 'error') {
      const fatal = FATAL.has(msg.error.code);
      this.o.onError(msg.error, fatal);
      if (fatal) {
        this.stop();
        this.setState({ state: 'stopped', fatal: true });
      }
      return;
    }
    if (msg.type === 'dropped') {
      if (msg.count > 0) this.pending.push({ dropped: msg.count });
    } else {
      const fresh = msg.records.filter(
        (r) => this.last === null || compareIds(r.id, this.last) > 0,
      );
      const room = this.o.maxPending - this.pendingCount;
      const kept = fresh.length > room && this.paused ? fresh.slice(0, Math.max(0, room)) : fresh;
      if (kept.length > 0) {
        this.pending.push({ records: kept });
        this.pendingCount += kept.length;
        this.last = kept[kept.length - 1]!.id;
      }
      if (this.paused && this.pendingCount >= this.o.maxPending) {
        // Stop reading rather than drop: the records not kept are fetched again on resume.
        this.stalled = true;
        this.dropConnection();
      }
    }
    if (this.paused) this.emit();
    else if (this.pendingCount >= this.o.maxPending) this.flush();
    else this.scheduleFlush();
  }

  private onClose(): void {
    const lived = this.openedAt === null ? 0 : this.o.clock.now() - this.openedAt;
    this.conn = null;
    this.openedAt = null;
    if (this.stopped) return;
    if (lived >= this.o.stableMs) this.attempt = 0;
    const base = Math.min(this.o.maxBackoffMs, this.o.initialBackoffMs * 2 ** this.attempt);
    const delay = Math.round(base / 2 + (this.o.random() * base) / 2);
    this.attempt++;
    this.setState({ state: 'waiting', retryInMs: delay, attempt: this.attempt });
    this.retryTimer = this.o.clock.setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped && !this.stalled) this.connect();
    }, delay);
  }

  private scheduleFlush(): void {
    if (this.flushTimer !== null || this.pending.length === 0) return;
    this.flushTimer = this.o.clock.setTimeout(() => {
      this.flushTimer = null;
      this.flush();
    }, this.o.flushMs);
  }

  private flush(): void {
    if (this.flushTimer !== null) this.o.clock.clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const items = this.pending;
    this.pending = [];
    this.pendingCount = 0;
    let run: LogRecord[] = [];
    for (const item of items) {
      if ('records' in item) {
        for (const r of item.records) run.push(r);
        continue;
      }
      if (run.length > 0) this.o.onRecords(run);
      run = [];
      this.o.onDropped(item.dropped);
    }
    if (run.length > 0) this.o.onRecords(run);
  }

  private dropConnection(): void {
    const c = this.conn;
    this.conn = null;
    this.openedAt = null;
    c?.close();
  }

  private clearTimers(): void {
    if (this.retryTimer !== null) this.o.clock.clearTimeout(this.retryTimer);
    if (this.flushTimer !== null) this.o.clock.clearTimeout(this.flushTimer);
    this.retryTimer = null;
    this.flushTimer = null;
  }
}
