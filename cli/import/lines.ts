/**
 * Stored entries back into what Docker's fluentd driver sends for them: a whole line, or
 * one part of a line over 16 KiB with `partial_id`, `partial_ordinal` and `partial_last`
 * (moby daemon/logger/fluentd, from the copier's PartialLogMetaData), so logharbor joins
 * an imported long line exactly as it joins a live one (docs/architecture.md, "Docker's
 * split lines").
 *
 * - local: the entry holds the metadata; it is passed on as stored.
 * - json-file keeps only the text: a part is an entry whose `log` lacks the final newline,
 *   and the line's last part is the next entry of the same stream that has one. Parts of
 *   one line share the first part's time (copier.go: `msg.Timestamp = partialTS`), so an
 *   entry of that stream with another time starts a new line: the container stopped
 *   mid-line and the parts before never got their end. The id, random in Docker, is made
 *   from the file and the first part's offset, so a resent request joins the same way.
 *
 * A line is open from its first part to its last; the assembler is `clean` when no stream
 * has one open, which is where the import prefers to end a request.
 */
import { createHash } from 'node:crypto';
import type { DockerEntry } from './entry.js';

/** A line whose parts have begun and not ended, per stream: kept in the state file. */
export interface OpenLine {
  id: string;
  /** The ordinal of the last part seen. */
  ordinal: number;
  sec: number;
  nsec: number;
}

export type OpenLines = Record<string, OpenLine>;

export type LogFormat = 'json-file' | 'local';

export interface PartialMeta {
  id: string;
  ordinal: number;
  last: boolean;
}

export interface DockerMessage {
  entry: DockerEntry;
  partial: PartialMeta | null;
  /** Whether this message ends a line (a whole line or a last part). */
  endsLine: boolean;
}

export class LineAssembler {
  private readonly open: OpenLines;

  /** `idBase`: what a json-file part id is made from, with the part's offset (container and file). */
  constructor(
    private readonly format: LogFormat,
    private readonly idBase: string,
    open: OpenLines = {},
  ) {
    this.open = structuredClone(open);
  }

  get clean(): boolean {
    for (const _ in this.open) return false;
    return true;
  }

  /** The lines open now (for the state file). */
  snapshot(): OpenLines {
    return structuredClone(this.open);
  }

  /** Forgets the open lines: their last part will never come (the container stopped). */
  closeAll(): number {
    const n = Object.keys(this.open).length;
    for (const k of Object.keys(this.open)) delete this.open[k];
    return n;
  }

  add(e: DockerEntry): DockerMessage {
    return this.format === 'local' ? this.addStored(e) : this.addJson(e);
  }

  private addStored(e: DockerEntry): DockerMessage {
    const p = e.partial;
    if (p === null) {
      delete this.open[e.stream];
      return { entry: e, partial: null, endsLine: true };
    }
    if (p.last) delete this.open[e.stream];
    else this.open[e.stream] = { id: p.id, ordinal: p.ordinal, sec: e.sec, nsec: e.nsec };
    return { entry: e, partial: { ...p }, endsLine: p.last };
  }

  private addJson(e: DockerEntry): DockerMessage {
    const o = this.open[e.stream];
    const same = o !== undefined && o.sec === e.sec && o.nsec === e.nsec;
    if (e.newline) {
      delete this.open[e.stream];
      if (!same) return { entry: e, partial: null, endsLine: true };
      return {
        entry: e,
        partial: { id: o.id, ordinal: o.ordinal + 1, last: true },
        endsLine: true,
      };
    }
    if (same) {
      o.ordinal++;
      return { entry: e, partial: { id: o.id, ordinal: o.ordinal, last: false }, endsLine: false };
    }
    const id = createHash('sha256').update(`${this.idBase}:${e.start}`).digest('hex');
    this.open[e.stream] = { id, ordinal: 1, sec: e.sec, nsec: e.nsec };
    return { entry: e, partial: { id, ordinal: 1, last: false }, endsLine: false };
  }
}
