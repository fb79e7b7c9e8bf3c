/**
 * The collector's in-memory tally of driver traits, between two flushes to PostgreSQL.
 * The forward connection and the syslog source call it for every request and message;
 * it costs one comparison (or one Map look-up) and a counter there. Traits are derived
 * only for the first few requests of each sender in each flush window: a driver's
 * configuration does not change between two lines, and the next window looks again.
 *
 *   request/message ─► tally of its sender ─(first `samplesPerWindow`)─► facts ─► counts
 *                                         every flushMs: drain() ─► store.ts (upsert, +)
 *
 * Bounded: at most `maxSenders` senders per window (others are counted as overflow, not
 * tracked), and per sender at most the trait vocabulary (traits.ts) and RECENT_CHUNKS
 * chunk ids. drain() empties it.
 *
 * Resends are looked for in every request, not only the sampled ones: a client caught in
 * a resend loop (Docker's ack race) may show it only after its first requests. A request
 * whose `option.chunk` the same sender sent shortly before notes `resent=yes`; the
 * sampled requests note `resent=no` otherwise, so a fixed configuration wins again.
 */
import type { WireMode } from '../forward/framer.js';
import type { ForwardRequest } from '../forward/types.js';
import type { SyslogMessage } from '../syslog/message.js';
import { forwardFacts, forwardKey, forwardSender } from './forward-facts.js';
import { syslogFacts, syslogSender } from './syslog-facts.js';
import type { Facts, SenderIdentity } from '../../core/doctor/traits.js';
import type { WireObserver } from './observer.js';

export interface AggregatorOptions {
  /** Most senders tracked in one window. Default 5000. */
  maxSenders?: number;
  /** Requests or messages per sender and window whose traits are derived. Default 8. */
  samplesPerWindow?: number;
  /** ms since the epoch. */
  clock?: () => number;
}

export interface SenderRow extends SenderIdentity {
  listener: string;
  events: number;
  firstSeen: number;
  lastSeen: number;
}

export interface TraitRow {
  source: SenderIdentity['source'];
  sender: string;
  trait: string;
  value: string;
  count: number;
  lastAt: number;
}

export interface Drained {
  senders: SenderRow[];
  traits: TraitRow[];
  /** Events from senders that found the tally full. */
  overflow: number;
}

/**
 * Chunk ids remembered per sender and window. Docker's resend loop repeats a chunk within
 * milliseconds, so a short memory catches it; when it is full it starts over.
 */
export const RECENT_CHUNKS = 64;

/** The id of a request's `option.chunk` (fluent-logger and Docker send base64 strings). */
function chunkId(chunk: unknown): string | null {
  if (typeof chunk === 'string') return chunk;
  if (Buffer.isBuffer(chunk)) return `\u0000${chunk.toString('base64')}`;
  return null;
}

interface TraitCount {
  trait: string;
  value: string;
  count: number;
  lastAt: number;
}

class Tally {
  events = 0;
  samples = 0;
  readonly traits = new Map<string, TraitCount>();
  private chunks: Set<string> | null = null;

  constructor(
    readonly identity: SenderIdentity,
    public listener: string,
    readonly firstSeen: number,
    /** The syslog HOSTNAME exactly as parsed (the identity's is cleaned), to tell hosts apart. */
    readonly host: string | null = null,
  ) {}

  /** Whether this sender sent `chunk` shortly before (then it is a resend); remembers it. */
  resends(chunk: unknown): boolean {
    const id = chunkId(chunk);
    if (id === null) return false;
    this.chunks ??= new Set();
    if (this.chunks.has(id)) return true;
    if (this.chunks.size >= RECENT_CHUNKS) this.chunks.clear();
    this.chunks.add(id);
    return false;
  }

  note(facts: Facts, now: number): void {
    for (const [trait, value] of Object.entries(facts)) {
      if (value === undefined) continue;
      const key = `${trait}=${value}`;
      const c = this.traits.get(key);
      if (c) {
        c.count++;
        c.lastAt = now;
      } else this.traits.set(key, { trait, value, count: 1, lastAt: now });
    }
  }
}

export class TraitAggregator implements WireObserver {
  private readonly maxSenders: number;
  private readonly samplesPerWindow: number;
  private readonly clock: () => number;
  private forward = new Map<string, Tally>();
  /** Syslog senders by tag (APP-NAME), then by tag and host for a tag seen from several hosts. */
  private syslog = new Map<string, Tally>();
  private syslogByHost = new Map<string, Tally>();
  private overflow = 0;
  // The last syslog sender: consecutive messages mostly come from the same one.
  private lastApp: string | null = null;
  private lastHost: string | null = null;
  private lastSyslog: Tally | null = null;

  constructor(o: AggregatorOptions = {}) {
    this.maxSenders = o.maxSenders ?? 5000;
    this.samplesPerWindow = o.samplesPerWindow ?? 8;
    this.clock = o.clock ?? Date.now;
  }

  /** Senders tracked in this window. */
  get size(): number {
    return this.forward.size + this.syslog.size + this.syslogByHost.size;
  }

  observeForward(frame: Buffer, req: ForwardRequest, mode: WireMode, listener: string): void {
    if (req.events.length === 0) return;
    const key = forwardKey(req);
    let t = this.forward.get(key);
    if (!t) {
      if (this.size >= this.maxSenders) {
        this.overflow += req.events.length;
        return;
      }
      t = new Tally(forwardSender(req), listener, this.clock());
      this.forward.set(key, t);
    }
    t.events += req.events.length;
    const resent = t.resends(req.option?.chunk);
    if (t.samples >= this.samplesPerWindow) {
      if (resent) t.note({ resent: 'yes' }, this.clock());
      return;
    }
    t.samples++;
    t.listener = listener;
    t.note({ ...forwardFacts(frame, req, mode), resent: resent ? 'yes' : 'no' }, this.clock());
  }

  observeSyslog(frame: Uint8Array, m: SyslogMessage, listener: string): void {
    let t = this.lastSyslog;
    if (t === null || m.appName !== this.lastApp || m.hostname !== this.lastHost) {
      t = this.syslogTally(m, listener);
      if (t === null) {
        this.overflow++;
        return;
      }
      this.lastSyslog = t;
      this.lastApp = m.appName;
      this.lastHost = m.hostname;
    }
    t.events++;
    if (t.samples >= this.samplesPerWindow) return;
    t.samples++;
    t.listener = listener;
    t.note(syslogFacts(frame, m), this.clock());
  }

  /**
   * The tally of a message's sender, or null when the tally is full. Looked up by the tag
   * alone (no key string is built: this runs for every message whose sender differs from
   * the previous one's), and by tag and host only when one tag comes from several hosts.
   */
  private syslogTally(m: SyslogMessage, listener: string): Tally | null {
    const app = m.appName ?? '';
    let t = this.syslog.get(app);
    if (t !== undefined && t.host === m.hostname) return t;
    const byHost = t === undefined ? null : `${app}\u0000${m.hostname ?? ''}`;
    if (byHost !== null) {
      const other = this.syslogByHost.get(byHost);
      if (other !== undefined) return other;
    }
    if (this.size >= this.maxSenders) return null;
    t = new Tally(syslogSender(m), listener, this.clock(), m.hostname);
    if (byHost === null) this.syslog.set(app, t);
    else this.syslogByHost.set(byHost, t);
    return t;
  }

  /**
   * Everything counted since the last drain, merged per stored sender (two in-memory keys
   * can name one sender, e.g. two tags of one container), sorted by key so that two
   * collectors upserting at once lock rows in the same order; then forgets it all.
   */
  drain(): Drained {
    const now = this.clock();
    const senders = new Map<string, SenderRow>();
    const traits = new Map<string, TraitRow>();
    for (const t of [
      ...this.forward.values(),
      ...this.syslog.values(),
      ...this.syslogByHost.values(),
    ]) {
      const id = t.identity;
      const key = `${id.source}\u0000${id.sender}`;
      const s = senders.get(key);
      if (s) {
        s.events += t.events;
        s.firstSeen = Math.min(s.firstSeen, t.firstSeen);
      } else {
        senders.set(key, {
          ...id,
          listener: t.listener,
          events: t.events,
          firstSeen: t.firstSeen,
          lastSeen: now,
        });
      }
      for (const c of t.traits.values()) {
        const tk = `${key}\u0000${c.trait}\u0000${c.value}`;
        const r = traits.get(tk);
        if (r) {
          r.count += c.count;
          r.lastAt = Math.max(r.lastAt, c.lastAt);
        } else {
          traits.set(tk, {
            source: id.source,
            sender: id.sender,
            trait: c.trait,
            value: c.value,
            count: c.count,
            lastAt: c.lastAt,
          });
        }
      }
    }
    const out: Drained = {
      senders: [...senders.entries()].sort(byKey).map(([, v]) => v),
      traits: [...traits.entries()].sort(byKey).map(([, v]) => v),
      overflow: this.overflow,
    };
    this.forward = new Map();
    this.syslog = new Map();
    this.syslogByHost = new Map();
    this.overflow = 0;
    this.lastSyslog = null;
    this.lastApp = null;
    this.lastHost = null;
    return out;
  }
}

function byKey(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
