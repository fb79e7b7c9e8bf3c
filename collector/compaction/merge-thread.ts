/**
 * Merges on a worker thread of their own (merge-worker.ts): decoding a day's packs of a
 * stream and encoding them with brotli takes a few hundred ms of CPU in pieces of tens of
 * ms that, on the main thread, held up every socket, spool write and commit behind them
 * (the live tail's p99 at 10,000 events/s: bench/sections/tail.ts). One merge at a time:
 * the compactor merges one stream-day after another.
 */
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../core/worker-thread.js';
import type { EncodedPack } from '../../core/packs/encode.js';
import type { Merger, MergeResult, MergeTask } from './merge.js';

type Answer = { id: number; result?: MergeResult; error?: string };

export class MergeThread implements Merger {
  private worker: Worker | null = null;
  private next = 1;
  private readonly waiting = new Map<
    number,
    { resolve: (r: MergeResult) => void; reject: (e: Error) => void }
  >();

  merge(task: MergeTask): Promise<MergeResult> {
    const w = this.start();
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      w.postMessage({ id, task });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
    this.failAll(new Error('merge thread closed'));
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = startWorker(import.meta.url, 'merge-worker');
    // A collector stopping does not wait for an idle merge thread.
    w.unref();
    w.on('message', (a: Answer) => {
      const p = this.waiting.get(a.id);
      if (!p) return;
      this.waiting.delete(a.id);
      if (a.error !== undefined || !a.result) p.reject(new Error(a.error ?? 'no result'));
      else p.resolve({ rows: a.result.rows, packs: a.result.packs.map(asBuffers) });
    });
    // A thread that died (out of memory) is started anew for the next merge.
    const gone = (e: Error) => {
      if (this.worker === w) this.worker = null;
      this.failAll(e);
    };
    w.on('error', gone);
    w.on('exit', (code) => gone(new Error(`merge thread exited (${code})`)));
    this.worker = w;
    return w;
  }

  private failAll(e: Error): void {
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
  }
}

/** A pack as it crossed the thread boundary (Buffers arrive as Uint8Arrays). */
function asBuffers(p: EncodedPack): EncodedPack {
  const buf = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return {
    ...p,
    data: buf(p.data),
    bloom: buf(p.bloom),
    idBloom: p.idBloom === null ? null : buf(p.idBloom),
  };
}
