/**
 * Decoding and matching packs on worker threads (node:worker_threads), for the reads
 * that decode many: a regex without a literal over all time, the histogram of a common
 * word. A read that needs a few packs stays on the API's thread: handing a pack to a
 * worker and its rows back costs more than decoding it (see REMOTE_MIN_BYTES).
 *
 *   API thread: candidates ─► data of a slice of packs ─► worker (transferred, no copy)
 *               ... fetches the next slice meanwhile ...          │ decode, match
 *               merge ◄──────────── rows kept or counts ◄─────────┘
 *
 * Workers hold nothing between tasks; the API thread keeps the decoded-pack cache
 * (pack-cache.ts), and packs found there are matched where they are.
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

interface TaskPack {
  labels: PackLabels;
  all: boolean;
  data: Uint8Array;
}

export type TaskIn = { id: number; spec: MatchSpec; packs: TaskPack[] } & (
  | { kind: 'top'; bound: RowKey | null; want: number }
  | { kind: 'count'; width: number; origin: number; by: CountBy }
);

/** A task as sent, before the pool numbers it. */
type TaskBody = TaskIn extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

export type TaskOut = { id: number } & (
  | { hits: PackHit[] }
  | { counts: PackCounts[] }
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

/** Sets the raw bytes past which a group goes to the workers (null: REMOTE_MIN_BYTES); for tests. */
export function setRemoteMinBytes(n: number | null): void {
  remoteMin = n ?? REMOTE_MIN_BYTES;
}

class WorkerPool {
  private readonly workers: { w: Worker; busy: number }[] = [];
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

  run(t: TaskBody): Promise<TaskOut> {
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.next++;
    const transfer = t.packs.map((p) => p.data.buffer as ArrayBuffer);
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

function unwrap(o: TaskOut): TaskOut {
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
 * Runs `task` over `packs` on the workers: data fetched a slice at a time (the next slice
 * is fetched while workers decode the last), packs in the decoded cache matched here.
 */
async function spread<T>(
  db: Queryable,
  packs: PackCandidate[],
  here: (p: PackCandidate, reader: PackReader) => T,
  there: (slice: TaskPack[]) => Promise<T[]>,
  deadlineMs: number | undefined,
): Promise<T[]> {
  const out: Promise<T[]>[] = [];
  const local: T[] = [];
  let slice: PackCandidate[] = [];
  let bytes = 0;
  const flush = async () => {
    if (slice.length === 0) return;
    const s = slice;
    slice = [];
    bytes = 0;
    const data = await fetchData(db, s);
    if (deadlineMs !== undefined && Date.now() > deadlineMs) {
      throw new LogharborError(Errors.QUERY_TIMEOUT, 'the search ran past its time limit');
    }
    out.push(there(s.map((p, i) => ({ labels: p.labels, all: p.all, data: own(data[i]!) }))));
  };
  for (const p of packs) {
    const reader = packCache.get(packKey(p));
    if (reader) {
      local.push(here(p, reader));
      continue;
    }
    slice.push(p);
    // Compressed size is not known before the fetch; raw bytes / 4 is close for logs.
    bytes += p.rawBytes / 4;
    if (bytes >= SLICE_BYTES) await flush();
  }
  await flush();
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
        ps,
        (p, r) => topOfPack(r, p.labels, matcher(spec), bound, want, p.all),
        async (slice) => {
          const o = unwrap(await pool!.run({ kind: 'top', spec, bound, want, packs: slice }));
          return 'hits' in o ? [o.hits] : [];
        },
        deadlineMs,
      );
      return parts.flat();
    },
    async count(db, ps, spec, width, origin, by, deadlineMs) {
      return spread(
        db,
        ps,
        (p, r) => countPack(r, p.labels, matcher(spec), width, origin, by, p.all),
        async (slice) => {
          const o = unwrap(
            await pool!.run({ kind: 'count', spec, width, origin, by, packs: slice }),
          );
          return 'counts' in o ? o.counts : [];
        },
        deadlineMs,
      );
    },
  };
}
