/**
 * Packs as a block source (migration 012, core/packs/): the candidate packs of a read,
 * page by page in time order, each with its labels; their data fetched in one statement
 * per group of packs and decoded once (PackReader, kept in the process's PackCache).
 *
 *   log_packs ──pack-filter.ts (labels, Bloom, time, keyset), by max_ts (or min_ts)──►
 *     candidates ──data of the ones not cached──► PackReader ──pack-match.ts──► rows
 *
 * Reads by id range (the tail's commit feed and resume backlog, the context's anchor)
 * find packs through max_id: a pack holds ids min_id..max_id of one stream, ascending.
 */
import type { PackLabels } from '../../core/packs/labels.js';
import { PackReader } from '../../core/packs/decode.js';
import type { Source, Stream } from '../../core/record.js';
import type { Queryable } from './legacy-source.js';
import { PackCache, packBytes } from './pack-cache.js';
import { packConditions } from './pack-filter.js';
import type { Dir } from './pack-match.js';
import type { Query } from '../query/index.js';
import { whereOf, type Where } from './search-sql.js';

/** One candidate pack, without its data. */
export interface PackCandidate {
  kind: 'pack';
  /** µs of max_ts (newest first) or min_ts (oldest first): the walk's order. */
  edge: bigint;
  /** min_ts and max_ts in ms since the epoch. */
  minMs: number;
  maxMs: number;
  /** The edge as PostgreSQL's text (exact, for the next page's keyset). */
  edgeTs: string;
  packId: string;
  /** min_ts as PostgreSQL's text (the second half of the primary key: partition pruning). */
  minTs: string;
  level: number;
  minId: number;
  maxId: number;
  rows: number;
  rawBytes: number;
  labels: PackLabels;
  /** Every row matches the query (the labels decide it); times, keyset and ids still apply. */
  all: boolean;
}

interface CandidateRow {
  pack_id: string;
  level: number;
  min_ts: string;
  edge: string;
  edge_ts: string;
  min_ms: string;
  max_ms: string;
  min_id: string;
  max_id: string;
  rows: number;
  raw_bytes: number;
  source: string;
  host: string | null;
  container_id: string | null;
  container_name: string | null;
  stream: string | null;
  tag: string | null;
  app: string | null;
  project: string | null;
  service: string | null;
  all_rows: boolean;
}

const us = (col: string) => `(extract(epoch FROM ${col}) * 1000000)::bigint::text`;
const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::bigint::text`;

function columns(edge: string, all: string): string {
  return `pack_id::text, level, min_ts::text, ${us(edge)} AS edge,
    ${edge}::text AS edge_ts, ${ms('min_ts')} AS min_ms, ${ms('max_ts')} AS max_ms, min_id::text, max_id::text,
    rows, raw_bytes, source, host, container_id, container_name, stream, tag, app, project,
    service, (${all}) AS all_rows`;
}

function candidate(r: CandidateRow): PackCandidate {
  return {
    kind: 'pack',
    edge: BigInt(r.edge),
    edgeTs: r.edge_ts,
    minMs: Number(r.min_ms),
    maxMs: Number(r.max_ms),
    packId: r.pack_id,
    minTs: r.min_ts,
    level: r.level,
    minId: Number(r.min_id),
    maxId: Number(r.max_id),
    rows: r.rows,
    rawBytes: r.raw_bytes,
    labels: {
      source: r.source as Source,
      host: r.host,
      container_id: r.container_id,
      container_name: r.container_name,
      stream: r.stream as Stream | null,
      tag: r.tag,
      app: r.app,
      project: r.project,
      service: r.service,
    },
    all: r.all_rows,
  };
}

/** The identity of a pack's bytes: pack_id alone is not (a merged pack takes its first id). */
export function packKey(c: PackCandidate): string {
  return `${c.packId}:${c.level}:${c.minId}:${c.maxId}:${c.rows}:${c.rawBytes}`;
}

/** Pages of candidate packs for `where`, in `dir`'s order by (edge, pack_id). */
export function packPages(
  db: Queryable,
  where: Where,
  dir: Dir,
): (after: PackCandidate | null, n: number) => Promise<PackCandidate[]> {
  const c = packConditions(where, dir);
  const edge = dir === 'desc' ? 'max_ts' : 'min_ts';
  const order = dir === 'desc' ? 'DESC' : 'ASC';
  return async (after, n) => {
    const values = [...c.values];
    let keyset = '';
    if (after) {
      values.push(after.edgeTs, after.packId);
      const k = `($${values.length - 1}::timestamptz, $${values.length}::bigint)`;
      keyset = ` AND (${edge}, pack_id) ${dir === 'desc' ? '<' : '>'} ${k}`;
    }
    const r = await db.query<CandidateRow>(
      `SELECT ${columns(edge, c.all)} FROM log_packs WHERE ${c.may}${keyset}
        ORDER BY ${edge} ${order}, pack_id ${order} LIMIT ${n}`,
      values,
    );
    return r.rows.map(candidate);
  };
}

/** Every candidate pack of `where` (a histogram reads them all), in no order. */
export async function allPacks(db: Queryable, where: Where): Promise<PackCandidate[]> {
  const c = packConditions(where, 'desc');
  const r = await db.query<CandidateRow>(
    `SELECT ${columns('max_ts', c.all)} FROM log_packs WHERE ${c.may}`,
    c.values,
  );
  return r.rows.map(candidate);
}

/**
 * Packs that may hold matches of `query` with ids in (`idAfter`, `idMax`] (each bound
 * optional) and, when given, times in [`fromTs`, `toTs`]; highest max_id first.
 */
export async function packsByIds(
  db: Queryable,
  o: { idAfter: string | null; idMax: string | null; fromTs?: Date; toTs?: Date },
  query: Query = { text: '', ast: null, filter: null },
): Promise<PackCandidate[]> {
  const c = packConditions(whereOf(query, { idMax: o.idMax }), 'desc');
  const values = [...c.values];
  const more = [c.may];
  const p = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  if (o.idAfter !== null) more.push(`max_id > ${p(o.idAfter)}::bigint`);
  if (o.fromTs) more.push(`max_ts >= ${p(o.fromTs)}`);
  if (o.toTs) more.push(`min_ts <= ${p(o.toTs)}`);
  const r = await db.query<CandidateRow>(
    `SELECT ${columns('max_ts', c.all)} FROM log_packs WHERE ${more.join(' AND ')}
      ORDER BY max_id DESC`,
    values,
  );
  return r.rows.map(candidate);
}

/**
 * The packs whose id range covers `id`. More than one can: a batch's packs (one per
 * stream) take interleaved ids, so each pack's range spans ids of the others; the record
 * is in exactly one of them.
 */
export async function packsCoveringId(db: Queryable, id: string): Promise<PackCandidate[]> {
  const r = await db.query<CandidateRow>(
    `SELECT ${columns('max_ts', 'TRUE')} FROM log_packs
      WHERE max_id >= $1::bigint AND min_id <= $1::bigint`,
    [id],
  );
  return r.rows.map(candidate);
}

/** Decoded packs of this process (PackCache); LOGHARBOR-wide, bounded by bytes. */
export const packCache = new PackCache(128 << 20);

/** Packs' data by (pack_id, min_ts), in the order asked. */
export async function fetchData(db: Queryable, packs: PackCandidate[]): Promise<Buffer[]> {
  if (packs.length === 0) return [];
  const r = await db.query<{ i: number; data: Buffer }>(
    `SELECT r.i::int AS i, p.data
       FROM unnest($1::bigint[], $2::timestamptz[]) WITH ORDINALITY AS r(pid, mts, i)
       JOIN LATERAL (SELECT data FROM log_packs WHERE pack_id = r.pid AND min_ts = r.mts OFFSET 0) p
         ON true`,
    [packs.map((p) => p.packId), packs.map((p) => p.minTs)],
  );
  const out: Buffer[] = new Array<Buffer>(packs.length);
  for (const row of r.rows) out[row.i - 1] = row.data;
  for (let i = 0; i < packs.length; i++) {
    // A pack of the candidate query is in the same snapshot: it cannot have gone.
    if (!out[i]) throw new Error(`pack ${packs[i]!.packId} vanished within one snapshot`);
  }
  return out;
}

/** A decoded pack (from the cache when there). */
export function decode(c: PackCandidate, data: Buffer): PackReader {
  const reader = new PackReader(c.labels, data);
  packCache.set(packKey(c), reader, packBytes(data.length, c.rows));
  return reader;
}

/** The readers of `packs`, fetching the data of those not cached in one statement. */
export async function readers(db: Queryable, packs: PackCandidate[]): Promise<PackReader[]> {
  const out: (PackReader | undefined)[] = packs.map((p) => packCache.get(packKey(p)));
  const missing = packs.filter((_, i) => out[i] === undefined);
  const data = await fetchData(db, missing);
  let j = 0;
  return out.map((r, i) => r ?? decode(packs[i]!, data[j++]!));
}
