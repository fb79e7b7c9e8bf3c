/**
 * Requests on a JSON connection (Forward Protocol v1, "Fluentd Forward Server": in_forward
 * accepts JSON when the connection's first byte is `{` or `[`). The same shapes as msgpack
 * with JSON's types: Message `[tag, time, record(, option)]` and Forward
 * `[tag, [[time, record]...](, option)]`; time is a number (seconds, maybe fractional: "EventTime
 * is formatted into Integer in json format"), null or `[time, meta]`. JSON has no bin, so
 * PackedForward cannot be sent and is refused. A JSON object as a whole request is not an
 * event in Fluentd either (it logs "incoming chunk is broken"): here it is fatal.
 *
 * Values keep JSON.parse's types (integers past 2^53 lose precision there). `__proto__`
 * keys, which JSON.parse creates as own properties, are renamed `__proto_` as the msgpack
 * path does, so no later copy can set a prototype. Nesting was bounded by the framer.
 */
import { ForwardDecodeError } from './errors.js';
import { timeFromJson, type TimeSlot } from './event-time.js';
import {
  DEFAULT_MAX_EVENTS,
  type DecodeLimits,
  type ForwardEvent,
  type ForwardOption,
  type ForwardRequest,
  type SkippedEvent,
} from './types.js';

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fatal(message: string): ForwardDecodeError {
  return new ForwardDecodeError(message, true);
}

export function decodeJsonRequest(frame: Buffer, limits: DecodeLimits): ForwardRequest {
  let msg: unknown;
  try {
    msg = JSON.parse(frame.toString('utf8'));
  } catch (err) {
    throw fatal(`invalid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(msg)) throw fatal('request is not an array');
  const n = msg.length;
  if (n < 2 || n === 5 || n > 6) throw fatal(`request array has ${n} elements`);
  const tag: unknown = msg[0];
  if (typeof tag !== 'string') throw fatal('tag is not a string');
  if (n === 6) {
    if (tag !== 'PING') throw fatal('request array has 6 elements and is not a PING');
    return { kind: 'handshake', tag: '', events: [], option: null, skipped: [], handshake: msg };
  }
  const events: ForwardEvent[] = [];
  const skipped: SkippedEvent[] = [];
  const slot: TimeSlot = { sec: 0, nano: 0, meta: undefined };
  const now = limits.now ?? Date.now;
  const add = (time: unknown, record: unknown, index: number): void => {
    const problem = timeFromJson(time, slot, now);
    if (problem !== null) skipped.push({ index, reason: problem });
    else if (!isObject(record)) skipped.push({ index, reason: 'record is not a map' });
    else {
      const event: ForwardEvent = { tsSec: slot.sec, tsNano: slot.nano, record: unproto(record) };
      if (slot.meta !== undefined) event.meta = unproto(slot.meta);
      events.push(event);
    }
  };

  // As for msgpack: only a Message has 4 elements; a [time, meta] time is told from
  // Forward's entries by its first item.
  const second: unknown = msg[1];
  const forward =
    n <= 3 &&
    Array.isArray(second) &&
    !(n === 3 && second.length === 2 && !Array.isArray(second[0]));
  if (n <= 3 && typeof second === 'string') {
    throw fatal('PackedForward is not possible on a JSON connection');
  }
  if (forward) {
    const max = limits.maxEvents ?? DEFAULT_MAX_EVENTS;
    if (second.length > max) {
      throw new ForwardDecodeError(`request holds more than ${max} events`, false);
    }
    second.forEach((entry: unknown, i) => {
      if (Array.isArray(entry) && entry.length >= 2) add(entry[0], entry[1], i);
      else skipped.push({ index: i, reason: 'entry is not [time, record]' });
    });
    return { kind: 'forward', tag, events, option: option(msg[2]), skipped };
  }
  if (n < 3) throw fatal('Message request has no record');
  add(second, msg[2], 0);
  return { kind: 'message', tag, events, option: option(msg[3]), skipped };
}

function option(v: unknown): ForwardOption | null {
  if (!isObject(v)) return null;
  const out: ForwardOption = {};
  if (Object.hasOwn(v, 'chunk')) out.chunk = v.chunk;
  if (Object.hasOwn(v, 'size')) out.size = v.size;
  if (typeof v.compressed === 'string') out.compressed = v.compressed;
  return out;
}

/** Rename own `__proto__` keys to `__proto_`, in place, at every depth. */
function unproto<T>(v: T): T {
  if (Array.isArray(v)) {
    for (const item of v) unproto(item);
  } else if (isObject(v)) {
    const obj: JsonObject = v;
    if (Object.hasOwn(obj, '__proto__')) {
      const inner = obj['__proto__'];
      delete obj['__proto__'];
      obj['__proto_'] = inner;
    }
    for (const key in obj) unproto(obj[key]);
  }
  return v;
}
