/**
 * The "numbers" section: every small per-row column, one after the other, so a reader gets
 * ids, times and levels from one decompression without touching the text.
 *
 *   ids       first id varint, then (id - previous id - 1) varint per later row
 *   ts        (tsSec - previous tsSec) zigzag varint per row (the first from 0)
 *   nanos     unit u8: 0 every tsNano is 0 (nothing follows) | 1 all whole ms: tsNano / 1e6
 *             | 2 all whole us: tsNano / 1e3 | 3 nanoseconds; then a varint per row
 *   received  mode u8 = scale | ref << 4; scale 0: integer ms, 1: whole us (ms with up to
 *             three decimals, as legacy rows read back), 2: float64 LE per row (anything
 *             else; no ref); ref 0: zigzag delta from the previous row's (the first from 0),
 *             1: zigzag delta from the row's own event time in that scale. The encoder takes
 *             the smallest exact choice (Docker's driver: ~ms after the event; an import:
 *             event times old, arrivals close together).
 *   severity  small column (below)
 *   facility  small column
 *
 *   small     mode u8: 0 one value for every row: varint (0 null, else zigzag(v) + 1)
 *             | 1 a byte per row (255 null) | 2 runs: (byte value, varint length - 1)...
 *             | 3 a varint per row (0 null, else zigzag(v) + 1): values outside 0..254
 */
import { ByteReader, ByteWriter } from '../bytes/byte-io.js';
import { MAX_TS_SEC, MIN_TS_SEC, type LogRecord } from '../record.js';
import { PackFormatError } from './errors.js';

/** The per-row numbers of a pack, decoded at once. NaN: null (severity, facility). */
export interface NumberColumns {
  ids: Float64Array;
  tsSec: Float64Array;
  tsNano: Float64Array;
  receivedAt: Float64Array;
  severity: Float64Array;
  facility: Float64Array;
}

/** Integers below this (in magnitude) go through zigzag varints exactly. */
const INT_LIMIT = 2 ** 50;
const NANO_UNITS = [0, 1_000_000, 1000, 1] as const;

function width(v: number): number {
  let w = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    w++;
  }
  return w;
}

const zigzag = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);

function eventMs(r: LogRecord): number {
  return r.tsSec * 1000 + Math.floor(r.tsNano / 1_000_000);
}

function eventUs(r: LogRecord): number {
  return r.tsSec * 1_000_000 + Math.floor(r.tsNano / 1000);
}

/** receivedAt in the given scale, or null when some row is not exact in it. */
function scaled(records: LogRecord[], scale: 0 | 1): Float64Array | null {
  const out = new Float64Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const v = records[i]!.receivedAt;
    const s = scale === 0 ? v : Math.round(v * 1000);
    if (
      !Number.isInteger(s) ||
      Math.abs(s) >= INT_LIMIT ||
      (scale === 1 && s / 1000 !== v) ||
      Object.is(v, -0)
    )
      return null;
    out[i] = s;
  }
  return out;
}

/** Bytes of the zigzag deltas against ref 0 (previous) or 1 (event time); Infinity if inexact. */
function deltaCost(records: LogRecord[], v: Float64Array, scale: 0 | 1, ref: 0 | 1): number {
  let bytes = 0;
  let prev = 0;
  for (let i = 0; i < v.length; i++) {
    let base = prev;
    if (ref === 1) {
      base = scale === 0 ? eventMs(records[i]!) : eventUs(records[i]!);
      if (Math.abs(base) >= INT_LIMIT) return Infinity;
    }
    bytes += width(zigzag(v[i]! - base));
    prev = v[i]!;
  }
  return bytes;
}

function writeReceived(w: ByteWriter, records: LogRecord[]): void {
  let best: { scale: 0 | 1; ref: 0 | 1; v: Float64Array; cost: number } | null = null;
  for (const scale of [0, 1] as const) {
    const v = scaled(records, scale);
    if (!v) continue;
    for (const ref of [0, 1] as const) {
      const cost = deltaCost(records, v, scale, ref);
      if (cost < (best?.cost ?? Infinity)) best = { scale, ref, v, cost };
    }
    break; // whole ms are whole us too, and never cost more
  }
  if (!best) {
    w.u8(2);
    w.ensure(8 * records.length);
    for (const r of records) {
      w.buf.writeDoubleLE(r.receivedAt, w.pos);
      w.pos += 8;
    }
    return;
  }
  const { scale, ref, v } = best;
  w.u8(scale | (ref << 4));
  let prev = 0;
  for (let i = 0; i < v.length; i++) {
    const base = ref === 0 ? prev : scale === 0 ? eventMs(records[i]!) : eventUs(records[i]!);
    w.svarint(v[i]! - base);
    prev = v[i]!;
  }
}

function writeSmall(w: ByteWriter, vals: (number | null)[], what: string): void {
  let bytes = true;
  let runs = 1;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    if (v !== null && !(Number.isInteger(v) && Math.abs(v) < INT_LIMIT))
      throw new RangeError(`pack: ${what} of row ${i} must be null or an integer, got ${v}`);
    if (v !== null && (v < 0 || v > 254)) bytes = false;
    if (i > 0 && v !== vals[i - 1]) runs++;
  }
  const code = (v: number | null) => (v === null ? 0 : zigzag(v) + 1);
  if (runs === 1) {
    w.u8(0);
    w.varint(code(vals[0]!));
  } else if (!bytes) {
    w.u8(3);
    for (const v of vals) w.varint(code(v));
  } else if (runs * 2 < vals.length) {
    w.u8(2);
    for (let i = 0; i < vals.length;) {
      let j = i + 1;
      while (j < vals.length && vals[j] === vals[i]) j++;
      w.u8(vals[i] ?? 255);
      w.varint(j - i - 1);
      i = j;
    }
  } else {
    w.u8(1);
    w.ensure(vals.length);
    for (const v of vals) w.buf[w.pos++] = v ?? 255;
  }
}

/** The section's bytes; throws a RangeError for a value the format cannot hold. */
export function encodeNumbers(ids: number[], records: LogRecord[]): Buffer {
  const n = records.length;
  const w = new ByteWriter(16 + n * 12);
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    if (!Number.isSafeInteger(id) || id < 0)
      throw new RangeError(`pack: id of row ${i} must be a non-negative integer, got ${id}`);
    if (i === 0) w.varint(id);
    else if (id > ids[i - 1]!) w.varint(id - ids[i - 1]! - 1);
    else throw new RangeError(`pack: ids must ascend: row ${i} has ${id} after ${ids[i - 1]}`);
  }
  let unit = 0;
  let prev = 0;
  for (let i = 0; i < n; i++) {
    const r = records[i]!;
    if (!Number.isInteger(r.tsSec) || r.tsSec < MIN_TS_SEC || r.tsSec > MAX_TS_SEC)
      throw new RangeError(`pack: tsSec of row ${i} is ${r.tsSec}: outside what clampTime keeps`);
    if (!Number.isInteger(r.tsNano) || r.tsNano < 0 || r.tsNano > 999_999_999)
      throw new RangeError(
        `pack: tsNano of row ${i} must be an integer 0..999999999, got ${r.tsNano}`,
      );
    w.svarint(r.tsSec - prev);
    prev = r.tsSec;
    const nano = r.tsNano;
    if (nano !== 0) unit = Math.max(unit, nano % 1000 !== 0 ? 3 : nano % 1_000_000 !== 0 ? 2 : 1);
  }
  w.u8(unit);
  if (unit !== 0) {
    const div = NANO_UNITS[unit as 1 | 2 | 3];
    for (const r of records) w.varint(r.tsNano / div);
  }
  writeReceived(w, records);
  writeSmall(
    w,
    records.map((r) => r.severity),
    'severity',
  );
  writeSmall(
    w,
    records.map((r) => r.facility),
    'facility',
  );
  return w.take();
}

function readSmall(r: ByteReader, out: Float64Array, what: string): void {
  const n = out.length;
  const value = (c: number) => (c === 0 ? NaN : c % 2 === 1 ? (c - 1) / 2 : -c / 2);
  const mode = r.u8();
  if (mode === 0) out.fill(value(r.varint()));
  else if (mode === 3) for (let i = 0; i < n; i++) out[i] = value(r.varint());
  else if (mode === 1) {
    const b = r.bytes(n);
    for (let i = 0; i < n; i++) out[i] = b[i] === 255 ? NaN : b[i]!;
  } else if (mode === 2) {
    for (let i = 0; i < n;) {
      const b = r.u8();
      const end = i + r.varint() + 1;
      if (end > n) throw new PackFormatError(`${what}: a run past the last row`);
      out.fill(b === 255 ? NaN : b, i, end);
      i = end;
    }
  } else throw new PackFormatError(`${what}: unknown mode ${mode}`);
}

export function decodeNumbers(raw: Buffer, rows: number): NumberColumns {
  // Ids and ts take a byte a row at least: a header that claims more rows is refused before
  // the columns are allocated.
  if (raw.length < 2 * rows)
    throw new PackFormatError(`numbers section too short for ${rows} rows`);
  const c: NumberColumns = {
    ids: new Float64Array(rows),
    tsSec: new Float64Array(rows),
    tsNano: new Float64Array(rows),
    receivedAt: new Float64Array(rows),
    severity: new Float64Array(rows),
    facility: new Float64Array(rows),
  };
  const r = new ByteReader(raw, 'pack numbers section');
  let id = r.varint();
  c.ids[0] = id;
  for (let i = 1; i < rows; i++) c.ids[i] = id += r.varint() + 1;
  if (id > Number.MAX_SAFE_INTEGER) throw new PackFormatError(`id ${id} past 2^53`);
  let sec = 0;
  for (let i = 0; i < rows; i++) {
    c.tsSec[i] = sec += r.svarint();
    if (sec < MIN_TS_SEC || sec > MAX_TS_SEC)
      throw new PackFormatError(`ts of row ${i} out of range`);
  }
  const unit = r.u8();
  if (unit > 3) throw new PackFormatError(`unknown nanosecond unit ${unit}`);
  if (unit !== 0) {
    const mul = NANO_UNITS[unit as 1 | 2 | 3];
    for (let i = 0; i < rows; i++) {
      const v = r.varint() * mul;
      if (v > 999_999_999) throw new PackFormatError(`nanoseconds of row ${i} out of range`);
      c.tsNano[i] = v;
    }
  }
  const mode = r.u8();
  const scale = mode & 15;
  const ref = mode >> 4;
  if (scale === 2 && ref === 0) {
    const b = r.bytes(8 * rows);
    for (let i = 0; i < rows; i++) c.receivedAt[i] = b.readDoubleLE(8 * i);
  } else if (scale <= 1 && ref <= 1) {
    let prev = 0;
    for (let i = 0; i < rows; i++) {
      const base =
        ref === 0
          ? prev
          : scale === 0
            ? c.tsSec[i]! * 1000 + Math.floor(c.tsNano[i]! / 1_000_000)
            : c.tsSec[i]! * 1_000_000 + Math.floor(c.tsNano[i]! / 1000);
      prev = base + r.svarint();
      c.receivedAt[i] = scale === 0 ? prev : prev / 1000;
    }
  } else throw new PackFormatError(`unknown received_at mode ${mode}`);
  readSmall(r, c.severity, 'severity');
  readSmall(r, c.facility, 'facility');
  if (!r.done) throw new PackFormatError(`numbers section: ${raw.length - r.pos} bytes left over`);
  return c;
}
