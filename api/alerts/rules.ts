/**
 * The three rules as pure state machines: matches and a clock in, decisions out, state as
 * plain JSON (the evaluator's checkpoint, migration 011). No I/O and no timers: the
 * evaluator (evaluator.ts) calls `match`/`seen` as records arrive and `tick` a few times a
 * second; the unit tests do the same with a hand-driven clock.
 *
 *   any        first match: notified at once; matches in the next `min_interval` are held
 *              and sent as one notification (count and samples) when it ends
 *   threshold  more than N matches (by their received_at) within W: an episode; notified
 *              when it starts, "resolved" when the count within W is N or less again
 *   absence    no line from the container for F: an episode; "resolved" at its next line
 *
 * Rate limit: an alert notifies at most once per `min_interval`. For any, that is the
 * grouping; for an episode that starts sooner, the firing waits, and an episode that ends
 * before it may be sent is counted in the next firing's `suppressed` instead (and its
 * "resolved" is not sent: nobody heard of it).
 */
import type { Rule } from './spec.js';

export interface Sample {
  id: string;
  ts: string;
  received_at: string;
  container_name: string | null;
  message: string;
}

/** A match: the record as a sample and its arrival time. */
export interface Match {
  ms: number;
  sample: Sample;
}

export interface Decision {
  /** Unique per alert for what it is about (migration 011: `UNIQUE (alert_id, key)`). */
  key: string;
  kind: 'firing' | 'resolved';
  at: number;
  /** any: matches in the group; threshold: in the window (firing) or the episode (resolved). */
  count: number | null;
  samples: Sample[];
  /** The episode's start (threshold, absence). */
  since: number | null;
  /** absence: the container's last line before the silence (null: never seen). */
  lastSeen: number | null;
  /** Groups or episodes that went unnotified under the rate limit before this one. */
  suppressed: number;
}

export const MAX_SAMPLES = 5;
const MAX_MESSAGE = 500;
/** A threshold window is counted in at most this many buckets (to 1/60 of it). */
const BUCKETS = 60;

export function sampleOf(r: Sample): Sample {
  return {
    id: r.id,
    ts: r.ts,
    received_at: r.received_at,
    container_name: r.container_name,
    message: r.message.length > MAX_MESSAGE ? `${r.message.slice(0, MAX_MESSAGE)}…` : r.message,
  };
}

export interface RuleEngine {
  match(matches: Match[], now: number): void;
  /** A line from `container` received at `ms` (absence only). */
  seen(container: string, ms: number, now: number): void;
  tick(now: number): void;
  /** Decisions since the last call. */
  take(): Decision[];
  /** Whether an episode is on, and since when (for the API). */
  status(): { firing: boolean; since: number | null };
  snapshot(): unknown;
}

interface EpisodeState {
  active: boolean;
  episode: number;
  since: number;
  notified: boolean;
  lastFiringAt: number | null;
  suppressed: number;
}

/** What threshold and absence share: episodes under the rate limit. */
abstract class EpisodeRule implements RuleEngine {
  protected e: EpisodeState = {
    active: false,
    episode: 0,
    since: 0,
    notified: false,
    lastFiringAt: null,
    suppressed: 0,
  };
  protected out: Decision[] = [];

  constructor(
    protected readonly revision: number,
    protected readonly minIntervalMs: number,
  ) {}

  abstract match(matches: Match[], now: number): void;
  abstract seen(container: string, ms: number, now: number): void;
  abstract tick(now: number): void;
  abstract snapshot(): unknown;

  take(): Decision[] {
    const d = this.out;
    this.out = [];
    return d;
  }

  status() {
    return { firing: this.e.active, since: this.e.active ? this.e.since : null };
  }

  private key(what: 'firing' | 'resolved'): string {
    return `${this.revision}:${this.e.episode}:${what}`;
  }

  /** The condition holds at `now`: starts an episode, and fires it when the limit allows. */
  protected raise(now: number, d: Omit<Decision, 'key' | 'kind' | 'at' | 'since' | 'suppressed'>) {
    const e = this.e;
    if (!e.active) {
      e.active = true;
      e.episode++;
      e.since = now;
      e.notified = false;
    }
    if (e.notified || (e.lastFiringAt !== null && now < e.lastFiringAt + this.minIntervalMs))
      return false;
    e.notified = true;
    e.lastFiringAt = now;
    this.out.push({
      ...d,
      key: this.key('firing'),
      kind: 'firing',
      at: now,
      since: e.since,
      suppressed: e.suppressed,
    });
    e.suppressed = 0;
    return true;
  }

  /** The condition cleared at `now`: ends the episode ("resolved" if it was notified). */
  protected clear(now: number, d: Omit<Decision, 'key' | 'kind' | 'at' | 'since' | 'suppressed'>) {
    const e = this.e;
    if (!e.active) return;
    e.active = false;
    if (!e.notified) {
      e.suppressed++;
      return;
    }
    this.out.push({
      ...d,
      key: this.key('resolved'),
      kind: 'resolved',
      at: now,
      since: e.since,
      suppressed: 0,
    });
  }
}

export class ThresholdRule extends EpisodeRule {
  private readonly bucketMs: number;
  /** Bucket index (floor(ms / bucketMs)) to matches in it, oldest first. */
  private buckets = new Map<number, number>();
  private total = 0;
  private recent: Sample[] = [];
  private episodeCount = 0;

  constructor(
    revision: number,
    minIntervalMs: number,
    private readonly moreThan: number,
    private readonly withinMs: number,
    state?: unknown,
  ) {
    super(revision, minIntervalMs);
    this.bucketMs = Math.max(100, Math.ceil(withinMs / BUCKETS));
    const s = state as ThresholdSnapshot | undefined;
    if (s?.e) {
      this.e = { ...s.e };
      this.buckets = new Map(s.buckets);
      this.total = s.buckets.reduce((n, [, c]) => n + c, 0);
      this.recent = s.recent;
      this.episodeCount = s.episodeCount;
    }
  }

  match(matches: Match[], now: number): void {
    this.evict(now);
    const oldest = this.firstBucket(now);
    let added = 0;
    for (const m of matches) {
      const b = Math.floor(Math.min(m.ms, now) / this.bucketMs);
      if (b < oldest) continue; // older than the window (a replay of old records)
      this.buckets.set(b, (this.buckets.get(b) ?? 0) + 1);
      this.total++;
      added++;
      this.recent.push(m.sample);
      if (this.recent.length > MAX_SAMPLES) this.recent.shift();
    }
    if (this.e.active) this.episodeCount += added;
    this.check(now);
  }

  seen(): void {}

  tick(now: number): void {
    this.evict(now);
    this.check(now);
  }

  private check(now: number): void {
    if (this.total > this.moreThan) {
      if (!this.e.active) this.episodeCount = this.total;
      this.raise(now, { count: this.total, samples: [...this.recent], lastSeen: null });
    } else if (this.e.active) {
      this.clear(now, { count: this.episodeCount, samples: [], lastSeen: null });
    }
  }

  /** The first bucket that overlaps the window (now - W, now]. */
  private firstBucket(now: number): number {
    return Math.floor((now - this.withinMs) / this.bucketMs) + 1;
  }

  private evict(now: number): void {
    const first = this.firstBucket(now);
    for (const [b, n] of this.buckets) {
      if (b >= first) break;
      this.buckets.delete(b);
      this.total -= n;
    }
  }

  snapshot(): ThresholdSnapshot {
    return {
      e: { ...this.e },
      buckets: [...this.buckets],
      recent: this.recent,
      episodeCount: this.episodeCount,
    };
  }
}

interface ThresholdSnapshot {
  e: EpisodeState;
  buckets: [number, number][];
  recent: Sample[];
  episodeCount: number;
}

export class AbsenceRule extends EpisodeRule {
  private lastSeen: number | null = null;

  constructor(
    revision: number,
    minIntervalMs: number,
    readonly container: string,
    private readonly forMs: number,
    /** Silence counts from here while the container was never seen. */
    private readonly baselineMs: number,
    state?: unknown,
  ) {
    super(revision, minIntervalMs);
    const s = state as AbsenceSnapshot | undefined;
    if (s?.e) {
      this.e = { ...s.e };
      this.lastSeen = s.lastSeen;
    }
  }

  match(): void {}

  seen(container: string, ms: number, now: number): void {
    if (container !== this.container || (this.lastSeen !== null && ms <= this.lastSeen)) return;
    const before = this.lastSeen;
    this.lastSeen = ms;
    // A line received after the silence began ends the episode.
    if (this.e.active && ms > (before ?? this.baselineMs))
      this.clear(now, { count: null, samples: [], lastSeen: before });
  }

  tick(now: number): void {
    const from = this.lastSeen ?? this.baselineMs;
    if (now - from > this.forMs)
      this.raise(now, { count: null, samples: [], lastSeen: this.lastSeen });
  }

  snapshot(): AbsenceSnapshot {
    return { e: { ...this.e }, lastSeen: this.lastSeen };
  }
}

interface AbsenceSnapshot {
  e: EpisodeState;
  lastSeen: number | null;
}

export class AnyRule implements RuleEngine {
  /** Until when further matches are held (the rate limit); null: none notified yet. */
  private periodEnd: number | null = null;
  private held: { count: number; firstId: string; samples: Sample[] } | null = null;
  private out: Decision[] = [];

  constructor(
    private readonly minIntervalMs: number,
    state?: unknown,
  ) {
    const s = state as AnySnapshot | undefined;
    if (s && 'periodEnd' in s) {
      this.periodEnd = s.periodEnd;
      this.held = s.held;
    }
  }

  match(matches: Match[], now: number): void {
    if (matches.length === 0) return;
    if (this.held === null && (this.periodEnd === null || now >= this.periodEnd)) {
      this.fire(
        now,
        matches.length,
        matches[0]!.sample.id,
        matches.map((m) => m.sample),
      );
      return;
    }
    const h = (this.held ??= { count: 0, firstId: matches[0]!.sample.id, samples: [] });
    h.count += matches.length;
    for (const m of matches) if (h.samples.length < MAX_SAMPLES) h.samples.push(m.sample);
  }

  seen(): void {}

  tick(now: number): void {
    const h = this.held;
    if (h !== null && this.periodEnd !== null && now >= this.periodEnd) {
      this.held = null;
      this.fire(now, h.count, h.firstId, h.samples);
    }
  }

  private fire(now: number, count: number, firstId: string, samples: Sample[]): void {
    this.out.push({
      key: `any:${firstId}`,
      kind: 'firing',
      at: now,
      count,
      samples: samples.slice(0, MAX_SAMPLES),
      since: null,
      lastSeen: null,
      suppressed: 0,
    });
    this.periodEnd = now + this.minIntervalMs;
  }

  take(): Decision[] {
    const d = this.out;
    this.out = [];
    return d;
  }

  status() {
    return { firing: false, since: null };
  }

  snapshot(): AnySnapshot {
    return { periodEnd: this.periodEnd, held: this.held };
  }
}

interface AnySnapshot {
  periodEnd: number | null;
  held: { count: number; firstId: string; samples: Sample[] } | null;
}

/** The engine for a rule, carrying on from `state` (a snapshot of the same revision) if given. */
export function engineFor(
  rule: Rule,
  revision: number,
  minIntervalMs: number,
  baselineMs: number,
  state?: unknown,
): RuleEngine {
  switch (rule.kind) {
    case 'any':
      return new AnyRule(minIntervalMs, state);
    case 'threshold':
      return new ThresholdRule(revision, minIntervalMs, rule.moreThan, rule.withinMs, state);
    case 'absence':
      return new AbsenceRule(
        revision,
        minIntervalMs,
        rule.container,
        rule.forMs,
        baselineMs,
        state,
      );
  }
}

/** The firing state a snapshot shows, for the API (no engine needed). */
export function snapshotStatus(state: unknown): { firing: boolean; since: number | null } {
  const e = (state as { e?: EpisodeState } | null)?.e;
  return e?.active ? { firing: true, since: e.since } : { firing: false, since: null };
}
