/**
 * What the listeners hand their units to (docs/architecture.md, "The spool"): the only
 * coupling between the sources and the durable path behind them.
 */
import type { ChunkState } from '../writer/chunks.js';
import type { WriteUnit } from '../writer/unit.js';

/** When a unit may be acknowledged: after the spool write (default) or after the commit. */
export type AckAfter = 'spool' | 'commit';

export interface UnitSink {
  /**
   * Takes a unit read off the wire. Resolves when it may be acknowledged (LOGHARBOR_FORWARD_ACK:
   * once the spool holds it under LOGHARBOR_SPOOL_SYNC, or once PostgreSQL committed it);
   * rejects when it will not be stored (a full spool that drops, a shutdown).
   */
  accept(unit: WriteUnit): Promise<void>;
  /** Where a forward chunk id stands here (see ChunkTracker). */
  chunkState(chunk: string): ChunkState;
  /** True while a unit offered now would be refused: datagram sources drop (and count) instead. */
  readonly overloaded: boolean;
  /** 'pressure' when readers should pause (the spool is full), 'drain' when they may resume. */
  on(event: 'pressure' | 'drain', listener: () => void): unknown;
}
