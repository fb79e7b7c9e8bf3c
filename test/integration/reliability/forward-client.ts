/**
 * A forward client that behaves as Docker's fluentd driver and fluent-logger do with
 * acks on (Forward Protocol v1, `option.chunk`): it keeps a window of requests in
 * flight, and when an ack does not come (timeout, connection lost, server restarted) it
 * reconnects and resends every unacked request byte for byte, with the same chunk id.
 * It records which chunks were acked, so a test can check that exactly those events
 * are stored, each once.
 */
import net from 'node:net';
import { Packr, unpackMultiple } from 'msgpackr';

const packr = new Packr({ useRecords: false, variableMapSize: true });

interface Chunk {
  id: string;
  bytes: Buffer;
  events: string[];
  sentAt: number;
}

export interface ForwardClientOptions {
  /** Read at every (re)connection: a restarted server may listen on a new port. */
  port: () => number;
  tag: string;
  perChunk: number;
  inFlight: number;
  /** An unacked request older than this makes the client reconnect and resend. */
  ackTimeoutMs: number;
}

/** PackedForward `[tag, bin(entries), {chunk, size}]`, one `{log}` record per event. */
function encode(tag: string, id: string, events: string[]): Buffer {
  const now = Math.floor(Date.now() / 1000);
  const payload = Buffer.concat(
    events.map((log) => packr.pack([now, { log, source: 'stdout', container_name: '/rel' }])),
  );
  return packr.pack([tag, payload, { chunk: id, size: events.length }]);
}

export class ResendingForwardClient {
  readonly acked = new Set<string>();
  /** Every event put on the wire at least once. */
  sentEvents = 0;
  resentChunks = 0;
  /** Connections that ended (closed by either side, or refused). */
  closes = 0;
  /** Date.now() of every ack, in arrival order. */
  readonly ackTimes: number[] = [];
  private readonly outstanding = new Map<string, Chunk>();
  private readonly ackedEventList: string[] = [];
  private socket: net.Socket | null = null;
  private generating = true;
  private stopped = false;
  private next = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly o: ForwardClientOptions) {}

  start(): void {
    this.timer = setInterval(() => this.checkTimeout(), 100);
    this.connect();
  }

  /** The events acked so far: a copy, so a caller keeps what was acked at its call. */
  ackedEvents(): string[] {
    return [...this.ackedEventList];
  }

  /** Stops making new chunks; resolves when every sent chunk is acked or `timeoutMs` passes. */
  async finish(timeoutMs: number): Promise<void> {
    this.generating = false;
    const deadline = Date.now() + timeoutMs;
    while (this.outstanding.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    this.close();
  }

  close(): void {
    this.stopped = true;
    this.generating = false;
    if (this.timer) clearInterval(this.timer);
    this.socket?.destroy();
  }

  private connect(): void {
    if (this.stopped) return;
    const sock = net.connect(this.o.port(), '127.0.0.1');
    this.socket = sock;
    let pending: Buffer = Buffer.alloc(0);
    sock.setNoDelay(true);
    sock.on('connect', () => {
      // Resend what the last connection left unacked, oldest first, same chunk ids.
      for (const c of this.outstanding.values()) {
        c.sentAt = Date.now();
        this.resentChunks++;
        sock.write(c.bytes);
      }
      this.pump();
    });
    sock.on('data', (d: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, d]) : d;
      let acks: unknown[];
      try {
        acks = unpackMultiple(pending) as unknown[];
        pending = Buffer.alloc(0);
      } catch {
        return; // an ack cut across reads: wait for the rest
      }
      for (const a of acks) this.onAck(a);
      this.pump();
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      if (this.socket === sock) this.socket = null;
      this.closes++;
      if (!this.stopped) setTimeout(() => this.connect(), 200);
    });
  }

  private onAck(a: unknown): void {
    if (typeof a !== 'object' || a === null || !('ack' in a)) return;
    const id = (a as { ack: unknown }).ack;
    if (typeof id !== 'string') return;
    const c = this.outstanding.get(id);
    if (!c) return; // an ack for a chunk resent on an earlier connection: already counted
    this.outstanding.delete(id);
    this.acked.add(id);
    this.ackedEventList.push(...c.events);
    this.ackTimes.push(Date.now());
  }

  private pump(): void {
    const sock = this.socket;
    if (!sock || sock.connecting || sock.destroyed) return;
    while (this.generating && this.outstanding.size < this.o.inFlight) {
      const n = this.next++;
      const id = `${this.o.tag}-${n}`;
      const events = Array.from({ length: this.o.perChunk }, (_, j) => `${this.o.tag} ${n}.${j}`);
      const c: Chunk = { id, bytes: encode(this.o.tag, id, events), events, sentAt: Date.now() };
      this.outstanding.set(id, c);
      this.sentEvents += events.length;
      sock.write(c.bytes);
    }
  }

  private checkTimeout(): void {
    const oldest = this.outstanding.values().next().value;
    if (oldest && this.socket && Date.now() - oldest.sentAt > this.o.ackTimeoutMs) {
      this.socket.destroy(); // 'close' reconnects and resends
    }
  }
}
