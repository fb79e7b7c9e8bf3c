/**
 * Traits of a forward-protocol sender, read from one decoded request and its frame
 * (Forward Protocol v1, "Event Modes", "EventTime Ext Format", "Option"). Pure and O(1):
 * only the request's option, its first event, and the format byte of the first time are
 * looked at, never every event.
 *
 * Docker's fluentd driver (docs/architecture.md, "Ingest: the fluentd forward protocol") sends one
 * Message per line, `{}` as option unless fluentd-request-ack=true adds `chunk`, whole
 * seconds unless fluentd-sub-second-precision=true, and only the labels named by the
 * `labels` log-opt.
 */
import type { ForwardRequest } from '../forward/types.js';
import type { WireMode } from '../forward/framer.js';
import { MsgpackReader } from '../forward/msgpack-reader.js';
import {
  clip,
  type Facts,
  type SenderIdentity,
  type TraitValue,
} from '../../core/doctor/traits.js';

const COMPOSE_PROJECT = 'com.docker.compose.project';
const COMPOSE_SERVICE = 'com.docker.compose.service';

type TimeKind = TraitValue<'time'>;

function isArrayByte(b: number): boolean {
  return (b >= 0x90 && b <= 0x9f) || b === 0xdc || b === 0xdd;
}

/** The kind of the time at the reader's position (a `[time, meta]` pair is looked into). */
function timeAt(r: MsgpackReader): TimeKind {
  if (isArrayByte(r.peek())) r.arrayHeader();
  const b = r.peek();
  // nil and 0 mean "now" (in_forward: `time = Engine.now if time.to_i == 0`).
  if (b === 0xc0 || b === 0x00) return 'now';
  if (b <= 0x7f || b >= 0xe0 || (b >= 0xcc && b <= 0xd3)) return 'integer';
  if (b === 0xca || b === 0xcb) return 'float';
  if (!r.readExt()) return 'unknown';
  const len = r.rawEnd - r.rawStart;
  if (r.extType === 0 && len === 8) return 'event-time';
  // The msgpack timestamp ext: 4 bytes hold seconds only, 8 and 12 add nanoseconds.
  if (r.extType === -1) return len === 4 ? 'integer' : 'event-time';
  return 'unknown';
}

/**
 * How the request's first time was encoded, from its format byte. A gzip payload or a
 * JSON connection hides it: then only the decoded nanoseconds can say `subsecond`.
 */
export function forwardTimeKind(frame: Buffer, req: ForwardRequest, mode: WireMode): TimeKind {
  const first = req.events[0];
  if (!first) return 'unknown';
  if (mode === 'json' || req.kind === 'compressed') {
    const last = req.events[req.events.length - 1]!;
    return first.tsNano !== 0 || last.tsNano !== 0 ? 'subsecond' : 'unknown';
  }
  try {
    const r = new MsgpackReader(frame, 0, frame.length, 8);
    r.arrayHeader();
    r.readRaw(); // tag
    if (req.kind === 'message') return timeAt(r);
    if (req.kind === 'forward') {
      if (r.arrayHeader() < 1 || r.arrayHeader() < 2) return 'unknown';
      return timeAt(r);
    }
    if (req.kind === 'packed' && r.readRaw()) {
      const p = new MsgpackReader(frame, r.rawStart, r.rawEnd, 8);
      if (p.done || p.arrayHeader() < 2) return 'unknown';
      return timeAt(p);
    }
  } catch {
    // The request decoded, so this cannot happen; a trait is never worth a failure.
  }
  return 'unknown';
}

function hasText(v: unknown): boolean {
  return typeof v === 'string' && v !== '';
}

/** Traits of one forward request (its first event stands for the request). */
export function forwardFacts(frame: Buffer, req: ForwardRequest, mode: WireMode): Facts {
  const rec = req.events[0]?.record ?? {};
  const chunk = req.option?.chunk;
  return {
    mode: req.kind === 'heartbeat' || req.kind === 'handshake' ? undefined : req.kind,
    ack: chunk !== undefined && chunk !== null ? 'yes' : 'no',
    time: forwardTimeKind(frame, req, mode),
    docker: hasText(rec.container_id) && hasText(rec.container_name) ? 'yes' : 'no',
    compose: hasText(rec[COMPOSE_PROJECT]) || hasText(rec[COMPOSE_SERVICE]) ? 'yes' : 'no',
    partial: rec.partial_message === 'true' || rec.partial_message === true ? 'yes' : 'no',
  };
}

/**
 * The in-memory key of a request's sender, cheap enough for every request: the container
 * name Docker sends, else the tag (prefixed so a tag never equals a name).
 */
export function forwardKey(req: ForwardRequest): string {
  const name = req.events[0]?.record.container_name;
  return typeof name === 'string' && name !== '' ? name : `\u0000${req.tag}`;
}

/** Who sent the request (computed once per sender and flush window). */
export function forwardSender(req: ForwardRequest): SenderIdentity {
  const rec = req.events[0]?.record ?? {};
  const rawName = hasText(rec.container_name) ? (rec.container_name as string) : null;
  const containerName = clip(
    rawName !== null && rawName.startsWith('/') ? rawName.slice(1) : rawName,
  );
  const containerId = hasText(rec.container_id) ? clip(rec.container_id as string) : null;
  const tag = clip(req.tag);
  const host = hasText(rec.host) ? clip(rec.host as string) : null;
  let sender: string;
  if (containerName) sender = `container:${containerName}`;
  else if (containerId) sender = `id:${containerId}`;
  else sender = `tag:${tag ?? ''}`;
  return { source: 'forward', sender, containerId, containerName, tag, host };
}
