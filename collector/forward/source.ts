/**
 * The forward source: every listener the configuration asks for (TCP, TLS, unix, and
 * the UDP heartbeat on the TCP port, answered as Fluentd's in_forward does), one shared
 * partial-line joiner, and its clock.
 */
import type net from 'node:net';
import type { Config } from '../../core/config.js';
import type { Pool } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import type { ListenerHealth, Telemetry } from '../../core/telemetry.js';
import type { RequestDeadline } from '../listen/request-deadline.js';
import { listenStream, type StreamListener } from '../listen/stream-listener.js';
import { listenUdp, type UdpListener } from '../listen/udp-listener.js';
import { PartialJoiner, type JoinedLine } from '../docker-lines/partial-join.js';
import type { WireObserver } from '../doctor/observer.js';
import type { Writer } from '../writer/writer.js';
import type { UnitSink } from '../sink/sink.js';
import { handleForwardConnection, type ForwardContext } from './connection.js';
import { recoverStalePartials } from '../docker-lines/partial-recovery.js';

/** Longest a shutdown waits for committed requests' acks to be written. */
const ACK_DRAIN_MS = 10_000;

/** Fluentd answers a UDP heartbeat with a single NUL byte (in_forward, heartbeat). */
const HEARTBEAT_RESPONSE = Buffer.from([0]);

export interface ForwardSource {
  streams: StreamListener[];
  udp: UdpListener | null;
  /** Stops accepting and reading; open connections stay to receive their acks. */
  stop(): Promise<void>;
  /** Closes every connection (after the writer has drained). */
  close(): Promise<void>;
}

function writeJoined(sink: UnitSink, lines: JoinedLine[], log: Logger): void {
  for (const line of lines) {
    const unit = {
      records: [line.record],
      claims: line.claim ? [{ key: line.claim, index: 0 }] : undefined,
    };
    sink.accept(unit).catch((e: Error) => log.error({ err: e.message }, 'partial line not stored'));
  }
}

export async function startForward(
  cfg: Config,
  pool: Pool,
  sink: UnitSink,
  /** Stashes left by a process that died go straight to the writer (PostgreSQL holds them). */
  writer: Writer,
  log: Logger,
  telemetry: Telemetry,
  doctor?: WireObserver,
  /** Resolves once the schema is there: stashes are looked for only then. */
  schema: Promise<void> = Promise.resolve(),
): Promise<ForwardSource> {
  const joiner = new PartialJoiner({
    timeoutMs: cfg.partialTimeoutMs,
    maxBytes: cfg.maxLineBytes,
    maxPending: 10_000,
  });
  const ctx: ForwardContext = {
    sink,
    joiner,
    log,
    telemetry,
    security: cfg.sharedKey
      ? { sharedKey: cfg.sharedKey, users: cfg.forwardUsers, serverHostname: cfg.forwardHostname }
      : null,
    maxFrameBytes: cfg.maxFrameBytes,
    maxDecompressedBytes: cfg.maxDecompressedBytes,
    handshakeTimeoutMs: cfg.handshakeTimeoutMs,
    ackQueues: new Set(),
    doctor,
  };
  const common = {
    protocol: 'forward',
    maxConnections: cfg.maxConnections,
    maxConnectionsPerPeer: cfg.maxConnectionsPerPeer,
    requestTimeoutMs: cfg.requestTimeoutMs,
    idleTimeoutMs: cfg.idleTimeoutMs,
    handshakeTimeoutMs: cfg.handshakeTimeoutMs,
    log,
    telemetry,
    onConnection: (socket: net.Socket, health: ListenerHealth, requests: RequestDeadline) =>
      handleForwardConnection(socket, health, requests, ctx),
  };
  const tlsFiles =
    cfg.tlsCertFile && cfg.tlsKeyFile
      ? { certFile: cfg.tlsCertFile, keyFile: cfg.tlsKeyFile, caFile: cfg.tlsCaFile }
      : undefined;
  const streams: StreamListener[] = [];
  let udp: UdpListener | null = null;
  if (cfg.forwardAddr) {
    const tcp = await listenStream({
      ...common,
      name: 'forward-tcp',
      transport: 'tcp',
      ...cfg.forwardAddr,
    });
    streams.push(tcp);
    udp = await listenUdp({
      name: 'forward-udp-heartbeat',
      protocol: 'forward',
      host: cfg.forwardAddr.host,
      port: tcp.port!,
      log,
      telemetry,
      onMessage: (_msg, rinfo, socket) =>
        socket.send(HEARTBEAT_RESPONSE, rinfo.port, rinfo.address),
    });
  }
  if (cfg.forwardTlsAddr)
    streams.push(
      await listenStream({
        ...common,
        name: 'forward-tls',
        transport: 'tls',
        ...cfg.forwardTlsAddr,
        tls: tlsFiles,
      }),
    );
  if (cfg.forwardSocket)
    streams.push(
      await listenStream({
        ...common,
        name: 'forward-unix',
        transport: 'unix',
        path: cfg.forwardSocket,
      }),
    );

  // Lines whose last part never came are written (marked) after the partial timeout;
  // stashes left by a process that died are written after twice that.
  const tick = setInterval(
    () => writeJoined(sink, joiner.expire(Date.now()), log),
    Math.min(1000, cfg.partialTimeoutMs),
  );
  // Not before the migrations: on a first start the stash table is not there yet.
  let migrated = false;
  const recover = () => {
    if (!migrated) return;
    recoverStalePartials(pool, writer, cfg.partialTimeoutMs * 2).catch((e: Error) =>
      log.warn({ err: e.message }, 'partial-line recovery failed; will retry'),
    );
  };
  schema.then(
    () => {
      migrated = true;
      recover();
    },
    () => undefined, // the collector reports a schema that never came
  );
  const sweep = setInterval(recover, Math.max(cfg.partialTimeoutMs * 2, 10_000));

  return {
    streams,
    udp,
    async stop() {
      clearInterval(tick);
      clearInterval(sweep);
      for (const s of streams) s.pauseAll();
      for (const s of streams) s.stopAccepting();
      await udp?.close();
      writeJoined(sink, joiner.drain(), log);
    },
    async close() {
      // Acks of what the spool holds go out before the connections close (bounded).
      const sent = Promise.allSettled([...ctx.ackQueues]);
      await Promise.race([sent, new Promise((r) => setTimeout(r, ACK_DRAIN_MS))]);
      await Promise.all(streams.map((s) => s.close()));
    },
  };
}
