/**
 * One forward-protocol connection (Forward Protocol v1): frames the byte stream,
 * optionally runs the shared-key handshake, decodes each request, normalizes its
 * events, hands them to the sink (the spool), and sends `{ack: chunk}` once the spool
 * holds them (or once committed: LOGHARBOR_FORWARD_ACK), in request order. A fatal
 * decode error closes this connection only; a bad event is skipped.
 *
 *   bytes ─► ForwardFramer ─► decodeRequest ─► normalize + join partials ─► sink.accept
 *                                             acks (in order) ◄── spool write ◄─┘
 */
import type net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../core/log.js';
import type { ListenerHealth, Telemetry } from '../../core/telemetry.js';
import type { RequestDeadline } from '../listen/request-deadline.js';
import type { ConnectionState } from '../listen/stream-listener.js';
import type { LogRecord } from '../../core/record.js';
import type { UnitSink } from '../sink/sink.js';
import type { StashedPart, WriteUnit } from '../writer/unit.js';
import { normalizeForwardEvent } from './forward-record.js';
import { toAttrs } from '../../core/normalize/attrs.js';
import type { PartialJoiner } from '../docker-lines/partial-join.js';
import type { WireObserver } from '../doctor/observer.js';
import { ForwardFramer } from './framer.js';
import { decodeRequest, type ForwardRequest } from './decode.js';
import { ForwardDecodeError } from './errors.js';
import { encodeAck } from './ack.js';
import { GROUP_MARKER } from './event-time.js';
import { buildHelo, buildPong, verifyPing } from './handshake.js';
import { isImportChunk } from '../../core/import-chunks.js';

export interface ForwardSecurity {
  sharedKey: string;
  users: Map<string, string>;
  serverHostname: string;
}

export interface ForwardContext {
  sink: UnitSink;
  joiner: PartialJoiner;
  log: Logger;
  telemetry: Telemetry;
  security: ForwardSecurity | null;
  maxFrameBytes: number;
  maxDecompressedBytes: number;
  handshakeTimeoutMs: number;
  /** Every connection's queue of acks still to send: shutdown waits for them. */
  ackQueues: Set<Promise<unknown>>;
  /** The driver doctor: sees each request's first event and option (collector/doctor/). */
  doctor?: WireObserver;
}

const MAX_DEPTH = 64;

/**
 * Acks ready together on one connection leave a few milliseconds apart. Docker's
 * fluentd driver (fluent-logger-golang) writes stdout and stderr lines from two
 * goroutines on one connection and each reads "its" ack through a fresh buffered
 * reader: two acks arriving in one read leave one goroutine without its ack until a
 * timeout, then the pair resend in a loop and Docker drops lines (moby issue "fluentd
 * ack race"; fixture fluentd-ack-race.bin). Spacing the acks lets each goroutine read
 * one. Acks that are not queued behind another go out at once.
 */
const ACK_GAP_MS = 15;

/**
 * The dedupe key of an `option.chunk`: fluent-logger and Docker send base64 strings.
 * PostgreSQL text cannot hold NUL, so a string with one is keyed by its base64.
 */
function chunkKey(chunk: unknown): string | null {
  if (chunk === undefined || chunk === null) return null;
  if (typeof chunk === 'string')
    return chunk.includes('\0') ? `nul:${Buffer.from(chunk).toString('base64')}` : chunk;
  if (Buffer.isBuffer(chunk)) return `b64:${chunk.toString('base64')}`;
  return `json:${JSON.stringify(chunk)}`;
}

export function handleForwardConnection(
  socket: net.Socket,
  health: ListenerHealth,
  requests: RequestDeadline,
  ctx: ForwardContext,
): ConnectionState {
  const framer = new ForwardFramer(ctx.maxFrameBytes);
  const log = ctx.log.child({ listener: health.listener, remote: socket.remoteAddress ?? 'unix' });
  let ackChain: Promise<unknown> = Promise.resolve();
  let acksWaiting = 0;
  let lastAckAt = 0;
  let closed = false;
  let clientHostname: string | null = null;
  let handshake: { nonce: Buffer; authSalt: Buffer | null; timer: NodeJS.Timeout } | null = null;

  const fail = (reason: string) => {
    if (closed) return;
    closed = true;
    ctx.telemetry.onError(health, reason);
    log.warn({ reason }, 'closing forward connection');
    socket.destroy();
  };
  socket.once('close', () => {
    closed = true;
    if (handshake) clearTimeout(handshake.timer);
  });

  if (ctx.security) {
    const nonce = randomBytes(16);
    const authSalt = ctx.security.users.size > 0 ? randomBytes(16) : null;
    handshake = {
      nonce,
      authSalt,
      timer: setTimeout(() => fail('handshake timed out'), ctx.handshakeTimeoutMs),
    };
    socket.write(buildHelo({ nonce, authSalt, keepalive: true }));
  }

  const onHandshake = (req: ForwardRequest) => {
    const sec = ctx.security!;
    const hs = handshake!;
    const res = verifyPing(req.handshake ?? [], {
      nonce: hs.nonce,
      authSalt: hs.authSalt,
      sharedKey: sec.sharedKey,
      users: sec.users.size > 0 ? sec.users : null,
      serverHostname: sec.serverHostname,
    });
    clearTimeout(hs.timer);
    handshake = null;
    const salt = Array.isArray(req.handshake) ? req.handshake[2] : undefined;
    const pong = buildPong(
      res.ok,
      res.ok ? '' : res.reason,
      sec.serverHostname,
      salt,
      hs.nonce,
      sec.sharedKey,
    );
    if (!res.ok) {
      socket.end(pong);
      fail(`handshake refused: ${res.reason}`);
      return;
    }
    clientHostname = res.clientHostname;
    socket.write(pong);
  };

  const sendAck = (
    chunk: unknown,
    mode: 'msgpack' | 'json',
    started: number,
    done: Promise<void>,
  ) => {
    acksWaiting++;
    const previous = ackChain;
    ackChain = previous
      .then(() => done)
      .then(
        async () => {
          acksWaiting--;
          if (closed) return;
          if (lastAckAt !== 0 && performance.now() - lastAckAt < ACK_GAP_MS) {
            await new Promise((r) => setTimeout(r, ACK_GAP_MS));
            if (closed) return;
          }
          socket.write(encodeAck(chunk, mode));
          lastAckAt = acksWaiting > 0 ? performance.now() : 0;
          ctx.telemetry.ackSeconds.observe((performance.now() - started) / 1000);
        },
        (e: Error) => {
          acksWaiting--;
          fail(`request not stored, no ack: ${e.message}`);
        },
      );
    const queued = ackChain;
    ctx.ackQueues.add(queued);
    void queued.finally(() => ctx.ackQueues.delete(queued));
  };

  const onRequest = (req: ForwardRequest) => {
    for (const s of req.skipped) {
      // Fluent Bit's group start/end markers are not events; skipping them is normal.
      if (s.reason === GROUP_MARKER) continue;
      ctx.telemetry.onError(health, `event ${s.index} skipped: ${s.reason}`);
      log.warn({ tag: req.tag, reason: s.reason }, 'forward event skipped');
    }
    const started = performance.now();
    const chunk = req.option?.chunk;
    const key = chunkKey(chunk);
    if (key !== null) {
      const seen = ctx.sink.chunkState(key);
      if (seen) {
        // A resent chunk: acknowledge it once the first copy is stored; store nothing.
        ctx.telemetry.duplicates.inc();
        sendAck(
          chunk,
          framer.mode ?? 'msgpack',
          started,
          seen.state === 'pending' ? seen.done : Promise.resolve(),
        );
        return;
      }
    }
    const unit = toUnit(req, clientHostname, ctx.joiner);
    unit.chunk = key;
    ctx.telemetry.onReceived(health, req.events.length);
    const done = ctx.sink.accept(unit);
    if (key !== null) sendAck(chunk, framer.mode ?? 'msgpack', started, done);
    else done.catch((e: Error) => log.error({ err: e.message }, 'request not stored'));
  };

  const limits = { maxDecompressedBytes: ctx.maxDecompressedBytes, maxDepth: MAX_DEPTH };
  socket.on('data', (data: Buffer) => {
    if (closed) return;
    let frames: Buffer[];
    try {
      frames = framer.push(data);
    } catch (e) {
      // The framer's errors (oversized request, bytes that are not msgpack) leave the
      // stream out of sync: only closing the connection is safe.
      if (e instanceof ForwardDecodeError) return fail(e.message);
      throw e;
    }
    // The framer holds bytes only of a request begun and not ended (a slowloris sender's).
    requests.afterRead(frames.length, framer.pendingBytes > 0);
    for (const frame of frames) {
      let req: ForwardRequest;
      try {
        req = decodeRequest(frame, framer.mode ?? 'msgpack', limits);
      } catch (e) {
        if (!(e instanceof ForwardDecodeError)) throw e;
        if (e.fatal) return fail(e.message);
        // The stream is still in sync (a gzip bomb, a corrupt payload): drop this request
        // only, unacked, as Fluentd does.
        ctx.telemetry.onError(health, e.message);
        log.warn({ reason: e.message }, 'forward request dropped');
        continue;
      }
      if (req.kind === 'heartbeat') continue;
      if (handshake) {
        if (req.kind !== 'handshake')
          return fail('expected PING before any event (shared key is set)');
        onHandshake(req);
        continue;
      }
      if (req.kind === 'handshake') return fail('unexpected PING: no shared key is configured');
      // `logharbor import` resends Docker's records with acks: not a container's setup.
      if (!isImportChunk(req.option?.chunk))
        ctx.doctor?.observeForward(frame, req, framer.mode ?? 'msgpack', health.listener);
      onRequest(req);
    }
  });
  return { owesReply: () => acksWaiting > 0 };
}

/** Normalizes a request's events into one write unit, joining Docker partial lines. */
function toUnit(req: ForwardRequest, host: string | null, joiner: PartialJoiner): WriteUnit {
  const records: LogRecord[] = [];
  let stash: StashedPart[] | undefined;
  let claims: { key: string; index: number }[] | undefined;
  const now = Date.now();
  for (const ev of req.events) {
    const n = normalizeForwardEvent(req.tag, ev.tsSec, ev.tsNano, ev.record, host);
    // Fluent Bit's event metadata ([EventTime, {metadata}]) is kept beside the fields.
    if (ev.meta && Object.keys(ev.meta).length > 0)
      n.record.attrs = { ...n.record.attrs, fluent_meta: toAttrs(ev.meta) };
    if (!n.partial) {
      records.push(n.record);
      continue;
    }
    const res = joiner.add(n.record, n.partial, now, n.raw);
    if (res.stash) (stash ??= []).push({ ...res.stash, record: n.record });
    for (const line of res.done) {
      if (line.claim) (claims ??= []).push({ key: line.claim, index: records.length });
      records.push(line.record);
    }
  }
  return { records, stash, claims };
}
