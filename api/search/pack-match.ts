/**
 * One decoded pack (core/packs PackReader) against one read: which of its rows a search
 * keeps, or how many per histogram bucket. Pure and synchronous, so the same code runs on
 * the API's thread for a few packs and in a worker for many (pack-workers.ts).
 *
 * Cheapest tests first: ids and times come from the numeric columns (decoded with the
 * pack's header), so rows outside the id range, the time range, the keyset or the page
 * being filled are dropped before any message is decompressed. What remains is narrowed
 * by the text the query requires (required-text.ts): one substring scan of the text
 * column (`rowsContaining`) when many rows remain, and only those rows meet the query's
 * predicate (api/query/to-predicate.ts, held to the SQL by the differential tests). Rows
 * kept become StoredRecords through core/stored-record.ts, the JSON PostgreSQL would
 * give for the same row.
 *
 * Keys are (second, microsecond, id) numbers: ts in µs passes 2^53 after the year 2255,
 * and a record may hold any time up to 9999 (core/record.ts).
 */
import type { PackReader } from '../../core/packs/decode.js';
import type { PackLabels } from '../../core/packs/labels.js';
import type { Attrs, StoredRecord } from '../../core/record.js';
import { toPredicate, type Query, type StoredRecordLike } from '../query/index.js';
import { toStoredRecord } from '../../core/stored-record.js';
import { recordBytes } from './jsonb-size.js';
import { requiredOfQuery, type Required } from './required-text.js';

export type Dir = 'desc' | 'asc';

/** A row's place in (ts, id) order. */
export interface RowKey {
  sec: number;
  micro: number;
  id: number;
}

/** <0 when `a` comes first in `dir`'s order. */
export function compareKeys(a: RowKey, b: RowKey, dir: Dir): number {
  const d = a.sec - b.sec || a.micro - b.micro || a.id - b.id;
  return dir === 'desc' ? -d : d;
}

/** Everything a pack's rows are tested against, as plain data (it crosses to workers). */
export interface MatchSpec {
  /** The query's text: parsed again where it runs (a Query holds compiled code). */
  q: string;
  dir: Dir;
  fromMs: number | null;
  toMs: number | null;
  /** Only rows strictly after this key in `dir`'s order. */
  after: RowKey | null;
  /** idAfter < id <= idMax. */
  idAfter: number | null;
  idMax: number | null;
}

/** A row a search keeps. */
export interface PackHit extends RowKey {
  record: StoredRecord;
  /** The backlog's size of it (jsonb-size.ts). */
  size: number;
}

/** Counts per histogram bucket (epoch ms) and key (null: none), as parallel arrays. */
export interface PackCounts {
  b: number[];
  k: (string | null)[];
  n: number[];
}

export type CountBy = 'level' | 'container' | null;

/** The spec with its query compiled, once per read (and once per worker). */
export class Matcher {
  readonly test: (r: StoredRecordLike) => boolean;
  readonly filtered: boolean;
  readonly required: Required | null;

  constructor(
    query: Query,
    readonly spec: MatchSpec,
  ) {
    this.filtered = query.filter !== null;
    this.test = toPredicate(query);
    this.required = requiredOfQuery(query);
  }
}

/** A pack row as the predicate reads it: labels of the pack, the rest decoded on demand. */
class RowView implements StoredRecordLike {
  i = 0;
  readonly source: PackLabels['source'];
  readonly host: string | null;
  readonly container_id: string | null;
  readonly container_name: string | null;
  readonly stream: PackLabels['stream'];
  readonly tag: string | null;
  readonly app: string | null;
  readonly project: string | null;
  readonly service: string | null;

  constructor(
    private readonly reader: PackReader,
    l: PackLabels,
  ) {
    this.source = l.source;
    this.host = l.host;
    this.container_id = l.container_id;
    this.container_name = l.container_name;
    this.stream = l.stream;
    this.tag = l.tag;
    this.app = l.app;
    this.project = l.project;
    this.service = l.service;
  }

  get message(): string {
    return this.reader.message(this.i);
  }

  get severity(): number | null {
    return this.reader.severity(this.i);
  }

  get attrs(): Attrs | null {
    return this.reader.attrs(this.i);
  }
}

/** The rows (indexes) holding the required text, from one scan of the text column each. */
function rowsHolding(reader: PackReader, r: Required, from: number, to: number): Uint8Array {
  const mask = new Uint8Array(reader.rows);
  if (r.kind === 'text') {
    for (const i of reader.rowsContaining(r.needle, from, to)) mask[i] = 1;
    return mask;
  }
  if (r.kind !== 'and' && r.kind !== 'or') return mask.fill(1);
  const parts = r.children.map((c) => rowsHolding(reader, c, from, to));
  for (let i = 0; i < mask.length; i++) {
    let v = r.kind === 'and' ? 1 : 0;
    for (const p of parts) v = r.kind === 'and' ? v & p[i]! : v | p[i]!;
    mask[i] = v;
  }
  return mask;
}

/**
 * A text-column scan pays once it replaces per-row tests on a good share of the rows (each
 * of those slices a message out of the column and lowers it); below, rows are tested one
 * by one.
 */
const SCAN_SHARE = 8;

/**
 * Rows passing the numeric tests (ids, times, keyset, `bound`: the last row a full page
 * already holds) and the query, ascending.
 */
export function matchingRows(
  reader: PackReader,
  labels: PackLabels,
  m: Matcher,
  bound: RowKey | null,
  all: boolean,
): number[] {
  const s = m.spec;
  const desc = s.dir === 'desc';
  const out: number[] = [];
  const [lo, hi] = timeSpan(reader, s.fromMs, s.toMs);
  for (let i = lo; i < hi; i++) {
    const id = reader.id(i);
    if ((s.idAfter !== null && id <= s.idAfter) || (s.idMax !== null && id > s.idMax)) continue;
    const sec = reader.tsSec(i);
    const nano = reader.tsNano(i);
    if (s.fromMs !== null || s.toMs !== null) {
      const ms = sec * 1000 + Math.floor(nano / 1_000_000);
      if ((s.fromMs !== null && ms < s.fromMs) || (s.toMs !== null && ms >= s.toMs)) continue;
    }
    const micro = Math.floor(nano / 1000);
    // After the keyset and before the bound, in the read's order (desc: smaller, larger).
    const a = s.after;
    if (a !== null) {
      const d = sec - a.sec || micro - a.micro || id - a.id;
      if (desc ? d >= 0 : d <= 0) continue;
    }
    if (bound !== null) {
      const d = sec - bound.sec || micro - bound.micro || id - bound.id;
      if (desc ? d <= 0 : d >= 0) continue;
    }
    out.push(i);
  }
  if (all || !m.filtered || out.length === 0) return out;
  let rows = out;
  if (m.required !== null && out.length * SCAN_SHARE >= hi - lo) {
    const mask = rowsHolding(reader, m.required, out[0]!, out[out.length - 1]! + 1);
    rows = out.filter((i) => mask[i] === 1);
  }
  const view = new RowView(reader, labels);
  return rows.filter((i) => {
    view.i = i;
    return m.test(view);
  });
}

/**
 * The rows `[lo, hi)` a time range can hold: found by binary search when the pack's rows
 * are in time order (nearly always: see timeOrder), else every row. The rows inside are
 * still tested one by one.
 */
function timeSpan(
  reader: PackReader,
  fromMs: number | null,
  toMs: number | null,
): [number, number] {
  const n = reader.rows;
  if ((fromMs === null && toMs === null) || timeOrder(reader) !== null) return [0, n];
  const ms = (i: number) => reader.tsSec(i) * 1000 + Math.floor(reader.tsNano(i) / 1_000_000);
  /** The first row at or after `t` (ms), or n. */
  const first = (t: number) => {
    let a = 0;
    let b = n;
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (ms(mid) < t) a = mid + 1;
      else b = mid;
    }
    return a;
  };
  return [fromMs === null ? 0 : first(fromMs), toMs === null ? n : first(toMs)];
}

function keyOf(reader: PackReader, i: number): RowKey {
  return { sec: reader.tsSec(i), micro: Math.floor(reader.tsNano(i) / 1000), id: reader.id(i) };
}

/** A row of a pack by its key and index: its record is made only if the read keeps it. */
export interface PackKey extends RowKey {
  i: number;
}

/**
 * Row indexes of a pack in (ts, id) order, or null when row order is already that (ids
 * ascend within a pack, and a stream's times nearly always with them). Kept per decoded
 * pack, which the PackCache keeps between reads.
 */
const orders = new WeakMap<PackReader, Int32Array | null>();

function timeOrder(reader: PackReader): Int32Array | null {
  let o = orders.get(reader);
  if (o !== undefined) return o;
  o = null;
  for (let i = 1; i < reader.rows; i++) {
    const d =
      reader.tsSec(i) - reader.tsSec(i - 1) ||
      Math.floor(reader.tsNano(i) / 1000) - Math.floor(reader.tsNano(i - 1) / 1000);
    if (d < 0) {
      const keys = Array.from({ length: reader.rows }, (_, k) => keyOf(reader, k));
      o = Int32Array.from(keys.keys()).sort((a, b) => compareKeys(keys[a]!, keys[b]!, 'asc'));
      break;
    }
  }
  orders.set(reader, o);
  return o;
}

/**
 * The first `want` matching rows of the pack in the read's order that come before `bound`
 * (null: no page is full yet), by key. `all`: every row matches the query (the pack's
 * labels decide it: pack-filter.ts), so only the numeric tests run.
 *
 * A query that needs no text (none, or only levels, attrs and labels) walks the rows in
 * the read's order and stops at the `want`-th match or at `bound`: newest first over many
 * streams touches a handful of rows of each stream's newest pack, not all of them. A
 * query that needs text first narrows the rows with one scan of the text column
 * (matchingRows), then keeps the best `want` in a sorted array.
 */
export function topKeysOfPack(
  reader: PackReader,
  labels: PackLabels,
  m: Matcher,
  bound: RowKey | null,
  want: number,
  all = false,
): PackKey[] {
  const dir = m.spec.dir;
  const keep: PackKey[] = [];
  if (want <= 0) return keep;
  if (all || m.required === null) return inOrder(reader, labels, m, bound, want, all);
  const rows = matchingRows(reader, labels, m, bound, all);
  for (let j = 0; j < rows.length; j++) {
    // Ids ascend and times mostly with them: from the end the read wants first, nearly
    // every later row is turned away by one comparison.
    const i = rows[dir === 'desc' ? rows.length - 1 - j : j]!;
    const k: PackKey = { ...keyOf(reader, i), i };
    if (keep.length >= want && compareKeys(k, keep[keep.length - 1]!, dir) >= 0) continue;
    let lo = 0;
    let hi = keep.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(keep[mid]!, k, dir) < 0) lo = mid + 1;
      else hi = mid;
    }
    keep.splice(lo, 0, k);
    if (keep.length > want) keep.pop();
  }
  return keep;
}

/** topKeysOfPack for queries that need no text: rows in key order, stopping early. */
function inOrder(
  reader: PackReader,
  labels: PackLabels,
  m: Matcher,
  bound: RowKey | null,
  want: number,
  all: boolean,
): PackKey[] {
  const s = m.spec;
  const desc = s.dir === 'desc';
  const order = timeOrder(reader);
  const n = reader.rows;
  const view = all || !m.filtered ? null : new RowView(reader, labels);
  const keep: PackKey[] = [];
  for (let j = 0; j < n; j++) {
    const at = desc ? n - 1 - j : j;
    const i = order === null ? at : order[at]!;
    const k: PackKey = { ...keyOf(reader, i), i };
    // Every row after this one comes later in the read's order too.
    if (bound !== null && compareKeys(k, bound, s.dir) >= 0) break;
    if ((s.idAfter !== null && k.id <= s.idAfter) || (s.idMax !== null && k.id > s.idMax)) continue;
    if (s.fromMs !== null || s.toMs !== null) {
      const ms = k.sec * 1000 + Math.floor(reader.tsNano(i) / 1_000_000);
      if ((s.fromMs !== null && ms < s.fromMs) || (s.toMs !== null && ms >= s.toMs)) continue;
    }
    if (s.after !== null && compareKeys(k, s.after, s.dir) <= 0) continue;
    if (view !== null) {
      view.i = i;
      if (!m.test(view)) continue;
    }
    keep.push(k);
    if (keep.length >= want) break;
  }
  return keep;
}

/** The record of a kept row, and its backlog size. */
export function packHit(reader: PackReader, k: PackKey): PackHit {
  const record = toStoredRecord(k.id, reader.record(k.i));
  return {
    sec: k.sec,
    micro: k.micro,
    id: k.id,
    record,
    size: recordBytes(record.message, record.attrs),
  };
}

/** As topKeysOfPack, with the records (a worker's answer). */
export function topOfPack(
  reader: PackReader,
  labels: PackLabels,
  m: Matcher,
  bound: RowKey | null,
  want: number,
  all = false,
): PackHit[] {
  return topKeysOfPack(reader, labels, m, bound, want, all).map((k) => packHit(reader, k));
}

/**
 * Matching rows per bucket of `width` ms from `origin` (date_bin's arithmetic on the row's
 * time in ms: the widths are whole ms, so the µs below do not move a row across a bucket
 * edge), and per key: the severity as text, or the container (name, else id).
 */
export function countPack(
  reader: PackReader,
  labels: PackLabels,
  m: Matcher,
  width: number,
  origin: number,
  by: CountBy,
  all = false,
): PackCounts {
  const counts = new Map<string, { b: number; k: string | null; n: number }>();
  const container = labels.container_name ?? labels.container_id;
  for (const i of matchingRows(reader, labels, m, null, all)) {
    const ms = reader.tsSec(i) * 1000 + Math.floor(reader.tsNano(i) / 1_000_000);
    const b = origin + Math.floor((ms - origin) / width) * width;
    let k: string | null = null;
    if (by === 'container') k = container;
    else if (by === 'level') {
      const sev = reader.severity(i);
      k = sev === null ? null : String(sev);
    }
    const id = `${b}\u0000${k ?? ''}\u0000${k === null ? 0 : 1}`;
    const c = counts.get(id);
    if (c) c.n++;
    else counts.set(id, { b, k, n: 1 });
  }
  const out: PackCounts = { b: [], k: [], n: [] };
  for (const c of counts.values()) {
    out.b.push(c.b);
    out.k.push(c.k);
    out.n.push(c.n);
  }
  return out;
}
