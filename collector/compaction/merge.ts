/**
 * The compactor's CPU work, apart from its SQL (compactor.ts): a stream's packs decoded,
 * their rows in id order, cut and encoded into merged packs. Pure, so it runs the same on
 * the main thread (tests) and on the merge thread (merge-thread.ts, the collector).
 */
import type { CodecId } from '../../core/packs/codec.js';
import { PackReader } from '../../core/packs/decode.js';
import { encodePack, type EncodedPack, type PackRow } from '../../core/packs/encode.js';
import type { PackLabels } from '../../core/packs/labels.js';

export interface MergeTask {
  labels: PackLabels;
  /** The packs' data, in any order. */
  packs: Uint8Array[];
  /** A merged pack holds at most this many bytes of raw messages, and maxRows rows. */
  targetRawBytes: number;
  maxRows: number;
  codec: { codec: CodecId; level?: number };
}

export interface MergeResult {
  packs: EncodedPack[];
  rows: number;
}

/** Runs merges somewhere: on this thread (mergeHere) or on a worker (MergeThread). */
export interface Merger {
  merge(task: MergeTask): Promise<MergeResult>;
  close(): Promise<void>;
}

export function mergePacks(t: MergeTask): MergeResult {
  const rows: PackRow[] = [];
  for (const data of t.packs) {
    const reader = new PackReader(t.labels, Buffer.from(data.buffer, data.byteOffset, data.length));
    for (let i = 0; i < reader.rows; i++) rows.push({ id: reader.id(i), record: reader.record(i) });
  }
  rows.sort((a, b) => a.id - b.id);
  return {
    packs: splitRows(rows, t.targetRawBytes, t.maxRows).map((p) => encodePack(p, t.codec)),
    rows: rows.length,
  };
}

/** Merges on the calling thread (tests; tools). */
export const mergeHere: Merger = {
  merge: async (t) => mergePacks(t),
  close: async () => undefined,
};

/**
 * Consecutive rows cut into packs of at most `maxBytes` raw message bytes and `maxRows`
 * rows (the benchmarks' codec comparison cuts its packs the same way: bench/lib/codec-block.ts).
 */
export function splitRows(rows: PackRow[], maxBytes: number, maxRows: number): PackRow[][] {
  const out: PackRow[][] = [];
  let cur: PackRow[] = [];
  let bytes = 0;
  for (const r of rows) {
    const b = Buffer.byteLength(r.record.message);
    if (cur.length > 0 && (cur.length >= maxRows || bytes + b > maxBytes)) {
      out.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += b;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
