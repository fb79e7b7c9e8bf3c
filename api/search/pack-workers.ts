/**
 * Decoding and matching packs on worker threads (node:worker_threads), for the reads
 * that decode many: a regex without a literal over all time, the histogram of a common
 * word. A read that needs a few packs stays on the API's thread: handing a pack to a
 * worker and its rows back costs more than decoding it (see REMOTE_MIN_BYTES).
 *
 *   API thread: candidates ─► data of a slice of packs ─► worker (transferred, no copy)
 *               ... fetches the next slice meanwhile ...          │ decode, keep, match
 *               merge ◄──────────── rows kept or counts ◄─────────┘
 *
 * Each worker keeps the packs it decoded (its own PackCache), so a pack goes to the worker
 * that holds it, as its key alone: a query repeated over the last hour (a user refining a
 * search, a dashboard) neither fetches nor decompresses again. A worker that let a pack go
 * says so and gets its data. Packs in the API thread's own cache are matched there.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../core/worker-thread.js';
import { Errors, LogharborError } from '../../core/errors.js';
import type { PackReader } from '../../core/packs/decode.js';
import type { PackLabels } from '../../core/packs/labels.js';
import type { Queryable } from './legacy-source.js';
import {
  countPack,
  Matcher,
  topOfPack,
  type CountBy,
  type Dir,
  type MatchSpec,
  type PackCounts,
  type PackHit,
  type RowKey,
} from './pack-match.js';
import { fetchData, packCache, packKey, type PackCandidate } from './pack-source.js';
import { parseQuery } from '../query/index.js';
import type { Where } from './search-sql.js';

export interface TaskPack {
  /** packKey: the worker keeps the packs it decoded by it. */
  key: string;
  labels: PackLabels;
  all: boolean;
  /** The pack's data, or null when the worker should still hold it. */
  data: Uint8Array | null;
}

export type TaskIn = { id: number; spec: MatchSpec; packs: TaskPack[] } & (
  | { kind: 'top'; bound: RowKey | null; want: number }
  | { kind: 'count'; width: number; origin: number; by: CountBy }
);

/** A task as sent, before the pool numbers it. */
type TaskBody = TaskIn extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

export type TaskOut = { id: number } &
  /** `missing`: packs sent without data that the worker no longer held (not matched). */
  (
    | { hits: PackHit[]; missing: string[] }
    | { counts: PackCounts[]; missing: string[] }
    | { error: { code: string | null; message: string } }
  );

/** The read's tests as plain data (pack-match.ts MatchSpec). */
export function matchSpec(where: Where, dir: Dir): MatchSpec {
  let after: RowKey | null = null;
  if (where.after !== null) {
    const v = BigInt(where.after.us);
    let sec = v / 1_000_000n;
    if (v < sec * 1_000_000n) sec -= 1n;
    after = { sec: Number(sec), micro: Number(v - sec * 1_000_000n), id: Number(where.after.id) };
  }
  return {
    q: where.query.text,
    dir,
    fromMs: where.fromMs,
    toMs: where.toMs,
    after,
    idAfter: null,
    idMax: where.idMax === null ? null : Number(where.idMax),
  };
}

/**
 * Raw message bytes in one group of packs past which the group goes to the workers.
 * Measured (bench/read-path.ts): ...
 */
export const REMOTE_MIN_BYTES = 16 << 20;
/** Compressed bytes fetched and handed to one worker at a time. */
const SLICE_BYTES = 4 << 20;

let threads = Math.min(2, availableParallelism());
let remoteMin = REMOTE_MIN_BYTES;
let pool: WorkerPool | null = null;

/** Sets how many worker threads reads may use (0: none); for tests and benchmarks. */
export function setPackWorkers(n: number): void {
  threads = n;
  const old = pool;
  pool = null;
  void old?.close();
}

/**
 * Makes the workers let go of every pack they keep, while this thread still takes them to
 * hold them (tests: the path where a worker answers that a pack is missing).
 */
export function dropWorkerCaches(): void {
  pool?.drop();
}

/** Sets the raw bytes past which a group goes to the workers (null: REMOTE_MIN_BYTES); for tests. */
export function setRemoteMinBytes(n: number | null): void {
  remoteMin = n ?? REMOTE_MIN_BYTES;
}

/** Pack keys the API thread remembers as held by a worker, at most. */
const HELD_KEYS = 50_000;

class WorkerPool {
  private readonly workers: { w: Worker; busy: number }[] = [];
  /** Which worker was last sent each pack's data (it may have let it go since). */
  private readonly held = new Map<string, number>();
  private readonly waiting = new Map<
    number,
    { resolve: (o: TaskOut) => void; reject: (e: Error) => void }
  >();
  private next = 1;

  constructor(n: number) {
    for (let i = 0; i < n; i++) {
      const w = startWorker(import.meta.url, 'pack-worker');
      w.unref();
      const slot = { w, busy: 0 };
      w.on('message', (o: TaskOut) => {
        slot.busy--;
        const p = this.waiting.get(o.id);
        this.waiting.delete(o.id);
        p?.resolve(o);
      });
      w.on('error', (e) => this.fail(e));
      this.workers.push(slot);
    }
  }

  private fail(e: Error): void {
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
    if (pool === this) pool = null;
    void this.close();
  }

  drop(): void {
    for (const s of this.workers) s.w.postMessage({ kind: 'drop' });
  }

  /** The worker that was sent `key`'s data, if any. */
  holder(key: string): number | undefined {
    return this.held.get(key);
  }

  /** The least busy worker. */
  pick(): number {
    let best = 0;
    for (let i = 1; i < this.workers.length; i++)
      if (this.workers[i]!.busy < this.workers[best]!.busy) best = i;
    return best;
  }

  /** Runs `t` on worker `index`; the packs sent with data are remembered as held there. */
  run(t: TaskBody, index: number): Promise<TaskOut> {
    const slot = this.workers[index]!;
    const id = this.next++;
    const transfer: ArrayBuffer[] = [];
    for (const p of t.packs) {
      if (p.data === null) continue;
      transfer.push(p.data.buffer as ArrayBuffer);
      this.held.delete(p.key);
      this.held.set(p.key, index);
      if (this.held.size > HELD_KEYS) this.held.delete(this.held.keys().next().value!);
    }
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      slot.busy++;
      slot.w.postMessage({ ...t, id }, transfer);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((s) => s.w.terminate()));
  }
}

function workers(): WorkerPool | null {
  if (threads <= 0) return null;
  pool ??= new WorkerPool(threads);
  return pool;
}

function unwrap(o: TaskOut): Exclude<TaskOut, { error: unknown }> {
  if ('error' in o) {
    const def = Object.values(Errors).find((d) => d.code === o.error.code);
    const e = def ? new LogharborError(def) : new Error(o.error.message);
    e.message = o.error.message;
    throw e;
  }
  return o;
}

/** The data as a buffer of its own, so transferring it detaches nothing else (Buffer's pool). */
function own(data: Buffer): Uint8Array {
  if (data.byteOffset === 0 && data.buffer.byteLength === data.length) return data;
  return Uint8Array.prototype.slice.call(data);
}

/**
 * Runs a task over `packs`: those in the API thread's cache here, those a worker holds on
 * it (keys only), the rest fetched a slice at a time (the next slice is fetched while
 * workers decode the last) and sent with their data to the least busy worker.
 */
async function spread<T>(
  db: Queryable,
  pool: WorkerPool,
  packs: PackCandidate[],
  here: (p: PackCandidate, reader: PackReader) => T,
  body: (packs: TaskPack[]) => TaskBody,
  results: (o: Exclude<TaskOut, { error: unknown }>) => T[],
  deadlineMs: number | undefined,
): Promise<T[]> {
  const out: Promise<T[]>[] = [];
  const local: T[] = [];
  const byKey = new Map<string, PackCandidate>();
  const kept = new Map<number, PackCandidate[]>();
  const task = (p: PackCandidate, data: Buffer | null): TaskPack => ({
    key: packKey(p),
    labels: p.labels,
    all: p.all,
    data: data === null ? null : own(data),
  });
  const fetched = async (ps: PackCandidate[]) => {
    const data = await fetchData(db, ps);
    if (deadlineMs !== undefined && Date.now() > deadlineMs) {
      throw new LogharborError(Errors.QUERY_TIMEOUT, 'the search ran past its time limit');
    }
    return ps.map((p, i) => task(p, data[i]!));
  };
  const send = (index: number, ps: TaskPack[]) =>
    out.push(
      pool.run(body(ps), index).then(async (o) => {
        const got = unwrap(o);
        if (got.missing.length === 0) return results(got);
        // The worker let these go since: sent again, with their data.
        const again = await fetched(got.missing.map((k) => byKey.get(k)!));
        return [...results(got), ...results(unwrap(await pool.run(body(again), index)))];
      }),
    );
  let slice: PackCandidate[] = [];
  let bytes = 0;
  const flush = async () => {
    if (slice.length === 0) return;
    const s = slice;
    slice = [];
    bytes = 0;
    send(pool.pick(), await fetched(s));
  };
  for (const p of packs) {
    const key = packKey(p);
    const reader = packCache.get(key);
    if (reader) {
      local.push(here(p, reader));
      continue;
    }
    byKey.set(key, p);
    const holder = pool.holder(key);
    if (holder !== undefined) {
      const list = kept.get(holder);
      if (list) list.push(p);
      else kept.set(holder, [p]);
      continue;
    }
    slice.push(p);
    // Compressed size is not known before the fetch; raw bytes / 4 is close for logs.
    bytes += p.rawBytes / 4;
    if (bytes >= SLICE_BYTES) await flush();
  }
  await flush();
  for (const [index, ps] of kept)
    send(
      index,
      ps.map((p) => task(p, null)),
    );
  return [...local, ...(await Promise.all(out)).flat()];
}

export interface PackWork {
  /** Whether the group goes to the workers. */
  remote: boolean;
  top(
    db: Queryable,
    packs: PackCandidate[],
    spec: MatchSpec,
    bound: RowKey | null,
    want: number,
    deadlineMs: number | undefined,
  ): Promise<PackHit[]>;
  count(
    db: Queryable,
    packs: PackCandidate[],
    spec: MatchSpec,
    width: number,
    origin: number,
    by: CountBy,
    deadlineMs: number | undefined,
  ): Promise<PackCounts[]>;
}

/** Where a group of packs is matched: on the workers when it is big enough to pay. */
export function packWork(packs: PackCandidate[]): PackWork {
  let raw = 0;
  for (const p of packs) raw += p.rawBytes;
  const big = raw >= remoteMin && (packs.length > 1 || remoteMin === 0);
  const pool = big ? workers() : null;
  let local: Matcher | null = null;
  const matcher = (spec: MatchSpec) => (local ??= new Matcher(parseQuery(spec.q), spec));
  return {
    remote: pool !== null,
    async top(db, ps, spec, bound, want, deadlineMs) {
      const parts = await spread(
        db,
        pool!,
        ps,
        (p, r) => topOfPack(r, p.labels, matcher(spec), bound, want, p.all),
        (packs) => ({ kind: 'top', spec, bound, want, packs }),
        (o) => ('hits' in o ? [o.hits] : []),
        deadlineMs,
      );
      return parts.flat();
    },
    async count(db, ps, spec, width, origin, by, deadlineMs) {
      return spread(
        db,
        pool!,
        ps,
        (p, r) => countPack(r, p.labels, matcher(spec), width, origin, by, p.all),
        (packs) => ({ kind: 'count', spec, width, origin, by, packs }),
        (o) => ('counts' in o ? o.counts : []),
        deadlineMs,
      );
    },
  };
}
