/**
 * The rows the list shows: records and notices, in display order, appended at the end
 * only (the live tail appends newer lines, a search appends older pages). A hard cap
 * bounds memory: past it the first rows are evicted. Records are unique by id, so a
 * reconnect or an overlapping page never shows a line twice.
 *
 * Every row gets a sequence number; rows are contiguous, so row i has seq firstSeq + i.
 */
import type { LogRecord } from './wire.js';

export type Row =
  | { kind: 'record'; seq: number; record: LogRecord }
  | { kind: 'notice'; seq: number; text: string };

export interface AppendResult {
  added: number;
  duplicates: number;
  evicted: number;
}

export const DEFAULT_ROW_CAP = 100_000;

export class RowStore {
  private rows: Row[] = [];
  private readonly ids = new Set<string>();
  private nextSeq = 0;

  constructor(readonly cap: number = DEFAULT_ROW_CAP) {
    if (!Number.isInteger(cap) || cap < 1)
      throw new RangeError('row cap must be a positive integer');
  }

  get length(): number {
    return this.rows.length;
  }

  get firstSeq(): number {
    return this.rows[0]?.seq ?? this.nextSeq;
  }

  get full(): boolean {
    return this.rows.length >= this.cap;
  }

  at(index: number): Row | undefined {
    return this.rows[index];
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  append(records: readonly LogRecord[]): AppendResult {
    let added = 0;
    let duplicates = 0;
    for (const record of records) {
      if (this.ids.has(record.id)) {
        duplicates++;
        continue;
      }
      this.ids.add(record.id);
      this.rows.push({ kind: 'record', seq: this.nextSeq++, record });
      added++;
    }
    return { added, duplicates, evicted: this.evict() };
  }

  appendNotice(text: string): AppendResult {
    this.rows.push({ kind: 'notice', seq: this.nextSeq++, text });
    return { added: 1, duplicates: 0, evicted: this.evict() };
  }

  clear(): void {
    this.rows = [];
    this.ids.clear();
  }

  /** The records in display order, for export. */
  records(): LogRecord[] {
    const out: LogRecord[] = [];
    for (const r of this.rows) if (r.kind === 'record') out.push(r.record);
    return out;
  }

  private evict(): number {
    const excess = this.rows.length - this.cap;
    if (excess <= 0) return 0;
    for (const r of this.rows.splice(0, excess)) {
      if (r.kind === 'record') this.ids.delete(r.record.id);
    }
    return excess;
  }
}
