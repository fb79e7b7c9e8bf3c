/**
 * npm `fluent-logger` (3.4.1, a client we did not write) as a continuous load with
 * `requireAckResponse`, recording per event what the client told its caller.
 *
 * What fluent-logger does, read in node_modules/fluent-logger/lib/sender.js:
 * - With requireAckResponse each packet carries `option.chunk` (16 random bytes, base64),
 *   made when the event is emitted (Message mode) or when the queue is flushed
 *   (PackedForward). `_doWrite` then waits for the next 'data' on the socket and calls the
 *   emit callbacks with no argument only when `response.ack === chunk`: a callback
 *   without an error IS the server's ack. One packet per sender is in flight; the next
 *   is written from that 'data' handler.
 * - It never writes a packet twice: the item leaves the queue before the write, a chunk
 *   id is never reused, and a lost ack ends in `callback(ResponseTimeoutError)` after
 *   `ackResponseTimeout` (the event is not resent; resending would be the caller's job,
 *   under a new chunk id the server cannot match). So what the server sees resent
 *   (logharbor_duplicate_chunks_total) should stay 0, and is read to show it.
 * - Every error also goes to the 'error' event; createFluentSender's handler restarts
 *   the flush after `reconnectInterval`, even while another packet waits for its ack.
 *   Two packets then wait on one 'data' event, and the one whose chunk does not match
 *   is told ResponseError although the server has it. Such events count as "failed"
 *   here and may well be stored: the invariant is only that every acked event is.
 */
import { createFluentSender, type Sender } from '../../support/fluent-logger.js';

const quiet = { info: () => undefined, error: () => undefined };

export interface FluentLoadOptions {
  port: number;
  /** fluent-logger's eventMode. */
  mode: 'Message' | 'PackedForward';
  senders: number;
  /** Start of every message; the stored rows are found by it. */
  prefix: string;
  /** One event per sender every this many ms. */
  intervalMs: number;
  ackResponseTimeoutMs: number;
  reconnectIntervalMs: number;
}

/** What one load saw, as sent from the child process (fluent-logger-child.ts). */
export interface LoadResult {
  prefix: string;
  label: string;
  sent: number;
  /** Events acked, in ack order. */
  acked: string[];
  /** [event, name of the first error its callback carried]. */
  failed: [string, string][];
  extraCallbacks: number;
  unanswered: number;
}

export class FluentLoggerLoad {
  /** Events handed to emit(). */
  sent = 0;
  /** Events whose callback came without an error (at least once). */
  readonly acked = new Set<string>();
  /** Events whose callback came with an error (at least once), by error name. */
  readonly failed = new Map<string, string>();
  /** Callbacks after the first for one event (fluent-logger may answer twice). */
  extraCallbacks = 0;
  /** Date.now() of every ack, in arrival order. */
  readonly ackTimes: number[] = [];
  private readonly answered = new Set<string>();
  private readonly senders: Sender[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: FluentLoadOptions) {}

  /** The message prefix, e.g. for `storedMessages(url, `${prefix} %`)`. */
  get prefix(): string {
    return this.o.prefix;
  }

  /** e.g. "Message x2". */
  get label(): string {
    return `${this.o.mode} x${this.o.senders}`;
  }

  start(): void {
    for (let i = 0; i < this.o.senders; i++) {
      const s = createFluentSender('rel', {
        host: '127.0.0.1',
        port: this.o.port,
        eventMode: this.o.mode,
        requireAckResponse: true,
        ackResponseTimeout: this.o.ackResponseTimeoutMs,
        reconnectInterval: this.o.reconnectIntervalMs,
        internalLogger: quiet,
      });
      s.on('error', () => undefined);
      this.senders.push(s);
    }
    let n = 0;
    this.timer = setInterval(() => {
      this.senders.forEach((s, i) => this.emitOne(s, `${this.o.prefix} ${i} ${n}`));
      n++;
    }, this.o.intervalMs);
  }

  /** Events with no callback yet. */
  get unanswered(): number {
    return this.sent - this.answered.size;
  }

  /** Stops emitting; resolves once every event has had a callback, or after `timeoutMs`. */
  async finish(timeoutMs: number): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const deadline = Date.now() + timeoutMs;
    while (this.unanswered > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.senders) s.end();
  }

  result(): LoadResult {
    return {
      prefix: this.o.prefix,
      label: this.label,
      sent: this.sent,
      acked: [...this.acked],
      failed: [...this.failed],
      extraCallbacks: this.extraCallbacks,
      unanswered: this.unanswered,
    };
  }

  private emitOne(sender: Sender, message: string): void {
    this.sent++;
    sender.emit('fault', { message }, (err) => {
      if (this.answered.has(message)) this.extraCallbacks++;
      this.answered.add(message);
      if (err) {
        if (!this.failed.has(message)) this.failed.set(message, err.name);
      } else if (!this.acked.has(message)) {
        this.acked.add(message);
        this.ackTimes.push(Date.now());
      }
    });
  }
}
