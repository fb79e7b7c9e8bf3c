/**
 * The syslog source: UDP, TCP, TLS (RFC 5425) and unix-stream listeners feeding one
 * pipeline:
 *
 *   bytes ─► SyslogFramer (RFC 6587, per connection) ─► parseSyslog ─► SyslogLineJoiner
 *         ─► syslogToRecord ─► sink.accept (the spool, collector/sink/)
 *
 * UDP is read on a worker thread (listen/threaded-udp.ts) and arrives in batches.
 *
 * Syslog has no acks: what is read is safe once the spool holds it. TCP senders are
 * slowed by pausing their sockets when the spool is full; UDP cannot be slowed, so what
 * arrives then is dropped and counted, and so are the kernel's own receive-buffer drops.
 */
import type net from 'node:net';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/log.js';
import type { LogRecord } from '../../core/record.js';
import type { ListenerHealth, Telemetry } from '../../core/telemetry.js';
import type { RequestDeadline } from '../listen/request-deadline.js';
import { listenStream, type StreamListener } from '../listen/stream-listener.js';
import { kernelUdpDrops } from '../listen/udp-drops.js';
import { listenUdpThreaded } from '../listen/threaded-udp.js';
import type { UdpListener } from '../listen/udp-listener.js';
import { listenUnixDgram, type UnixDgramListener } from '../listen/unix-dgram-listener.js';
import type { WireObserver } from '../doctor/observer.js';
import type { UnitSink } from '../sink/sink.js';
import { SyslogFramer } from './framing.js';
import { SyslogLineJoiner } from './join.js';
import { parseSyslog } from './parse.js';
import { syslogToRecord } from './record.js';

export interface SyslogSource {
  streams: StreamListener[];
  udp: UdpListener | null;
  dgram: UnixDgramListener | null;
  stop(): Promise<void>;
  close(): Promise<void>;
}

const TICK_MS = 500;

export async function startSyslog(
  cfg: Config,
  sink: UnitSink,
  log: Logger,
  telemetry: Telemetry,
  doctor?: WireObserver,
): Promise<SyslogSource> {
  const ready: LogRecord[] = [];
  const joiner = new SyslogLineJoiner({
    timeoutMs: cfg.partialTimeoutMs,
    maxBytes: cfg.maxLineBytes,
    emit: (m) => ready.push(syslogToRecord(m, Date.now())),
  });
  const ctx = { receivedAt: 0, timezone: cfg.syslogTimezone };

  const submitReady = () => {
    if (ready.length === 0) return;
    sink
      .accept({ records: ready.splice(0) })
      .catch((e: Error) => log.error({ err: e.message }, 'syslog records not stored'));
  };
  const ingest = (frames: Buffer[], health: ListenerHealth) => {
    if (frames.length === 0) return;
    ctx.receivedAt = Date.now();
    for (const f of frames) {
      const m = parseSyslog(f, ctx);
      doctor?.observeSyslog(f, m, health.listener);
      joiner.push(m, ctx.receivedAt);
    }
    telemetry.onReceived(health, frames.length);
    submitReady();
  };

  /** RFC 5426 section 3.1: one message per datagram. */
  const ingestDatagrams = (msgs: Buffer[], health: ListenerHealth) => {
    if (sink.overloaded) {
      // A datagram sender cannot be slowed down: while the spool is full what arrives is
      // dropped, and counted.
      telemetry.onDropped(health, msgs.length, 'spool_full');
      return;
    }
    ingest(msgs, health);
  };

  const onConnection = (socket: net.Socket, health: ListenerHealth, requests: RequestDeadline) => {
    const framer = new SyslogFramer(cfg.maxFrameBytes);
    let errors = 0;
    // One onError per frame: logharbor_decode_errors_total and /api/sources count frames,
    // and one read can hold several bad ones.
    const countErrors = () => {
      const n = framer.errors - errors;
      const why = `${n} bad or oversized frame(s) skipped`;
      for (let i = 0; i < n; i++) telemetry.onError(health, why);
      errors = framer.errors;
    };
    socket.on('data', (chunk: Buffer) => {
      const frames = framer.push(chunk);
      requests.afterRead(frames.length, framer.midFrame);
      ingest(frames, health);
      countErrors();
    });
    socket.once('end', () => {
      ingest(framer.flush(), health);
      countErrors();
    });
  };

  const common = {
    protocol: 'syslog',
    maxConnections: cfg.maxConnections,
    maxConnectionsPerPeer: cfg.maxConnectionsPerPeer,
    requestTimeoutMs: cfg.requestTimeoutMs,
    idleTimeoutMs: cfg.idleTimeoutMs,
    handshakeTimeoutMs: cfg.handshakeTimeoutMs,
    log,
    telemetry,
    onConnection,
  };
  const streams: StreamListener[] = [];
  if (cfg.syslogTcpAddr)
    streams.push(
      await listenStream({ ...common, name: 'syslog-tcp', transport: 'tcp', ...cfg.syslogTcpAddr }),
    );
  if (cfg.syslogTlsAddr) {
    const tls = { certFile: cfg.tlsCertFile!, keyFile: cfg.tlsKeyFile!, caFile: cfg.tlsCaFile };
    streams.push(
      await listenStream({
        ...common,
        name: 'syslog-tls',
        transport: 'tls',
        ...cfg.syslogTlsAddr,
        tls,
      }),
    );
  }
  if (cfg.syslogSocket)
    streams.push(
      await listenStream({
        ...common,
        name: 'syslog-unix',
        transport: 'unix',
        path: cfg.syslogSocket,
      }),
    );

  let udp: UdpListener | null = null;
  let kernelDropsSeen = 0;
  if (cfg.syslogUdpAddr) {
    // Read on a thread of its own, so a busy main thread does not make the kernel drop.
    udp = await listenUdpThreaded({
      name: 'syslog-udp',
      protocol: 'syslog',
      ...cfg.syslogUdpAddr,
      log,
      telemetry,
      onBatch: ingestDatagrams,
    });
    kernelDropsSeen = kernelUdpDrops(udp.port);
  }
  const dgram = cfg.syslogDgramSocket
    ? await listenUnixDgram({
        name: 'syslog-unix-dgram',
        protocol: 'syslog',
        path: cfg.syslogDgramSocket,
        telemetry,
        onMessage: (msg, health) => ingestDatagrams([msg], health),
      })
    : null;

  const tick = setInterval(() => {
    joiner.tick(Date.now());
    submitReady();
    if (udp) {
      const drops = kernelUdpDrops(udp.port);
      if (drops > kernelDropsSeen)
        telemetry.onDropped(udp.health, drops - kernelDropsSeen, 'kernel_buffer_full');
      kernelDropsSeen = drops;
    }
  }, TICK_MS);

  return {
    streams,
    udp,
    dgram,
    async stop() {
      clearInterval(tick);
      for (const s of streams) s.pauseAll();
      for (const s of streams) s.stopAccepting();
      await Promise.all([udp?.close(), dgram?.close()]);
      joiner.flushAll();
      submitReady();
    },
    async close() {
      await Promise.all(streams.map((s) => s.close()));
    },
  };
}
