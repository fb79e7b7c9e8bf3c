/**
 * The alerts badge: how many notifications came since the user last opened the alerts
 * panel, polled every few seconds (GET /api/alerts/notifications?after=<last seen>). The
 * last seen id is kept in this browser; on a first visit the history so far counts as
 * seen. A background poll never prompts for a token and backs off while it fails.
 */
import type { AlertsClient } from './alerts-api.js';
import type { Clock } from './tail-stream.js';
import { compareIds } from './wire.js';

export const ALERTS_SEEN_KEY = 'logharbor.alerts.seen';
export const ALERTS_POLL_MS = 3000;
const MAX_BACKOFF_MS = 60_000;
const COUNT_MAX = 100;

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem'>;

export class AlertsFeed {
  private seen: string | null;
  private newest: string | null = null;
  private timer: number | null = null;
  private failures = 0;
  private running = false;

  constructor(
    private readonly client: AlertsClient,
    private readonly clock: Clock,
    private readonly storage: Storage,
    /** Unseen notifications (at most COUNT_MAX) and whether any is a firing. */
    private readonly onCount: (count: number, firing: boolean) => void,
  ) {
    this.seen = storage.getItem(ALERTS_SEEN_KEY);
  }

  start(): void {
    void this.poll();
  }

  /** Polls now (after the panel changed something, or a test fire). */
  refresh(): void {
    void this.poll();
  }

  /** The user saw everything up to the newest notification (`upTo`, when just read). */
  markSeen(upTo?: string): void {
    if (upTo !== undefined && (this.newest === null || compareIds(upTo, this.newest) > 0))
      this.newest = upTo;
    if (this.newest !== null) {
      this.seen = this.newest;
      this.storage.setItem(ALERTS_SEEN_KEY, this.newest);
    }
    this.onCount(0, false);
  }

  private async poll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    let next = ALERTS_POLL_MS;
    try {
      if (this.seen === null) {
        // First visit: what happened before counts as seen.
        const latest = await this.client.notifications({ limit: 1 }, { ask: false });
        this.seen = latest[0]?.id ?? '0';
        this.storage.setItem(ALERTS_SEEN_KEY, this.seen);
      }
      const list = await this.client.notifications(
        { after: this.seen, limit: COUNT_MAX },
        { ask: false },
      );
      if (list[0]) this.newest = list[0].id;
      this.onCount(
        list.length,
        list.some((n) => n.kind === 'firing'),
      );
      this.failures = 0;
    } catch {
      this.failures++;
      next = Math.min(MAX_BACKOFF_MS, ALERTS_POLL_MS * 2 ** this.failures);
    } finally {
      this.running = false;
      this.timer = this.clock.setTimeout(() => void this.poll(), next);
    }
  }
}
