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
function rowsHolding(reader: PackReader, r: Required): Uint8Array {
  const mask = new Uint8Array(reader.rows);
  if (r.kind === 'text') {
    for (const i of reader.rowsContaining(r.needle)) mask[i] = 1;
    return mask;
  }
  if (r.kind !== 'and' && r.kind !== 'or') return mask.fill(1);
  const parts = r.children.map((c) => rowsHolding(reader, c));
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
  const n = reader.rows;
  for (let i = 0; i < n; i++) {
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
  if (m.required !== null && out.length * SCAN_SHARE >= n) {
    const mask = rowsHolding(reader, m.required);
    rows = out.filter((i) => mask[i] === 1);
  }
  const view = new RowView(reader, labels);
  return rows.filter((i) => {
    view.i = i;
    return m.test(view);
  });
}

function keyOf(reader: PackReader, i: number): RowKey {
  return { sec: reader.tsSec(i), micro: Math.floor(reader.tsNano(i) / 1000), id: reader.id(i) };
}

/**
 * The first `want` matching rows of the pack in the read's order that come before `bound`
 * (null: no page is full yet), as records. `all`: every row matches the query (the pack's
 * labels decide it: pack-filter.ts), so only the numeric tests run.
 */
export function topOfPack(
  reader: PackReader,
  labels: PackLabels,
  m: Matcher,
  bound: RowKey | null,
  want: number,
  all = false,
): PackHit[] {
  const rows = matchingRows(reader, labels, m, bound, all);
  const keyed = rows.map((i) => ({ i, key: keyOf(reader, i) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key, m.spec.dir));
  return keyed.slice(0, want).map(({ i, key }) => {
    const record = toStoredRecord(key.id, reader.record(i));
    return { ...key, record, size: recordBytes(record.message, record.attrs) };
  });
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
