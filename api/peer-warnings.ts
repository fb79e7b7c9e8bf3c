/**
 * A warning about a peer at most once per interval. A client retrying a wrong token in a
 * loop, or hammering past the rate limit, must not flood logharbor's own log (nor fill
 * the disk): each line carries `suppressed`, how many more events from that peer went
 * unlogged since its previous line. The peers remembered are capped (a hard limit, like
 * every other resource): past the cap the peer logged longest ago is forgotten, so at
 * worst it is warned about again sooner, and its unlogged count is lost.
 */

/** pino's and fastify's loggers both fit. */
export interface WarnSink {
  warn(fields: object, msg: string): void;
}

export interface PeerWarningsOptions {
  /** Per peer, the shortest time between two lines (default one minute). */
  intervalMs?: number;
  /** Peers remembered at once (default 10 000). */
  maxPeers?: number;
  /** The clock, for tests. */
  now?: () => number;
}

export const PEER_WARNING_INTERVAL_MS = 60_000;
export const PEER_WARNING_MAX_PEERS = 10_000;

export class PeerWarnings {
  /** peer -> when it was last logged, and events since; insertion order = logging order. */
  private readonly seen = new Map<string, { at: number; suppressed: number }>();
  private readonly intervalMs: number;
  private readonly maxPeers: number;
  private readonly now: () => number;

  constructor(
    private readonly log: WarnSink,
    private readonly msg: string,
    o: PeerWarningsOptions = {},
  ) {
    this.intervalMs = o.intervalMs ?? PEER_WARNING_INTERVAL_MS;
    this.maxPeers = o.maxPeers ?? PEER_WARNING_MAX_PEERS;
    this.now = o.now ?? Date.now;
  }

  /** Peers currently remembered. */
  get size(): number {
    return this.seen.size;
  }

  /** One event from `peer`: logged with `fields` unless the peer was logged within the interval. */
  note(peer: string, fields: Record<string, unknown>): boolean {
    const now = this.now();
    const last = this.seen.get(peer);
    if (last && now - last.at < this.intervalMs) {
      last.suppressed++;
      return false;
    }
    this.log.warn({ ...fields, peer, suppressed: last?.suppressed ?? 0 }, this.msg);
    // Re-inserted, so the first key is always the peer logged longest ago.
    this.seen.delete(peer);
    this.seen.set(peer, { at: now, suppressed: 0 });
    if (this.seen.size > this.maxPeers) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }
}
