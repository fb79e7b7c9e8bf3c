/**
 * One read path over two block sources (issue 17): packs (pack-source.ts: level 0 written
 * by the writer's batches, level 1+ merged by the compactor) and, until the upgrade
 * compaction has turned them into packs, the legacy `logs` rows found through `log_blocks`
 * (legacy-source.ts). Search pages, filtered histograms, the lines around a record and the
 * tail's short backlog all walk them; the answer is the same whichever way a line is
 * stored (test/integration/api/one-read-path.test.ts).
 *
 *   candidates of each source, by edge ──merge──► groups of blocks in the walk's order
 *        │ legacy blocks: their rows by id range with the SQL WHERE (one statement a group)
 *        │ packs: data of those not cached (one statement a group), decoded, matched
 *        ▼         (pack-match.ts; on worker threads for long walks: pack-workers.ts)
 *   the first `want` rows in (ts, id) order, kept as they come
 *
 * The edge of a block is its max_ts newest first (min_ts oldest first): no row of it is
 * newer (older). Blocks are taken in groups of 2, doubling up to 1024; the walk stops once
 * it holds `want` rows and the next block cannot hold anything before the last one kept.
 * It runs in one snapshot (read-only.ts): a pack merged by the compactor or a block
 * updated by a writer between two statements could otherwise be missed or read twice.
 */
import type { Pool } from '../../core/db/pool.js';
import { Errors, LogharborError } from '../../core/errors.js';
import type { StoredRecord } from '../../core/record.js';
import {
  allBlocks,
  blockCounts,
  blockPages,
  blockRows,
  type BlockCandidate,
  type BucketCount,
  type Queryable,
} from './legacy-source.js';
import {
  compareKeys,
  countPack,
  Matcher,
  packHit,
  topKeysOfPack,
  type Dir,
  type PackHit,
  type RowKey,
} from './pack-match.js';
import { allPacks, packPages, readers, type PackCandidate } from './pack-source.js';
import { matchSpec, packWork } from './pack-workers.js';
import { readOnly } from './read-only.js';
import type { Where } from './search-sql.js';

export type { Dir } from './pack-match.js';
export type { BucketCount, Queryable } from './legacy-source.js';

/** What the walk needs of each row it reads: its keyset. */
export interface Keyed {
  id: string;
  cursor_ts: string;
}

export type Row = StoredRecord & Keyed;

/** Rows as the API serves them: the keyset time is the walk's, not the record's. */
export function withoutCursor(rows: Row[]): StoredRecord[] {
  return rows.map(({ cursor_ts: _c, ...r }) => r);
}

/** A row the walk keeps: its key, and its record (always from packs; legacy rows in 'record' mode). */
export interface Hit extends RowKey {
  cursor_ts: string;
  size: number;
  record: StoredRecord | null;
  /**
   * A pack row matched on this thread makes its record and size only once the walk is
   * over and still holds it: a newest-first page over many streams reads each stream's
   * newest pack, and most of their rows are pushed out again by the next pack's.
   */
  make?: () => PackHit;
}

const FIRST_PAGE = 2;
/**
 * Candidate packs are fetched 64 at a time at first: a candidate is a few dozen bytes
 * without its data, and each statement on the partitioned log_packs costs a millisecond
 * or two to plan; newest-first with no filter reads the newest pack of every stream
 * (about 100 in the bench's data set), which pages of 2, 4, 8, ... took 6 statements
 * and ~15 ms to list (bench search, "newest 100").
 */
const FIRST_PACK_PAGE = 64;
const MAX_PAGE = 1024;

function usOf(k: RowKey): bigint {
  return BigInt(k.sec) * 1_000_000n + BigInt(k.micro);
}

function keyOfUs(us: string, id: string): RowKey {
  const v = BigInt(us);
  let sec = v / 1_000_000n;
  if (v < sec * 1_000_000n) sec -= 1n;
  return { sec: Number(sec), micro: Number(v - sec * 1_000_000n), id: Number(id) };
}

/** The first `want` rows in the walk's order; a row read twice is kept once. */
class Top {
  readonly rows: Hit[] = [];
  private readonly ids = new Set<number>();

  constructor(
    readonly want: number,
    readonly dir: Dir,
  ) {}

  get full(): boolean {
    return this.rows.length >= this.want;
  }

  /** The last row kept once full: a row must come before it to get in. */
  get bound(): RowKey | null {
    return this.full ? this.rows[this.rows.length - 1]! : null;
  }

  add(h: Hit): void {
    if (this.ids.has(h.id)) return;
    const b = this.bound;
    if (b !== null && compareKeys(h, b, this.dir) >= 0) return;
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareKeys(this.rows[mid]!, h, this.dir) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.rows.splice(lo, 0, h);
    this.ids.add(h.id);
    if (this.rows.length > this.want) this.ids.delete(this.rows.pop()!.id);
  }

  /** True when no row of a block with this edge can get in. */
  beyond(edge: bigint): boolean {
    const b = this.bound;
    if (b === null) return false;
    const last = usOf(b);
    return this.dir === 'desc' ? edge < last : edge > last;
  }
}

/** One source's candidates, fetched a page at a time (2, 4, ... 1024; packs from 64). */
class Paged<C extends { edge: bigint }> {
  private buf: C[] = [];
  private at = 0;
  private page: number;
  private last: C | null = null;
  private done = false;

  constructor(
    private readonly fetch: (after: C | null, n: number) => Promise<C[]>,
    first = FIRST_PAGE,
  ) {
    this.page = first;
  }

  async peek(): Promise<C | null> {
    if (this.at < this.buf.length) return this.buf[this.at]!;
    if (this.done) return null;
    this.buf = await this.fetch(this.last, this.page);
    this.at = 0;
    if (this.buf.length < this.page) this.done = true;
    this.page = Math.min(this.page * 2, MAX_PAGE);
    if (this.buf.length === 0) return null;
    this.last = this.buf[this.buf.length - 1]!;
    return this.buf[0]!;
  }

  take(): C {
    return this.buf[this.at++]!;
  }
}

export interface WalkOptions {
  /** 'desc': newest first (the default); 'asc': oldest first. */
  dir?: Dir;
  /** 'record' (the default): every kept row with its record; 'size': legacy rows with keys and sizes only. */
  fields?: 'record' | 'size';
  /** Past this time (epoch ms) the walk throws WalkTimeout before its next group. */
  deadlineMs?: number;
}

/** A walk given a deadline ran past it. */
export class WalkTimeout extends LogharborError {
  constructor() {
    super(Errors.QUERY_TIMEOUT, 'the search ran past its time limit');
  }
}

function check(deadlineMs: number | undefined): void {
  if (deadlineMs !== undefined && Date.now() > deadlineMs) throw new WalkTimeout();
}

/** The first `want` rows matching `where` in (ts, id) order, on `db` (one snapshot). */
export async function walk(
  db: Queryable,
  where: Where,
  want: number,
  opts: WalkOptions = {},
): Promise<Hit[]> {
  if (want <= 0) return [];
  const dir = opts.dir ?? 'desc';
  const fields = opts.fields ?? 'record';
  const top = new Top(want, dir);
  const blocks = new Paged<BlockCandidate>(blockPages(db, where, dir));
  const packs = new Paged<PackCandidate>(packPages(db, where, dir), FIRST_PACK_PAGE);
  const matcher = new Matcher(where.query, matchSpec(where, dir));
  let group = FIRST_PAGE;
  for (;;) {
    check(opts.deadlineMs);
    const bs: BlockCandidate[] = [];
    const ps: PackCandidate[] = [];
    let end = false;
    while (bs.length + ps.length < group) {
      const b = await blocks.peek();
      const p = await packs.peek();
      const first =
        b === null
          ? p
          : p === null
            ? b
            : (dir === 'desc' ? b.edge >= p.edge : b.edge <= p.edge)
              ? b
              : p;
      if (first === null || top.beyond(first.edge)) {
        end = true;
        break;
      }
      if (first.kind === 'block') bs.push(blocks.take());
      else ps.push(packs.take());
    }
    if (bs.length > 0) {
      for (const r of await blockRows(db, where, bs, want, dir, fields)) {
        top.add({
          ...keyOfUs(r.cursor_ts, r.id),
          cursor_ts: r.cursor_ts,
          size: r.size === undefined ? 0 : Number(r.size),
          record: r.record ?? null,
        });
      }
    }
    if (ps.length > 0) await matchPacks(db, ps, matcher, top, opts.deadlineMs);
    if (end) return made(top.rows);
    group = Math.min(group * 2, MAX_PAGE);
  }
}

/** A group of packs, in the walk's order, into `top`. */
async function matchPacks(
  db: Queryable,
  ps: PackCandidate[],
  matcher: Matcher,
  top: Top,
  deadlineMs: number | undefined,
): Promise<void> {
  const work = packWork(ps);
  if (work.remote) {
    const hits = await work.top(db, ps, matcher.spec, top.bound, top.want, deadlineMs);
    for (const h of hits) top.add(hitOf(h));
    return;
  }
  const rs = await readers(db, ps);
  for (let i = 0; i < ps.length; i++) {
    if (top.beyond(ps[i]!.edge)) return;
    check(deadlineMs);
    const p = ps[i]!;
    const r = rs[i]!;
    for (const k of topKeysOfPack(r, p.labels, matcher, top.bound, top.want, p.all)) {
      top.add({
        sec: k.sec,
        micro: k.micro,
        id: k.id,
        cursor_ts: usOf(k).toString(),
        size: 0,
        record: null,
        make: () => packHit(r, k),
      });
    }
  }
}

/** The kept rows with every record made (Hit.make). */
function made(hits: Hit[]): Hit[] {
  for (const h of hits) {
    if (!h.make) continue;
    const p = h.make();
    h.record = p.record;
    h.size = p.size;
    delete h.make;
  }
  return hits;
}

function hitOf(h: PackHit): Hit {
  return {
    sec: h.sec,
    micro: h.micro,
    id: h.id,
    cursor_ts: usOf(h).toString(),
    size: h.size,
    record: h.record,
  };
}

/** Walk results as rows with records (the 'record' mode always has them). */
export function rowsOf(hits: Hit[]): Row[] {
  return hits.map((h) => ({ ...h.record!, cursor_ts: h.cursor_ts }));
}

/** The walk's deadline for a read on `pool`: its statement_timeout, counted for the whole walk. */
export function deadlineOf(pool: Pool): number | undefined {
  const t = pool.options.statement_timeout;
  return typeof t === 'number' && t > 0 ? Date.now() + t : undefined;
}

/** Newest-first page of `limit` + 1 rows (one more says there is a next page). */
export function searchBlocks(pool: Pool, where: Where, limit: number): Promise<Row[]> {
  const deadlineMs = deadlineOf(pool);
  return readOnly(pool, 'REPEATABLE READ', null, async (c) =>
    rowsOf(await walk(c, where, limit + 1, { deadlineMs })),
  );
}

/** Compatibility for callers of the walk by its old name (bench/lib/probes.ts). */
export async function walkBlocks(db: Queryable, where: Where, want: number): Promise<Row[]> {
  return rowsOf(await walk(db, where, want));
}

/** A second key to count by besides the bucket (the histogram's `by`). */
export interface HistogramGroup {
  by: 'level' | 'container';
  /** SQL over a legacy row's columns giving the key as text; NULL is a key too. */
  key: string;
  /** Keep the `top` keys by count in the whole range (ties: key order), the rest as NULL. */
  top?: number;
}

/** Key order of the SQL's `ORDER BY k` under the "C" collation: UTF-8 bytes. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Per-bucket counts of the rows matching `where` in its time range: legacy blocks counted
 * by PostgreSQL, packs in JS (every row of a pack whose labels decide the query counted
 * from its times alone). With `group`, counts are per bucket and key; with `group.top`,
 * keys past the top ones are summed as null.
 */
export async function histogramBlocks(
  pool: Pool,
  where: Where,
  width: number,
  origin: number,
  group?: HistogramGroup,
): Promise<BucketCount[]> {
  const deadlineMs = deadlineOf(pool);
  const counts = await readOnly(pool, 'REPEATABLE READ', null, async (db) => {
    const out = new Map<string, { b: number; k: string | null; n: number }>();
    const add = (b: number, k: string | null, n: number) => {
      const id = `${b}\u0000${k ?? ''}\u0000${k === null ? 0 : 1}`;
      const c = out.get(id);
      if (c) c.n += n;
      else out.set(id, { b, k, n });
    };
    const blocks = await allBlocks(db, where);
    for (const r of await blockCounts(db, where, blocks, width, origin, group?.key ?? null)) {
      add(Number(r.b), r.k ?? null, Number(r.n));
    }
    const by = group?.by ?? null;
    const packs: PackCandidate[] = [];
    const bucket = (ms: number) => origin + Math.floor((ms - origin) / width) * width;
    for (const p of await allPacks(db, where)) {
      // Every row matches and all lie in one bucket: counted without reading the pack.
      // (A row's time is at most max_ts: maxEventMs adds 1 ms except at the very end.)
      const inside =
        where.after === null &&
        where.idMax === null &&
        (where.fromMs === null || p.minMs >= where.fromMs) &&
        (where.toMs === null || p.maxMs < where.toMs);
      if (p.all && by !== 'level' && inside && bucket(p.minMs) === bucket(p.maxMs)) {
        add(
          bucket(p.minMs),
          by === 'container' ? (p.labels.container_name ?? p.labels.container_id) : null,
          p.rows,
        );
      } else packs.push(p);
    }
    const spec = matchSpec(where, 'desc');
    const work = packWork(packs);
    const each = work.remote
      ? await work.count(db, packs, spec, width, origin, by, deadlineMs)
      : await countHere(db, packs, new Matcher(where.query, spec), width, origin, by, deadlineMs);
    for (const c of each) for (let i = 0; i < c.b.length; i++) add(c.b[i]!, c.k[i]!, c.n[i]!);
    return [...out.values()];
  });
  let rows = counts;
  if (group?.top !== undefined) {
    const totals = new Map<string, number>();
    for (const c of rows) if (c.k !== null) totals.set(c.k, (totals.get(c.k) ?? 0) + c.n);
    const kept = new Set(
      [...totals]
        .sort((a, b) => b[1] - a[1] || byteOrder(a[0], b[0]))
        .slice(0, group.top)
        .map(([k]) => k),
    );
    const merged = new Map<string, { b: number; k: string | null; n: number }>();
    for (const c of rows) {
      const k = c.k !== null && kept.has(c.k) ? c.k : null;
      const id = `${c.b}\u0000${k ?? ''}\u0000${k === null ? 0 : 1}`;
      const m = merged.get(id);
      if (m) m.n += c.n;
      else merged.set(id, { b: c.b, k, n: c.n });
    }
    rows = [...merged.values()];
  }
  return rows.map((c) => ({ b: String(c.b), k: group ? c.k : undefined, n: String(c.n) }));
}

/** Packs counted on this thread, a group of packs' data fetched at a time. */
async function countHere(
  db: Queryable,
  packs: PackCandidate[],
  m: Matcher,
  width: number,
  origin: number,
  by: 'level' | 'container' | null,
  deadlineMs: number | undefined,
) {
  const out = [];
  for (let i = 0; i < packs.length; i += 32) {
    check(deadlineMs);
    const group = packs.slice(i, i + 32);
    const rs = await readers(db, group);
    for (let j = 0; j < group.length; j++) {
      out.push(countPack(rs[j]!, group[j]!.labels, m, width, origin, by, group[j]!.all));
    }
  }
  return out;
}
