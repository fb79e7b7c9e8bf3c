/**
 * Which stream a line belongs to, and the index of held messages by stream. A container's
 * stdout and stderr are two streams (by container id, else name); a record without a
 * container (plain syslog, a forwarder's own records) belongs to its source, host, app (or
 * tag) and, for syslog, its PROCID (attrs.pid).
 *
 * Looking a line up must cost next to nothing when its stream holds nothing: no key string
 * is built (a concatenated key costs a flatten and a hash per line). While few messages are
 * held (the usual case) they are scanned, comparing the container id first; past
 * SCAN_MAX, a map by container id (or app) narrows the scan.
 */
import type { LogRecord, Stream } from '../../core/record.js';

export interface StreamId {
  /** Container id (else name); for other records the app, else the tag. */
  primary: string;
  container: boolean;
  stream: Stream | null;
  /** Other records: source, host and PROCID. */
  rest: string;
}

export function streamOf(r: LogRecord): StreamId {
  const c = r.containerId ?? r.containerName;
  if (c !== null) return { primary: c, container: true, stream: r.stream, rest: '' };
  return { primary: r.app ?? r.tag ?? '', container: false, stream: r.stream, rest: restOf(r) };
}

function restOf(r: LogRecord): string {
  const pid = r.source === 'syslog' ? r.attrs?.pid : undefined;
  const p = typeof pid === 'string' || typeof pid === 'number' ? String(pid) : '';
  return `${r.source}\u0000${r.host ?? ''}\u0000${p}`;
}

const SCAN_MAX = 8;

export class StreamIndex<T extends { sid: StreamId }> {
  /** Insertion order: the oldest first. */
  private readonly order = new Set<T>();
  private readonly list: T[] = [];
  private readonly byPrimary = new Map<string, T[]>();

  get size(): number {
    return this.list.length;
  }

  values(): IterableIterator<T> {
    return this.order.values();
  }

  oldest(): T | undefined {
    return this.order.values().next().value;
  }

  /** The held message of `r`'s stream. */
  find(r: LogRecord): T | undefined {
    const c = r.containerId ?? r.containerName;
    const primary = c ?? r.app ?? r.tag ?? '';
    const list = this.list.length <= SCAN_MAX ? this.list : this.byPrimary.get(primary);
    if (list === undefined) return undefined;
    let rest: string | null = null;
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      const s = t.sid;
      if (s.primary !== primary || s.stream !== r.stream || s.container !== (c !== null)) continue;
      if (c !== null) return t;
      rest ??= restOf(r);
      if (s.rest === rest) return t;
    }
    return undefined;
  }

  add(t: T): void {
    this.order.add(t);
    this.list.push(t);
    const p = this.byPrimary.get(t.sid.primary);
    if (p) p.push(t);
    else this.byPrimary.set(t.sid.primary, [t]);
  }

  delete(t: T): boolean {
    if (!this.order.delete(t)) return false;
    remove(this.list, t);
    const p = this.byPrimary.get(t.sid.primary)!;
    remove(p, t);
    if (p.length === 0) this.byPrimary.delete(t.sid.primary);
    return true;
  }
}

function remove<T>(a: T[], t: T): void {
  const i = a.indexOf(t);
  a[i] = a[a.length - 1]!;
  a.pop();
}
