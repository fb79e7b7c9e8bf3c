/**
 * Every enabled alert with its predicate and its rule's engine (rules.ts): committed
 * records and a clock in, notifications out. Pure, like the rules: the evaluator
 * (evaluator.ts) drives it from the tail hub and its timers, the unit tests by hand.
 *
 * A record is tested against each alert's query with the predicate the live tail uses
 * (api/query/to-predicate.ts), so an alert fires on exactly what a tail of its query shows.
 */
import type { StoredRecord } from '../../core/record.js';
import { parseQuery, toPredicate } from '../query/index.js';
import { payloadOf, type AlertPayload } from './payload.js';
import { engineFor, sampleOf, type Match, type RuleEngine } from './rules.js';
import type { StoredAlert } from './spec.js';

/** A notification decided: what the evaluator writes (alert_notifications). */
export interface Notice {
  alertId: string;
  key: string;
  kind: 'firing' | 'resolved';
  payload: AlertPayload;
}

export interface SavedState {
  revision: number;
  state: unknown;
}

interface Entry {
  alert: StoredAlert;
  /** null for absence (every line of its container counts, query or not). */
  test: ((r: StoredRecord) => boolean) | null;
  engine: RuleEngine;
}

/** `received_at` text (microseconds) in ms. */
export function receivedMs(r: { received_at: string }): number {
  return Date.parse(r.received_at);
}

export class RuleSet {
  private readonly entries = new Map<string, Entry>();
  private notices: Notice[] = [];
  /** Each alert's state as last handed out by `snapshots` (JSON text). */
  private readonly saved = new Map<string, string>();
  /** Absence rules wait for the first reading of the containers' last lines. */
  private primed = false;

  constructor(
    private readonly now: () => number,
    /** A query that failed on a record (a runaway regex): that record is skipped for it. */
    private readonly onError: (alertId: string, e: unknown) => void = () => undefined,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Whether notifications wait to be taken. */
  get hasNotices(): boolean {
    return this.notices.length > 0;
  }

  /** The distinct queries of the alerts that test records (the empty one first). */
  queries(): string[] {
    const out = new Set<string>();
    for (const e of this.entries.values()) if (e.test !== null) out.add(e.alert.query);
    return [...out].sort((a, b) => a.trim().length - b.trim().length);
  }

  /** Names of the containers absence rules watch. */
  containers(): string[] {
    const out = new Set<string>();
    for (const e of this.entries.values())
      if (e.alert.rule.kind === 'absence') out.add(e.alert.rule.container);
    return [...out];
  }

  /**
   * The enabled alerts now. An alert whose id and revision are unchanged keeps its engine;
   * a new or changed one starts from `saved` when that is of its revision, else afresh.
   */
  set(alerts: StoredAlert[], saved: Map<string, SavedState> = new Map()): void {
    const keep = new Set<string>();
    for (const a of alerts) {
      if (!a.enabled) continue;
      keep.add(a.id);
      const cur = this.entries.get(a.id);
      if (cur && cur.alert.revision === a.revision) {
        cur.alert = a;
        continue;
      }
      const s = saved.get(a.id);
      const state = s && s.revision === a.revision ? s.state : undefined;
      this.entries.set(a.id, {
        alert: a,
        test: a.rule.kind === 'absence' ? null : toPredicate(parseQuery(a.query)),
        engine: engineFor(a.rule, a.revision, a.minIntervalMs, a.revisedAt, state),
      });
      this.saved.delete(a.id);
    }
    for (const id of [...this.entries.keys()]) {
      if (keep.has(id)) continue;
      this.entries.delete(id);
      this.saved.delete(id);
    }
  }

  /** Committed records, ids ascending. */
  records(records: readonly StoredRecord[]): void {
    if (records.length === 0 || this.entries.size === 0) return;
    const now = this.now();
    for (const [id, e] of this.entries) {
      if (e.test === null) {
        const c = (e.engine as { container?: string }).container;
        for (const r of records) if (r.container_name === c) e.engine.seen(c, receivedMs(r), now);
      } else {
        const matches: Match[] = [];
        for (const r of records) {
          let hit: boolean;
          try {
            hit = e.test(r);
          } catch (err) {
            this.onError(id, err);
            continue;
          }
          if (hit) matches.push({ ms: receivedMs(r), sample: sampleOf(r) });
        }
        if (matches.length === 0) continue;
        e.engine.match(matches, now);
      }
      this.collect(id, e);
    }
  }

  /** A container's last line as PostgreSQL has it (containers.last_seen). */
  seen(container: string, ms: number): void {
    const now = this.now();
    for (const [id, e] of this.entries) {
      if (e.test !== null) continue;
      e.engine.seen(container, ms, now);
      this.collect(id, e);
    }
  }

  /** The containers' last lines have been read once: absence rules may judge silence. */
  prime(): void {
    this.primed = true;
  }

  tick(): void {
    const now = this.now();
    for (const [id, e] of this.entries) {
      if (e.test === null && !this.primed) continue;
      e.engine.tick(now);
      this.collect(id, e);
    }
  }

  private collect(id: string, e: Entry): void {
    for (const d of e.engine.take()) {
      this.notices.push({ alertId: id, key: d.key, kind: d.kind, payload: payloadOf(e.alert, d) });
    }
  }

  /** Notifications decided since the last call. */
  take(): Notice[] {
    const n = this.notices;
    this.notices = [];
    return n;
  }

  /** The states that changed since the last call (all of them the first time). */
  snapshots(): { alert_id: string; revision: number; state: unknown }[] {
    const out: { alert_id: string; revision: number; state: unknown }[] = [];
    for (const [id, e] of this.entries) {
      const state = e.engine.snapshot();
      const text = JSON.stringify(state);
      if (this.saved.get(id) === text) continue;
      this.saved.set(id, text);
      out.push({ alert_id: id, revision: e.alert.revision, state });
    }
    return out;
  }

  /** Whether an alert's episode is on, as its engine has it now. */
  status(id: string): { firing: boolean; since: number | null } | null {
    return this.entries.get(id)?.engine.status() ?? null;
  }
}
