/**
 * At most one log line per key per interval. A peer hammering a limit (thousands of
 * refused connections a second) must not flood logharbor's own log; the metrics count
 * every occurrence, the log says it once with how many were left unsaid.
 *
 * Pure: the caller passes the time. Memory is bounded by `maxKeys`; past it, keys not
 * seen for an interval are forgotten, and if every key is fresh the new one shares one
 * overflow slot (still logged at most once per interval).
 */

/** The key every key past `maxKeys` is throttled under. */
export const OVERFLOW_KEY = '\u0000overflow';

interface Entry {
  loggedAt: number;
  suppressed: number;
}

export class LogThrottle {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly intervalMs: number,
    readonly maxKeys = 10_000,
  ) {
    if (!(intervalMs > 0)) throw new RangeError('intervalMs must be > 0');
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) throw new RangeError('maxKeys must be >= 1');
  }

  /**
   * One occurrence for `key` at time `now` (ms). Returns null when it should not be
   * logged, else how many occurrences were suppressed since the last line for this key.
   */
  take(key: string, now: number): number | null {
    let k = key;
    if (!this.entries.has(k) && this.entries.size >= this.maxKeys) {
      this.forgetBefore(now - this.intervalMs);
      if (this.entries.size >= this.maxKeys) k = OVERFLOW_KEY;
    }
    const e = this.entries.get(k);
    if (e === undefined) {
      // The overflow slot may itself be the one entry past maxKeys: bounded all the same.
      this.entries.set(k, { loggedAt: now, suppressed: 0 });
      return 0;
    }
    if (now - e.loggedAt < this.intervalMs) {
      e.suppressed++;
      return null;
    }
    const suppressed = e.suppressed;
    e.loggedAt = now;
    e.suppressed = 0;
    return suppressed;
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.entries.size;
  }

  private forgetBefore(t: number): void {
    for (const [k, e] of this.entries) if (e.loggedAt <= t) this.entries.delete(k);
  }
}
