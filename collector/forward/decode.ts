/**
 * Turns one framed request into events (Forward Protocol v1, "Event Modes" and "Grammar"):
 *
 *   nil                                   heartbeat
 *   [tag, time, record(, option)]         Message (time may be [time, meta]: Fluent Bit v2)
 *   [tag, [[time, record]...](, option)]  Forward
 *   [tag, bin|str(, option)]              PackedForward: the payload is msgpack entries
 *                                         back to back; option.compressed == "gzip" makes
 *                                         it CompressedPackedForward (one or more members)
 *   ["PING", host, salt, digest, user, pw]  handshake (see handshake.ts)
 *
 * The mode is read from the second element's format byte, before it is decoded. The outer
 * array, the tag and the payload are walked by position here: Fluentd's out_forward sends
 * the PackedForward payload as str, whose bytes must never go through a UTF-8 decoder.
 *
 * Errors: a request that is not nil or `[tag, ...]`, of the wrong length, with a non-string
 * tag, malformed or with trailing bytes throws fatal (close the connection). A bad gzip
 * payload, one over maxDecompressedBytes, or more than maxEvents events throws non-fatal
 * (drop the request). A bad event is skipped and listed, as in_forward does; a corrupt
 * PackedForward payload keeps the events before the damage and lists the rest as one
 * skipped entry (retrying could never succeed).
 */
import { gunzipSync } from 'node:zlib';
import { Errors } from '../../core/errors.js';
import { decodeJsonRequest } from './decode-json.js';
import { ForwardDecodeError } from './errors.js';
import { readTime, type TimeSlot } from './event-time.js';
import type { WireMode } from './framer.js';
import { MsgpackReader } from './msgpack-reader.js';
import { cachedUtf8 } from './string-cache.js';
import {
  DEFAULT_MAX_EVENTS,
  type DecodeLimits,
  type ForwardEvent,
  type ForwardOption,
  type ForwardRequest,
  type SkippedEvent,
} from './types.js';

export type {
  DecodeLimits,
  ForwardEvent,
  ForwardOption,
  ForwardRequest,
  RequestKind,
  SkippedEvent,
} from './types.js';

export function decodeRequest(frame: Buffer, mode: WireMode, limits: DecodeLimits): ForwardRequest {
  return mode === 'json' ? decodeJsonRequest(frame, limits) : decodeMsgpackRequest(frame, limits);
}

/** Collects events and skips for one request. */
class Sink {
  readonly events: ForwardEvent[] = [];
  readonly skipped: SkippedEvent[] = [];
  readonly slot: TimeSlot = { sec: 0, nano: 0, meta: undefined };
  readonly now: () => number;
  readonly maxEvents: number;

  constructor(limits: DecodeLimits) {
    this.now = limits.now ?? Date.now;
    this.maxEvents = limits.maxEvents ?? DEFAULT_MAX_EVENTS;
  }

  checkCount(n: number): void {
    if (n > this.maxEvents) {
      throw new ForwardDecodeError(`request holds more than ${this.maxEvents} events`, false);
    }
  }

  /** One `[time, record]` pair already positioned at its time. */
  add(r: MsgpackReader, depth: number, index: number): void {
    const problem = readTime(r, depth, this.slot, this.now);
    const record = r.readRecord(depth);
    if (problem !== null) this.skipped.push({ index, reason: problem });
    else if (record === null) this.skipped.push({ index, reason: 'record is not a map' });
    else {
      const { sec, nano, meta } = this.slot;
      this.events.push(
        meta === undefined
          ? { tsSec: sec, tsNano: nano, record }
          : { tsSec: sec, tsNano: nano, record, meta },
      );
    }
  }

  /** One Forward / PackedForward entry `[time, record]` (extra elements are ignored). */
  addEntry(r: MsgpackReader, depth: number, index: number): void {
    const n = r.arrayHeader();
    if (n < 2) {
      if (n < 0) r.skip();
      for (let i = 0; i < n; i++) r.skip();
      this.skipped.push({ index, reason: 'entry is not [time, record]' });
      return;
    }
    this.add(r, depth + 1, index);
    for (let i = 2; i < n; i++) r.skip();
  }

  request(kind: ForwardRequest['kind'], tag: string, option: ForwardOption | null): ForwardRequest {
    return { kind, tag, events: this.events, option, skipped: this.skipped };
  }
}

function fatal(message: string): ForwardDecodeError {
  return new ForwardDecodeError(message, true);
}

function decodeMsgpackRequest(frame: Buffer, limits: DecodeLimits): ForwardRequest {
  const r = new MsgpackReader(frame, 0, frame.length, limits.maxDepth);
  const sink = new Sink(limits);
  if (r.peek() === 0xc0) {
    r.pos++;
    return finish(r, sink.request('heartbeat', '', null));
  }
  const n = r.arrayHeader();
  if (n < 0) throw fatal('request is neither an array nor nil');
  if (n < 2 || n === 5 || n > 6) throw fatal(`request array has ${n} elements`);
  if (!r.readRaw()) throw fatal('tag is not a string');
  const tag = cachedUtf8(frame, r.rawStart, r.rawEnd - r.rawStart);
  if (n === 6) {
    if (tag !== 'PING') throw fatal('request array has 6 elements and is not a PING');
    return finish(r, readPing(r));
  }
  // The mode from the second element's format (only a Message has 4 elements; a Message's
  // time may be a [time, meta] array, told from Forward's entries by its first item).
  const second = r.peek();
  const stringish =
    (second >= 0xa0 && second <= 0xbf) ||
    (second >= 0xc4 && second <= 0xc6) ||
    (second >= 0xd9 && second <= 0xdb);
  const arrayish = isArrayByte(second);
  if (n === 4 || (!stringish && !arrayish) || (arrayish && n === 3 && startsWithPlainTime(r))) {
    if (n < 3) throw fatal('Message request has no record');
    sink.add(r, 1, 0);
    return finish(r, sink.request('message', tag, n === 4 ? readOption(r) : null));
  }
  if (stringish) return finish(r, decodePacked(r, n, tag, sink, limits));
  const count = r.arrayHeader();
  sink.checkCount(count);
  for (let i = 0; i < count; i++) sink.addEntry(r, 2, i);
  return finish(r, sink.request('forward', tag, n === 3 ? readOption(r) : null));
}

function finish(r: MsgpackReader, req: ForwardRequest): ForwardRequest {
  if (!r.done) throw fatal(`${r.end - r.pos} bytes after the request`);
  return req;
}

function isArrayByte(b: number): boolean {
  return (b >= 0x90 && b <= 0x9f) || b === 0xdc || b === 0xdd;
}

/** `[time, meta]` in Message mode, told from Forward's `[[time, record], ...]` by its first item. */
function startsWithPlainTime(r: MsgpackReader): boolean {
  const at = r.pos;
  const len = r.arrayHeader();
  const plain = len === 2 && !isArrayByte(r.peek());
  r.pos = at;
  return plain;
}

function decodePacked(
  r: MsgpackReader,
  n: number,
  tag: string,
  sink: Sink,
  limits: DecodeLimits,
): ForwardRequest {
  r.readRaw();
  const { rawStart, rawEnd } = r;
  const option = n === 3 ? readOption(r) : null;
  const gzip = option?.compressed === 'gzip';
  let payload = r.buf;
  let start = rawStart;
  let end = rawEnd;
  if (gzip && end > start) {
    payload = gunzip(r.buf.subarray(start, end), limits.maxDecompressedBytes);
    start = 0;
    end = payload.length;
  }
  const pr = new MsgpackReader(payload, start, end, limits.maxDepth);
  for (let index = 0; !pr.done; index++) {
    sink.checkCount(index + 1);
    const at = pr.pos;
    try {
      sink.addEntry(pr, 0, index);
    } catch (err) {
      if (!(err instanceof ForwardDecodeError)) throw err;
      const reason = `corrupt payload at byte ${at} (${err.message}): ${end - at} bytes dropped`;
      sink.skipped.push({ index, reason });
      break;
    }
  }
  return sink.request(gzip ? 'compressed' : 'packed', tag, option);
}

/** Gunzip every member, never producing more than `limit` bytes. */
function gunzip(data: Buffer, limit: number): Buffer {
  try {
    return gunzipSync(data, { maxOutputLength: limit });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ForwardDecodeError(
        `decompressed payload exceeds ${limit} bytes`,
        false,
        Errors.FORWARD_DECOMPRESS_LIMIT,
      );
    }
    throw new ForwardDecodeError(`gzip payload: ${(err as Error).message}`, false);
  }
}

/** The option map: only the keys the protocol defines are kept (Forward Protocol v1, "Option"). */
function readOption(r: MsgpackReader): ForwardOption | null {
  const n = r.mapHeader();
  if (n < 0) {
    r.skip();
    return null;
  }
  const option: ForwardOption = {};
  for (let i = 0; i < n; i++) {
    if (!r.readRaw()) {
      r.skip();
      r.skip();
      continue;
    }
    const key = cachedUtf8(r.buf, r.rawStart, r.rawEnd - r.rawStart);
    if (key === 'chunk') option.chunk = readRawOrValue(r, false);
    else if (key === 'size') option.size = r.readValue(2);
    else if (key === 'compressed') {
      const v = r.readValue(2);
      if (typeof v === 'string') option.compressed = v;
    } else r.skip();
  }
  return option;
}

/** str as a string (or a Buffer when `strAsBuffer`), bin as a Buffer copy, else decoded. */
function readRawOrValue(r: MsgpackReader, strAsBuffer: boolean): unknown {
  if (!r.readRaw()) return r.readValue(2);
  if (r.rawIsStr && !strAsBuffer) return r.buf.toString('utf8', r.rawStart, r.rawEnd);
  return r.copy(r.rawStart, r.rawEnd);
}

/**
 * `['PING', client_hostname, shared_key_salt, hexdigest, username, password]`: every str or
 * bin after the first is kept as raw bytes, since the digests are over the bytes received.
 */
function readPing(r: MsgpackReader): ForwardRequest {
  const handshake: unknown[] = ['PING'];
  for (let i = 1; i < 6; i++) handshake.push(readRawOrValue(r, true));
  return { kind: 'handshake', tag: '', events: [], option: null, skipped: [], handshake };
}
