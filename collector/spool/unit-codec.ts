/**
 * Write units (collector/writer/unit.ts) to and from the spool's payload bytes.
 *
 *   unit    := version u8 (1) | flags u8 | varint n | record x n
 *              | [chunk str] | [varint k | (str key, num ordinal, record) x k]
 *              | [varint c | (str key, num index) x c]
 *   flags   := 1 chunk present | 2 chunk is null | 4 stash present | 8 claims present
 *   record  := u32 fields | num tsSec | num tsNano | num receivedAt | str message
 *              | [str source] | [str stream] | [num severity] | [num facility]
 *              | [str x for each of host .. service marked "new"] | [str attrs JSON]
 *   fields  := 2 bits per string column (host, containerId, containerName, tag, app, project,
 *              service; bits 0-13): 0 null, 1 same as the previous record of the unit, 2 new;
 *              bits 14-15 stream: 0 null, 1 stdout, 2 stderr, 3 other (a str follows);
 *              bits 16-17 source: 0 forward, 1 syslog, 2 other (a str follows);
 *              bits 18-19 attrs: 0 null, 1 same JSON as the previous record, 2 new,
 *              3 derived: the JSON of the attrs the message does not give, the rest being
 *              its JSON/logfmt fields (core/normalize/structured-line.ts), re-parsed on decode;
 *              bit 20 severity present, bit 21 facility present;
 *              bit 22 tsSec and bit 23 receivedAt are deltas from the previous record's
 *   num, str := core/bytes/byte-io.ts (tagged varint-or-float64; length-prefixed UTF-8)
 *
 * Derived attrs: a JSON or logfmt line's fields are copied into attrs on arrival (after the
 * sender's own keys, where the key is not taken), so its attrs held the line a second time
 * and cost a JSON.stringify per line; state 3 writes only the rest, when rebuilding (own,
 * then each field whose key own lacks) gives the very keys, order and values (===) back.
 * The packs store attrs the same way (core/packs/attrs-column.ts). A spool with state 3
 * must be drained by this version or a later one (an older decoder stops at the unknown
 * state: the unit counts as corrupt); a later one whose parser reads a line differently
 * gives its fields as it reads them, the line itself being kept exactly.
 *
 * Records of one request share their container columns and usually their labels, and their
 * times are close: "same as previous" flags and deltas make the 2nd and later records cost
 * little more than their message. The "previous record" runs through records, then stash
 * records, in order.
 *
 * What survives a round trip: every field exactly, numbers included (integers below 2^50 as
 * varints, the rest as float64; -0 becomes 0 only through the varint path). Strings of the
 * record columns are UTF-8, so a lone surrogate in them would become U+FFFD; they come from
 * UTF-8 decoding and cannot hold one. attrs go through JSON text, which escapes lone
 * surrogates (ES2019 well-formed JSON.stringify), so any JS string in attrs survives; NaN and
 * infinities cannot be in attrs (AttrValue is JSON-safe). `chunk`, `stash` and `claims` keep
 * the difference between absent (undefined), null (chunk) and empty.
 *
 * Measured with `npx tsx bench/spool-codec.ts codec` (2-core AMD EPYC VM shared with other
 * jobs, Node 20.20): units of Docker-like records (~140-byte nginx/JSON/logfmt/Java messages,
 * 64-hex container id, compose labels in attrs), records/s, best of 9 interleaved rounds:
 *
 *   records per unit                1                    10                    50
 *                         enc    dec    B/rec   enc    dec    B/rec   enc    dec    B/rec
 *   unit-codec            201 K  218 K  376     653 K  726 K  191     807 K  935 K  172
 *   msgpackr records ext  135 K   86 K  530     352 K  286 K  313     416 K  683 K  289
 *   msgpackr plain maps   189 K  144 K  525     297 K  202 K  473     262 K  221 K  469
 *   JSON                  142 K  123 K  623     258 K  277 K  565     317 K  287 K  560
 *   msgpackr shared *     236 K  306 K  312     423 K  937 K  286     447 K 1098 K  284
 *
 * * shared structures between messages: a payload then decodes only with the structures its
 *   encoder built, which would have to be stored beside the spool; shown as a ceiling.
 * Against what can decode a payload alone, the codec is 1.5-2.5x faster and 35-40% smaller.
 * A single-record unit's cost is mostly its attrs' JSON.stringify / JSON.parse (~1.3 us each
 * for two labels here); a hand-written attrs layout would still decode the same four strings,
 * and "same attrs as the previous record" already skips JSON for the records after the first.
 */
import type { AttrValue, Attrs, LogRecord, Source, Stream } from '../../core/record.js';
import { setAttr } from '../../core/normalize/attrs.js';
import { structuredOf } from '../../core/normalize/structured-line.js';
import type { StashedPart, WriteUnit } from '../writer/unit.js';
import { ByteReader, ByteWriter } from '../../core/bytes/byte-io.js';

const VERSION = 1;
const CHUNK = 1;
const CHUNK_NULL = 2;
const STASH = 4;
const CLAIMS = 8;
const SEVERITY = 1 << 20;
const FACILITY = 1 << 21;
const TS_DELTA = 1 << 22;
const RECEIVED_DELTA = 1 << 23;

/** Previous record's values, for "same as previous" and deltas. */
interface Prev {
  cols: (string | null)[];
  /** JSON text of the previous record's attrs, and the object it was made from or gives. */
  attrs: string | null;
  attrsObj: Attrs | null;
  tsSec: number;
  receivedAt: number;
}

const newPrev = (): Prev => ({ cols: [], attrs: null, attrsObj: null, tsSec: 0, receivedAt: 0 });
const writer = new ByteWriter();

export function encodeUnit(unit: WriteUnit): Buffer {
  const w = writer;
  w.pos = 0;
  let flags = 0;
  if (unit.chunk !== undefined) flags |= unit.chunk === null ? CHUNK | CHUNK_NULL : CHUNK;
  if (unit.stash !== undefined) flags |= STASH;
  if (unit.claims !== undefined) flags |= CLAIMS;
  w.u8(VERSION);
  w.u8(flags);
  const prev = newPrev();
  w.varint(unit.records.length);
  for (const r of unit.records) encodeRecord(w, r, prev);
  if (typeof unit.chunk === 'string') w.str(unit.chunk);
  if (unit.stash) {
    w.varint(unit.stash.length);
    for (const s of unit.stash) {
      w.str(s.key);
      w.num(s.ordinal);
      encodeRecord(w, s.record, prev);
    }
  }
  if (unit.claims) {
    w.varint(unit.claims.length);
    for (const c of unit.claims) {
      w.str(c.key);
      w.num(c.index);
    }
  }
  return w.take();
}

export function decodeUnit(buf: Buffer): WriteUnit {
  const r = new ByteReader(buf);
  const version = r.u8();
  if (version !== VERSION) throw new RangeError(`unit codec: unknown version ${version}`);
  const flags = r.u8();
  const prev = newPrev();
  const n = r.varint();
  const records: LogRecord[] = [];
  for (let i = 0; i < n; i++) records.push(decodeRecord(r, prev));
  const unit: WriteUnit = { records };
  if (flags & CHUNK) unit.chunk = flags & CHUNK_NULL ? null : r.str();
  if (flags & STASH) {
    const stash: StashedPart[] = (unit.stash = []);
    for (let i = r.varint(); i > 0; i--) {
      const key = r.str();
      const ordinal = r.num();
      stash.push({ key, ordinal, record: decodeRecord(r, prev) });
    }
  }
  if (flags & CLAIMS) {
    const claims: { key: string; index: number }[] = (unit.claims = []);
    for (let i = r.varint(); i > 0; i--) claims.push({ key: r.str(), index: r.num() });
  }
  if (!r.done) throw new RangeError('unit codec: trailing bytes');
  return unit;
}

function encodeRecord(w: ByteWriter, r: LogRecord, prev: Prev): void {
  const c = prev.cols;
  let fields =
    col(r.host, c[0]) |
    (col(r.containerId, c[1]) << 2) |
    (col(r.containerName, c[2]) << 4) |
    (col(r.tag, c[3]) << 6) |
    (col(r.app, c[4]) << 8) |
    (col(r.project, c[5]) << 10) |
    (col(r.service, c[6]) << 12);
  const stream = r.stream === null ? 0 : r.stream === 'stdout' ? 1 : r.stream === 'stderr' ? 2 : 3;
  const source = r.source === 'forward' ? 0 : r.source === 'syslog' ? 1 : 2;
  let attrsState = 0;
  let attrs: string | null = null;
  if (r.attrs !== null) {
    // Same keys in the same order with identical values: the same JSON text, not built again.
    if (prev.attrs !== null && sameShallow(r.attrs, prev.attrsObj!)) attrsState = 1;
    else {
      const own = ownAttrs(r);
      if (own !== null) {
        attrs = JSON.stringify(own);
        attrsState = 3;
      } else {
        attrs = JSON.stringify(r.attrs);
        attrsState = attrs === prev.attrs ? 1 : 2;
      }
    }
  }
  fields |= (stream << 14) | (source << 16) | (attrsState << 18);
  if (r.severity !== null) fields |= SEVERITY;
  if (r.facility !== null) fields |= FACILITY;
  const tsDelta = isDelta(r.tsSec, prev.tsSec);
  const rcvDelta = isDelta(r.receivedAt, prev.receivedAt);
  if (tsDelta) fields |= TS_DELTA;
  if (rcvDelta) fields |= RECEIVED_DELTA;
  w.u32(fields);
  w.num(tsDelta ? r.tsSec - prev.tsSec : r.tsSec);
  w.num(r.tsNano);
  w.num(rcvDelta ? r.receivedAt - prev.receivedAt : r.receivedAt);
  w.str(r.message);
  if (source === 2) w.str(r.source);
  if (stream === 3) w.str(r.stream!);
  if (r.severity !== null) w.num(r.severity);
  if (r.facility !== null) w.num(r.facility);
  if (fields & 0x3fff) {
    if ((fields & 3) === 2) w.str(r.host!);
    if (((fields >> 2) & 3) === 2) w.str(r.containerId!);
    if (((fields >> 4) & 3) === 2) w.str(r.containerName!);
    if (((fields >> 6) & 3) === 2) w.str(r.tag!);
    if (((fields >> 8) & 3) === 2) w.str(r.app!);
    if (((fields >> 10) & 3) === 2) w.str(r.project!);
    if (((fields >> 12) & 3) === 2) w.str(r.service!);
  }
  if (attrsState >= 2) w.str(attrs!);
  c[0] = r.host;
  c[1] = r.containerId;
  c[2] = r.containerName;
  c[3] = r.tag;
  c[4] = r.app;
  c[5] = r.project;
  c[6] = r.service;
  if (attrsState === 2) prev.attrs = attrs;
  else if (attrsState !== 1) prev.attrs = null; // 3: its text is not the whole attrs'
  prev.attrsObj = r.attrs;
  prev.tsSec = r.tsSec;
  prev.receivedAt = r.receivedAt;
}

/** A string column's state: 0 null, 1 same as the previous record's, 2 new. */
function col(v: string | null, prev: string | null | undefined): number {
  return v === null ? 0 : v === prev ? 1 : 2;
}

/** Same own keys in the same order, each value identical (===): JSON.stringify would agree. */
function sameShallow(a: Attrs, b: Attrs): boolean {
  if (a === b) return true;
  const keys = Object.keys(b);
  let i = 0;
  for (const k in a) {
    if (keys[i++] !== k || a[k] !== b[k]) return false;
  }
  return i === keys.length;
}

/**
 * The attrs the message of `r` does not give, or null when its attrs are not exactly
 * rebuild(own, fields): own's keys, then each field whose key own lacks, in the fields'
 * order, with the field's own value (===). Own ends where the first field of the line
 * starts (the collector appends them last); a sender's key equal to a field is then seen
 * as the field, the check fails and the attrs are written whole: never a wrong rebuild.
 */
function ownAttrs(r: LogRecord): Attrs | null {
  const fields = structuredOf(r)?.fields;
  if (!fields) return null;
  const attrs = r.attrs!;
  const keys = Object.keys(attrs);
  let p = 0;
  while (
    p < keys.length &&
    !(Object.hasOwn(fields, keys[p]!) && attrs[keys[p]!] === fields[keys[p]!])
  )
    p++;
  if (p === keys.length) return null;
  let j = p;
  for (const k of Object.keys(fields)) {
    const at = keys.indexOf(k);
    if (at >= 0 && at < p) continue; // own has it: the rebuild keeps own's
    if (j >= keys.length || keys[j] !== k || attrs[k] !== fields[k]) return null;
    j++;
  }
  if (j !== keys.length) return null;
  const own: Attrs = {};
  for (let i = 0; i < p; i++) setAttr(own, keys[i]!, attrs[keys[i]!]!);
  return own;
}

/** A delta is used only when both values and the difference are exact small integers. */
function isDelta(v: number, prev: number): boolean {
  return Number.isSafeInteger(v) && Number.isSafeInteger(prev) && Math.abs(v - prev) < 2 ** 50;
}

function decodeRecord(r: ByteReader, prev: Prev): LogRecord {
  const fields = r.u32();
  const ts = r.num();
  const tsSec = fields & TS_DELTA ? prev.tsSec + ts : ts;
  const tsNano = r.num();
  const rcv = r.num();
  const receivedAt = fields & RECEIVED_DELTA ? prev.receivedAt + rcv : rcv;
  const message = r.str();
  const sourceBits = (fields >> 16) & 3;
  const source = (sourceBits === 0 ? 'forward' : sourceBits === 1 ? 'syslog' : r.str()) as Source;
  const streamBits = (fields >> 14) & 3;
  const stream = (
    streamBits === 0 ? null : streamBits === 1 ? 'stdout' : streamBits === 2 ? 'stderr' : r.str()
  ) as Stream | null;
  const severity = fields & SEVERITY ? r.num() : null;
  const facility = fields & FACILITY ? r.num() : null;
  const c = prev.cols;
  for (let i = 0; i < 7; i++) {
    const state = (fields >> (i * 2)) & 3;
    if (state === 1 && c[i] == null) throw new RangeError('unit codec: "same" with no previous');
    if (state !== 1) c[i] = state === 0 ? null : r.str();
  }
  const attrsState = (fields >> 18) & 3;
  let attrs: Attrs | null = null;
  let own: Attrs | null = null;
  if (attrsState === 3) {
    own = JSON.parse(r.str()) as Attrs;
    prev.attrs = null;
  } else if (attrsState === 2) {
    prev.attrs = r.str();
    attrs = prev.attrsObj = JSON.parse(prev.attrs) as Attrs;
  } else if (attrsState === 1) {
    if (!prev.attrsObj) throw new RangeError('unit codec: "same" attrs with no previous');
    // A copy per record: records must not share a mutable object.
    attrs = prev.attrsObj = clone(prev.attrsObj) as Attrs;
  } else prev.attrsObj = null;
  prev.tsSec = tsSec;
  prev.receivedAt = receivedAt;
  const record: LogRecord = {
    tsSec,
    tsNano,
    receivedAt,
    source,
    host: c[0] ?? null,
    containerId: c[1] ?? null,
    containerName: c[2] ?? null,
    stream,
    tag: c[3] ?? null,
    app: c[4] ?? null,
    project: c[5] ?? null,
    service: c[6] ?? null,
    severity,
    facility,
    message,
    attrs,
  };
  if (own !== null) {
    // The record keeps the parse (structuredOf), which the pack encoder then reuses.
    const parsed = structuredOf(record)?.fields;
    if (!parsed) throw new RangeError('unit codec: derived attrs of a message with no fields');
    for (const k of Object.keys(parsed)) if (!Object.hasOwn(own, k)) setAttr(own, k, parsed[k]!);
    record.attrs = prev.attrsObj = own;
  }
  return record;
}

/** Deep copy of a JSON value. Spread defines keys as own data properties, so a key named
 * `__proto__` (which JSON.parse makes) stays a plain key; the assignment below then finds
 * that own property, never the prototype setter. */
function clone(v: AttrValue): AttrValue {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) return v.map(clone);
  const out: Attrs = { ...v };
  for (const k in out) {
    const x = out[k]!;
    if (typeof x === 'object' && x !== null) out[k] = clone(x);
  }
  return out;
}
