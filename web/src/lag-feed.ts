/**
 * Whether the store keeps up (issue 16): GET /api/sources every 10 s, every 5 s while a
 * collector lags (the banner's "for 42 s" stays current, and its end shows soon), and
 * less often after each failure, up to once a minute. A refused token or a failing
 * request shows no banner and prompts nothing: the page's own requests ask for the token,
 * and the next poll sends it.
 *
 *   LagFeed ──GET /api/sources──► storeLag(collectors) ──onChange──► banner, status line
 */
import type { ApiClient } from './api.js';
import type { Clock } from './tail-stream.js';
import type { CollectorHealth, SourcesData } from './wire.js';

export const LAG_IDLE_MS = 10_000;
export const LAG_BUSY_MS = 5_000;
export const LAG_FAILED_MAX_MS = 60_000;
/** Sentences the banner shows; more lagging collectors are counted on one more line. */
export const BANNER_LINES = 3;

export interface StoreLag {
  /** What the banner says, worst first; empty: no banner. */
  lines: string[];
  /** A collector cannot write to PostgreSQL: searches fail for the same reason. */
  postgresDown: boolean;
  /** A spool refuses appends: senders are paused or refused. */
  full: boolean;
}

export const NO_LAG: StoreLag = { lines: [], postgresDown: false, full: false };

function severity(c: CollectorHealth): number {
  return c.full ? 2 : c.postgresDownSince !== null ? 1 : 0;
}

/**
 * The banner from the collectors' own sentences (core/collector-status.ts lagSentence):
 * a full spool first, then PostgreSQL unreachable, then slow storing; each line names its
 * host when there are several collectors.
 */
export function storeLag(collectors: readonly CollectorHealth[]): StoreLag {
  const lagging = collectors
    .filter((c) => c.lag !== null)
    .sort((a, b) => severity(b) - severity(a));
  if (lagging.length === 0) return NO_LAG;
  const named = collectors.length > 1;
  const lines = lagging
    .slice(0, BANNER_LINES)
    .map((c) => (named && c.host !== '' ? `${c.host}: ${c.lag}` : (c.lag ?? '')));
  const more = lagging.length - BANNER_LINES;
  if (more > 0) lines.push(`and ${more} more collector${more === 1 ? '' : 's'} (see Health)`);
  return {
    lines,
    postgresDown: lagging.some((c) => c.postgresDownSince !== null),
    full: lagging.some((c) => c.full),
  };
}

export class LagFeed {
  private timer = 0;
  private failures = 0;
  private current: StoreLag = NO_LAG;
  private running = false;

  constructor(
    private readonly api: ApiClient,
    private readonly clock: Clock,
    private readonly onChange: (lag: StoreLag) => void,
  ) {}

  get lag(): StoreLag {
    return this.current;
  }

  start(): void {
    this.running = true;
    void this.poll();
  }

  stop(): void {
    this.running = false;
    this.clock.clearTimeout(this.timer);
  }

  /** An answer the page got by other means (the health panel's own refresh). */
  seen(data: SourcesData): void {
    this.set(storeLag(data.collectors));
  }

  private async poll(): Promise<void> {
    this.clock.clearTimeout(this.timer);
    let next: number;
    try {
      this.seen(await this.api.sources(undefined, { ask: false }));
      this.failures = 0;
      next = this.current.lines.length > 0 ? LAG_BUSY_MS : LAG_IDLE_MS;
    } catch {
      // Refused or unreachable: no banner rather than a stale one, and fewer requests.
      this.set(NO_LAG);
      this.failures++;
      next = Math.min(LAG_FAILED_MAX_MS, LAG_IDLE_MS * 2 ** (this.failures - 1));
    }
    if (this.running) this.timer = this.clock.setTimeout(() => void this.poll(), next);
  }

  private set(lag: StoreLag): void {
    if (JSON.stringify(lag) === JSON.stringify(this.current)) return;
    this.current = lag;
    this.onChange(lag);
  }
}
