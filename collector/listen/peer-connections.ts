/**
 * Open connections per peer address: one host's share of a listener (issue 6). Without
 * it one misbehaving host can take every slot of LOGHARBOR_MAX_CONNECTIONS and lock out
 * every other. Docker opens one forward connection per container, hence a generous default.
 *
 * Memory is bounded by the open connections: a peer's entry goes when its last one closes.
 */

const V4_MAPPED = '::ffff:';

/**
 * The key a connection is counted under, or null when it has no peer address (a unix
 * socket: one local user, exempt). An IPv4 peer reaching a dual-stack listener appears as
 * `::ffff:a.b.c.d`: the same host as `a.b.c.d`, so it is counted as that.
 */
export function peerKey(remoteAddress: string | undefined): string | null {
  if (remoteAddress === undefined || remoteAddress === '') return null;
  const lower = remoteAddress.toLowerCase();
  return lower.startsWith(V4_MAPPED) && lower.includes('.') ? lower.slice(V4_MAPPED.length) : lower;
}

export class PeerConnections {
  private readonly open = new Map<string, number>();

  constructor(readonly limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`per-peer connection limit must be a positive integer, got ${limit}`);
    }
  }

  /** Counts one more connection from `peer`; false (and nothing counted) at the limit. */
  tryAdd(peer: string): boolean {
    const n = this.open.get(peer) ?? 0;
    if (n >= this.limit) return false;
    this.open.set(peer, n + 1);
    return true;
  }

  /** One connection from `peer`, counted by tryAdd, has closed. */
  remove(peer: string): void {
    const n = this.open.get(peer);
    if (n === undefined) return;
    if (n <= 1) this.open.delete(peer);
    else this.open.set(peer, n - 1);
  }

  count(peer: string): number {
    return this.open.get(peer) ?? 0;
  }

  /** Peers with at least one open connection. */
  get peers(): number {
    return this.open.size;
  }
}
