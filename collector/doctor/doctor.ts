/**
 * The driver doctor inside a collector: the tally the sources feed (aggregator.ts),
 * flushed to PostgreSQL every few seconds (store.ts) and pruned with the retention.
 * A failed flush loses that window's counts only (logged): the next window observes the
 * same senders again.
 */
import type { Pool } from '../../core/db/pool.js';
import type { Logger } from '../../core/log.js';
import { TraitAggregator, type AggregatorOptions } from './aggregator.js';
import type { WireObserver } from './observer.js';
import { pruneTraits, saveTraits } from './store.js';

export const DOCTOR_FLUSH_MS = 5_000;
const PRUNE_EVERY = 120; // flushes: ten minutes at the default interval

export interface DoctorOptions extends AggregatorOptions {
  flushMs?: number;
  /** Senders and trait values older than this are deleted (LOGHARBOR_RETENTION). */
  retentionMs: number;
  /** A listener's bound address by name, for the advice's ready-to-paste lines. */
  addressOf: (listener: string) => string | null;
}

export class DriverDoctor {
  /** What the sources call for every request and message. */
  readonly observer: WireObserver;
  private readonly tally: TraitAggregator;
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;
  private flushes = 0;

  constructor(
    private readonly pool: Pool,
    private readonly log: Logger,
    private readonly o: DoctorOptions,
  ) {
    this.tally = new TraitAggregator(o);
    this.observer = this.tally;
    this.timer = setInterval(() => void this.flush(), o.flushMs ?? DOCTOR_FLUSH_MS);
    this.timer.unref();
  }

  /** Writes what was counted since the last flush (waits for one already running). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.write().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Stops the timer and writes the last window. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    const d = this.tally.drain();
    if (d.overflow > 0)
      this.log.warn({ events: d.overflow }, 'driver doctor: too many senders, some not observed');
    try {
      await saveTraits(this.pool, d, this.o.addressOf);
      if (++this.flushes % PRUNE_EVERY === 0) await pruneTraits(this.pool, this.o.retentionMs);
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'driver doctor: traits not saved');
    }
  }
}
