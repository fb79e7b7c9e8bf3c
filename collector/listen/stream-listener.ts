/**
 * TCP, TLS and unix-socket listeners, written once for every protocol (STYLE.md #1).
 * Each enforces a connection limit, an idle timeout and (TLS) a handshake timeout, and
 * can pause every socket it holds: the writer's backpressure reaches senders as TCP
 * flow control instead of drops.
 */
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync, rmSync } from 'node:fs';
import type { Logger } from '../../core/log.js';
import type { ListenerHealth, Telemetry } from '../../core/telemetry.js';

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
  idleTimeoutMs: number;
  handshakeTimeoutMs: number;
  log: Logger;
  telemetry: Telemetry;
  onConnection: (socket: net.Socket, health: ListenerHealth) => void;
}

export interface StreamListener {
  name: string;
  /** `host:port` or the socket path, with the port actually bound. */
  address: string;
  port: number | null;
  health: ListenerHealth;
  pauseAll(): void;
  resumeAll(): void;
  /** Stops accepting new connections; open ones go on (to receive their acks). */
  stopAccepting(): void;
  /** Closes every open connection and the listener. */
  close(): Promise<void>;
}

export async function listenStream(o: StreamListenerOptions): Promise<StreamListener> {
  const sockets = new Set<net.Socket>();
  let paused = false;
  const addressText = o.transport === 'unix' ? o.path! : `${o.host}:${o.port}`;
  const health = o.telemetry.addListener(o.name, o.protocol, o.transport, addressText);

  const accept = (socket: net.Socket) => {
    if (sockets.size >= o.maxConnections) {
      o.telemetry.onError(health, `connection limit ${o.maxConnections} reached`);
      o.log.warn(
        { listener: o.name, limit: o.maxConnections },
        'connection refused: too many connections',
      );
      socket.destroy();
      return;
    }
    sockets.add(socket);
    o.telemetry.onConnection(health, 1);
    socket.setTimeout(o.idleTimeoutMs, () => {
      o.log.info({ listener: o.name, remote: socket.remoteAddress }, 'closing idle connection');
      socket.destroy();
    });
    socket.on('error', (e) => o.log.debug({ listener: o.name, err: e.message }, 'socket error'));
    socket.once('close', () => {
      sockets.delete(socket);
      o.telemetry.onConnection(health, -1);
    });
    if (paused) socket.pause();
    o.onConnection(socket, health);
  };

  let server: net.Server;
  if (o.transport === 'tls') {
    const t = o.tls!;
    server = tls.createServer(
      {
        cert: readFileSync(t.certFile),
        key: readFileSync(t.keyFile),
        ca: t.caFile ? readFileSync(t.caFile) : undefined,
        requestCert: t.caFile !== null,
        rejectUnauthorized: t.caFile !== null,
        handshakeTimeout: o.handshakeTimeoutMs,
      },
      accept,
    );
    server.on('tlsClientError', (e) => {
      o.telemetry.onError(health, `TLS: ${e.message}`);
      o.log.warn({ listener: o.name, err: e.message }, 'TLS handshake failed');
    });
  } else {
    server = net.createServer(accept);
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
