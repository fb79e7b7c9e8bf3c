/**
 * TCP, TLS and unix-socket listeners, written once for every protocol (STYLE.md #1).
 * Each enforces its hard limits and can pause every socket it holds: the writer's
 * backpressure reaches senders as TCP flow control instead of drops.
 *
 *   TCP connection ─► per-peer limit ─► [TLS handshake, client certificate] ─► listener
 *   limit ─► idle timeout + request deadline ─► the protocol's onConnection
 *
 * - per peer address (LOGHARBOR_MAX_CONNECTIONS_PER_PEER), counted on the TCP connection,
 *   so a TLS peer's unfinished handshakes count too; unix sockets have no peer: exempt;
 * - per listener (LOGHARBOR_MAX_CONNECTIONS), over established connections;
 * - a request begun must complete within LOGHARBOR_REQUEST_TIMEOUT (request-deadline.ts);
 *   the protocol reports its framer's state after each read;
 * - TLS (RFC 5425 section 4.2): with a CA, a client must present a certificate it signed.
 *
 * A refusal is counted every time (/metrics, /api/sources) and logged once per peer and
 * cause per interval, with how many were left unsaid: a flood cannot flood the log.
 */
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { Errors, type ErrorDef } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { ListenerHealth, Telemetry } from '../../core/telemetry.js';
import { LogThrottle } from './log-throttle.js';
import { PeerConnections, peerKey } from './peer-connections.js';
import { RequestDeadline } from './request-deadline.js';
import { clientCertRefusal, handshakeErrorReason } from './tls-reason.js';

export type StreamTransport = 'tcp' | 'tls' | 'unix';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** When set, clients must present a certificate signed by this CA. */
  caFile: string | null;
}

export interface StreamListenerOptions {
  name: string;
  protocol: string;
  transport: StreamTransport;
  host?: string;
  port?: number;
  path?: string;
  tls?: TlsFiles;
  maxConnections: number;
  /** Open connections from one peer address; unix sockets are exempt. */
  maxConnectionsPerPeer: number;
  /** A request (frame) begun must be whole within this, else the connection is closed. */
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
  log: Logger;
  telemetry: Telemetry;
  /**
   * A connection accepted. The protocol calls `requests.afterRead(completed, midFrame)`
   * after each read; the listener closes the connection when a request overstays.
   */
  onConnection: (
    socket: net.Socket,
    health: ListenerHealth,
    requests: RequestDeadline,
  ) => ConnectionState | void;
}

/** What the protocol tells the listener of a connection it handles. */
export interface ConnectionState {
  /**
   * The server still owes the peer a reply (a forward ack waiting for the spool's sync or
   * PostgreSQL): a peer waiting for it is not idle, and the idle timeout leaves it open.
   */
  owesReply(): boolean;
}

export interface StreamListener {
  name: string;
  /** `host:port` or the socket path, with the port actually bound. */
  address: string;
  port: number | null;
  health: ListenerHealth;
  pauseAll(): void;
  resumeAll(): void;
  /** When any connection last brought bytes (ms since the epoch; 0: never). */
  readonly lastDataAt: number;
  /** Stops accepting new connections; open ones go on (to receive their acks). */
  stopAccepting(): void;
  /** Closes every open connection and the listener. */
  close(): Promise<void>;
}

/** One log line per peer and cause per minute; every occurrence is still counted. */
export const REFUSAL_LOG_INTERVAL_MS = 60_000;

/**
 * A client that verifies logharbor refuses an expired certificate, and Node clients do it
 * without an alert, so logharbor would only see connections hang up: say it at start.
 */
function warnIfExpired(pem: Buffer, file: string, o: StreamListenerOptions): void {
  const notAfter = new X509Certificate(pem).validTo;
  if (Date.parse(notAfter) < Date.now())
    o.log.warn(
      { listener: o.name, certFile: file, notAfter },
      'TLS certificate has expired: clients that verify it will refuse to connect',
    );
}

export async function listenStream(o: StreamListenerOptions): Promise<StreamListener> {
  const sockets = new Set<net.Socket>();
  const peers = new PeerConnections(o.maxConnectionsPerPeer);
  const throttle = new LogThrottle(REFUSAL_LOG_INTERVAL_MS);
  let paused = false;
  const addressText = o.transport === 'unix' ? o.path! : `${o.host}:${o.port}`;
  const health = o.telemetry.addListener(o.name, o.protocol, o.transport, addressText);

  /** Counts one refusal; logs it unless this peer's same cause was logged lately. */
  const report = (
    def: ErrorDef,
    detail: string,
    peer: string | null,
    fields: Record<string, unknown>,
  ) => {
    o.telemetry.onError(health, `${def.code}: ${detail}${peer === null ? '' : ` (${peer})`}`);
    const suppressed = throttle.take(`${def.code} ${peer ?? ''} ${detail}`, performance.now());
    if (suppressed === null) return;
    o.log.warn(
      { listener: o.name, code: def.code, remote: peer ?? undefined, ...fields, suppressed },
      `${def.message}: ${detail}`,
    );
  };

  /** The per-peer limit, on the TCP connection (before any TLS handshake). */
  const admitPeer = (raw: net.Socket): boolean => {
    const peer = peerKey(raw.remoteAddress);
    if (peer === null) return true;
    if (!peers.tryAdd(peer)) {
      report(Errors.PEER_CONNECTION_LIMIT, `per-peer limit ${peers.limit} reached`, peer, {
        limit: peers.limit,
      });
      raw.destroy();
      return false;
    }
    raw.once('close', () => peers.remove(peer));
    return true;
  };

  let lastDataAt = 0;
  const accept = (socket: net.Socket) => {
    if (socket instanceof tls.TLSSocket && o.tls?.caFile) {
      const refusal = clientCertRefusal(socket);
      if (refusal) {
        report(Errors.TLS_HANDSHAKE, refusal.reason, peerKey(socket.remoteAddress), {
          reason: refusal.reason,
          verifyCode: refusal.verifyCode ?? undefined,
          subject: refusal.subject ?? undefined,
        });
        socket.destroy();
        return;
      }
    }
    if (sockets.size >= o.maxConnections) {
      report(Errors.CONNECTION_LIMIT, `connection limit ${o.maxConnections} reached`, null, {
        limit: o.maxConnections,
      });
      socket.destroy();
      return;
    }
    sockets.add(socket);
    o.telemetry.onConnection(health, 1);
    const remote = peerKey(socket.remoteAddress);
    const conn: { state: ConnectionState | void } = { state: undefined };
    // 'timeout' with `on`, not setTimeout's callback (a `once` listener): while a reply is
    // owed the connection stays, and Node re-arms the timer at the next read or write.
    socket.setTimeout(o.idleTimeoutMs);
    socket.on('timeout', () => {
      if (conn.state?.owesReply()) return;
      o.log.info({ listener: o.name, remote: remote ?? undefined }, 'closing idle connection');
      socket.destroy();
    });
    const requests = new RequestDeadline(o.requestTimeoutMs, (ageMs) => {
      const detail = `no complete request within ${o.requestTimeoutMs} ms`;
      report(Errors.REQUEST_TIMEOUT, detail, remote, { ageMs: Math.round(ageMs) });
      socket.destroy();
    });
    // Paused by backpressure, the sender cannot finish its request: the clock stops.
    socket.on('pause', () => requests.hold());
    socket.on('resume', () => requests.release());
    socket.on('error', (e) => o.log.debug({ listener: o.name, err: e.message }, 'socket error'));
    socket.on('data', () => (lastDataAt = Date.now()));
    socket.once('close', () => {
      requests.stop();
      sockets.delete(socket);
      o.telemetry.onConnection(health, -1);
    });
    if (paused) socket.pause();
    conn.state = o.onConnection(socket, health, requests);
  };

  let server: net.Server;
  if (o.transport === 'tls') {
    const t = o.tls!;
    const cert = readFileSync(t.certFile);
    warnIfExpired(cert, t.certFile, o);
    server = tls.createServer(
      {
        cert,
        key: readFileSync(t.keyFile),
        ca: t.caFile ? readFileSync(t.caFile) : undefined,
        requestCert: t.caFile !== null,
        // Enforced in accept(): with rejectUnauthorized Node destroys the socket before
        // anyone can read the peer's address, and reports only "socket hang up".
        rejectUnauthorized: false,
        handshakeTimeout: o.handshakeTimeoutMs,
      },
      accept,
    );
    // Runs after tls.Server's own listener has wrapped the socket; destroying it here
    // ends that TLS socket before its handshake.
    server.on('connection', admitPeer);
    server.on('tlsClientError', (e: Error & { code?: unknown }, socket: tls.TLSSocket) => {
      const peer = peerKey(socket.remoteAddress);
      if (e.code === 'ECONNRESET') {
        // The peer (or the per-peer limit) closed before the handshake ended: a health
        // check or a refusal already reported, not a failed negotiation.
        o.log.debug({ listener: o.name, remote: peer ?? undefined }, 'TLS closed in handshake');
        return;
      }
      const reason = handshakeErrorReason(e);
      report(Errors.TLS_HANDSHAKE, reason, peer, { reason });
    });
  } else {
    server = net.createServer((socket) => {
      if (admitPeer(socket)) accept(socket);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    if (o.transport === 'unix') {
      rmSync(o.path!, { force: true });
      server.listen(o.path!, resolve);
    } else {
      server.listen(o.port, o.host, resolve);
    }
  });
  server.on('error', (e) => o.log.error({ listener: o.name, err: e.message }, 'listener error'));
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : null;
  if (port !== null) health.address = `${o.host}:${port}`;

  return {
    name: o.name,
    address: health.address,
    port,
    health,
    get lastDataAt() {
      return lastDataAt;
    },
    pauseAll() {
      paused = true;
      for (const s of sockets) s.pause();
    },
    resumeAll() {
      paused = false;
      for (const s of sockets) s.resume();
    },
    stopAccepting() {
      if (server.listening) server.close();
    },
    close() {
      return new Promise((resolve) => {
        if (!server.listening) {
          for (const s of sockets) s.destroy();
          if (sockets.size === 0) return resolve();
          server.once('close', () => resolve());
          return;
        }
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
