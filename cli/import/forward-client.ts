/**
 * The import's forward-protocol client: one connection to a logharbor forward listener,
 * requests sent back to back with at most `window` waiting for their acks (Forward
 * Protocol v1, "option.chunk": the server answers `{ack: chunk}` in request order once
 * its spool holds the request). A connection that breaks or stays silent past the ack
 * timeout is opened again and every unacked request resent with its chunk id, which the
 * server stores once. The shared-key handshake (HELO, PING, PONG) runs when a key is given.
 *
 *   send(req) ─► window free? ─► write ─► in flight ─► {ack} ─► acked, in order
 *                                   ▲ reconnect: resend in flight ◄─ close / ack timeout
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { Packr, Unpackr } from 'msgpackr';

export type ForwardTarget = { host: string; port: number } | { path: string };

export interface ClientOptions {
  target: ForwardTarget;
  sharedKey: string | null;
  /** Sent in PING; logharbor stores it as the records' `host` (with a shared key only). */
  hostname: string;
  /** Requests sent and not yet acked, at most. */
  window: number;
  /** No ack for this long: the connection is dropped and opened again. */
  ackTimeoutMs: number;
  /** Connection attempts in a row before giving up. */
  maxAttempts: number;
  /** A reconnect, for the progress output. */
  onReconnect?: (reason: string) => void;
}

interface InFlight {
  chunk: string;
  bytes: Buffer;
  sends: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

/** `host:port`, `[v6]:port`, `tcp://host:port`, `unix:///path` or a path starting with `/`. */
export function parseTarget(s: string): ForwardTarget {
  if (s.startsWith('unix://')) return { path: s.slice('unix://'.length) };
  if (s.startsWith('/')) return { path: s };
  const hp = s.replace(/^tcp:\/\//, '');
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(hp);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port > 0 && port < 65536))
    throw new Error(`--forward: expected host:port or unix:///path, got ${s}`);
  const host = m[1] ?? m[2]!;
  // A server listening on the wildcard address is reached on loopback.
  return { host: host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port };
}

export function targetText(t: ForwardTarget): string {
  return 'path' in t
    ? `unix://${t.path}`
    : `${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

const sha512Hex = (...parts: (Buffer | string)[]): string => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

const asBytes = (v: unknown): Buffer | null =>
  Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v, 'utf8') : null;

/** Resent this often without an ack, a request is refused by the server, not unlucky. */
const MAX_SENDS = 5;

export class ForwardClient {
  private socket: net.Socket | null = null;
  private readonly inFlight: InFlight[] = [];
  private readonly waiters: (() => void)[] = [];
  private last: Promise<void> | null = null;
  private pending: Buffer | null = null;
  private ackTimer: NodeJS.Timeout | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private failure: Error | null = null;
  /** Handshake in progress: where the server's messages go. */
  private handshake: ((m: unknown) => void) | null = null;
  private nonce: Buffer = Buffer.alloc(0);
  private salt = '';
  /** Connections opened again after one broke. */
  reconnects = 0;

  constructor(private readonly o: ClientOptions) {}

  /** Opens the connection (and runs the handshake); rejects when the server cannot be reached. */
  async connect(): Promise<void> {
    await this.ensureConnected();
  }

  /**
   * Sends a request once the window has room; resolves then, with a promise of its ack
   * (in an object: a promise resolving to a promise would wait for the ack). Requests are
   * acked in the order they were sent.
   */
  async send(bytes: Buffer, chunk: string): Promise<{ acked: Promise<void> }> {
    while (this.inFlight.length >= this.o.window && !this.failure) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
    if (this.failure) throw this.failure;
    let entry!: InFlight;
    const acked = new Promise<void>((resolve, reject) => {
      entry = { chunk, bytes, sends: 0, resolve, reject };
    });
    acked.catch(() => undefined); // a caller may look only at the last one's failure
    this.inFlight.push(entry);
    this.last = acked;
    if (this.socket && !this.connecting) this.write(entry);
    else void this.ensureConnected().catch(() => undefined);
    this.armTimer();
    return { acked };
  }

  /** Resolves once every request sent is acked; rejects if the import cannot go on. */
  async drain(): Promise<void> {
    if (this.failure) throw this.failure;
    await this.last;
  }

  get waiting(): number {
    return this.inFlight.length;
  }

  close(): void {
    this.closed = true;
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.socket?.destroy();
    this.fail(new Error('import stopped'));
  }

  private write(e: InFlight): void {
    if (++e.sends > MAX_SENDS) {
      this.fail(
        new Error(
          `logharbor closed the connection ${MAX_SENDS} times without acking request ${e.chunk} (${e.bytes.length} bytes): see its log; LOGHARBOR_MAX_FRAME_BYTES?`,
        ),
      );
      this.socket?.destroy();
      return;
    }
    this.socket!.write(e.bytes);
  }

  private fail(e: Error): void {
    if (!this.failure) this.failure = e;
    this.closed = true;
    for (const f of this.inFlight.splice(0)) f.reject(this.failure);
    for (const w of this.waiters.splice(0)) w();
  }

  private armTimer(): void {
    if (this.ackTimer || this.inFlight.length === 0 || this.closed) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = null;
      if (this.inFlight.length === 0) return;
      if (this.socket && !this.socket.destroyed)
        this.socket.destroy(new Error(`no ack within ${this.o.ackTimeoutMs} ms`));
      else {
        this.socket = null;
        void this.ensureConnected().catch(() => undefined);
      }
    }, this.o.ackTimeoutMs);
  }

  private ensureConnected(): Promise<void> {
    this.connecting ??= this.connectLoop().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connectLoop(): Promise<void> {
    let delay = 250;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw this.failure ?? new Error('import stopped');
      try {
        const socket = await this.open();
        if (socket.destroyed) throw new Error('the connection closed');
        this.socket = socket;
        // Everything not acked goes again, in order, on the new connection.
        for (const e of [...this.inFlight]) if (!this.closed) this.write(e);
        this.armTimer();
        return;
      } catch (e) {
        const err = e as Error & { fatal?: boolean };
        if (err.fatal || attempt >= this.o.maxAttempts) {
          const why = err.fatal
            ? err
            : new Error(`cannot reach logharbor at ${targetText(this.o.target)}: ${err.message}`);
          this.fail(why);
          throw why;
        }
        this.o.onReconnect?.(err.message);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(5000, delay * 2);
      }
    }
  }

  /** One connection, handshake included. */
  private open(): Promise<net.Socket> {
    return new Promise<net.Socket>((resolve, reject) => {
      const t = this.o.target;
      const socket = 'path' in t ? net.connect(t.path) : net.connect(t.port, t.host);
      socket.setNoDelay(true);
      let settled = false;
      this.pending = null;
      this.handshake = null;
      const settle = (e: Error | null) => {
        if (settled) return;
        settled = true;
        this.handshake = null;
        if (e) {
          socket.destroy();
          reject(e);
        } else resolve(socket);
      };
      socket.on('data', (d: Buffer) => this.onData(d, socket));
      socket.on('error', (e) => settle(e));
      socket.on('close', () => {
        settle(new Error('the connection closed'));
        if (this.socket !== socket) return;
        this.socket = null;
        if (this.ackTimer) clearTimeout(this.ackTimer);
        this.ackTimer = null;
        if (!this.closed && this.inFlight.length > 0) {
          this.reconnects++;
          this.o.onReconnect?.('the connection closed');
          void this.ensureConnected().catch(() => undefined);
        }
      });
      socket.once('connect', () => {
        if (!this.o.sharedKey) return settle(null);
        const timer = setTimeout(
          () => settle(new Error('no HELO from the server within 10 s')),
          10_000,
        );
        this.handshake = (m) =>
          this.onHandshake(m, socket, (e) => {
            clearTimeout(timer);
            settle(e);
          });
      });
    });
  }

  private onHandshake(m: unknown, socket: net.Socket, done: (e: Error | null) => void): void {
    const fatal = (msg: string) => done(Object.assign(new Error(msg), { fatal: true }));
    if (!Array.isArray(m)) return fatal('expected HELO or PONG from the server');
    if (m[0] === 'HELO') {
      const opts = (m[1] ?? {}) as Record<string, unknown>;
      const nonce = asBytes(opts.nonce);
      const auth = asBytes(opts.auth);
      if (nonce === null) return fatal('HELO without a nonce');
      if (auth !== null && auth.length > 0)
        return fatal('the server asks for a username and password, which import does not send');
      const key = this.o.sharedKey!;
      this.nonce = nonce;
      this.salt = randomBytes(16).toString('hex');
      const digest = sha512Hex(this.salt, this.o.hostname, nonce, key);
      socket.write(packr.pack(['PING', this.o.hostname, this.salt, digest, '', '']));
      return;
    }
    if (m[0] === 'PONG') {
      if (m[1] !== true) return fatal(`handshake refused: ${String(m[2])}`);
      const expected = sha512Hex(this.salt, asBytes(m[3]) ?? '', this.nonce, this.o.sharedKey!);
      if (asBytes(m[4])?.toString('latin1') !== expected)
        return fatal('the server answered PONG without knowing the shared key');
      return done(null);
    }
    fatal(`unexpected ${String(m[0])} during the handshake`);
  }

  private onData(d: Buffer, socket: net.Socket): void {
    const buf = this.pending ? Buffer.concat([this.pending, d]) : d;
    this.pending = null;
    let used = 0;
    try {
      unpackr.unpackMultiple(buf, (value: unknown, _start?: number, end?: number) => {
        used = end ?? buf.length;
        this.onMessage(value, socket);
      });
    } catch (e) {
      if ((e as { incomplete?: boolean }).incomplete) {
        this.pending = Buffer.from(buf.subarray(used));
        return;
      }
      socket.destroy(new Error('the server sent bytes that are not msgpack'));
    }
  }

  private onMessage(m: unknown, socket: net.Socket): void {
    if (this.handshake) return this.handshake(m);
    if (Array.isArray(m) && m[0] === 'HELO') {
      // The server wants the handshake and no key was given: retrying cannot help.
      this.fail(
        new Error(
          'logharbor asks for the shared key: set LOGHARBOR_SHARED_KEY or LOGHARBOR_SHARED_KEY_FILE',
        ),
      );
      socket.destroy();
      return;
    }
    const ack = (m as { ack?: unknown } | null)?.ack;
    if (typeof ack !== 'string' || this.socket !== socket) return;
    const i = this.inFlight.findIndex((f) => f.chunk === ack);
    if (i < 0) return; // not ours any more (acked already)
    if (i > 0) {
      // Acks come in request order: the server dropped the ones before (see its log).
      const dropped = this.inFlight[0]!;
      this.fail(new Error(`logharbor did not ack request ${dropped.chunk}: see its log`));
      socket.destroy();
      return;
    }
    this.inFlight.shift()!.resolve();
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    this.armTimer();
    for (const w of this.waiters.splice(0)) w();
  }
}
