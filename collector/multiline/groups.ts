/**
 * Units held back and the groups they form. A message's lines may lie in several write
 * units (Docker sends one line per forward request); each unit must be committed with its
 * spool sequence number, so every unit a message touches, and the unit of the line that
 * ended it, are written in one transaction: a *group*. Groups that share a unit are one
 * group (a unit of syslog lines can hold lines of several held streams). A group is ready
 * when none of its messages is held any more.
 *
 *   unit 7 [A: "Traceback..."]  unit 8 [B: "GET /"]  unit 9 [A: "  File ..."]  unit 10 [A: "x"]
 *        └────────────── group {7, 9, 10} ──────────────┘      unit 8 passes straight through
 *
 * Why the ending line's unit belongs to the group: after a crash the drain replays only the
 * units PostgreSQL lacks. Were unit 10 committed without {7, 9}, the replay would hold A's
 * message again without the line that ended it, and a later line of A could continue it:
 * another record than the first run stored.
 */
import type { LogRecord } from '../../core/record.js';
import type { WriteUnit } from '../writer/unit.js';

export interface UnitEntry {
  seq: number;
  unit: WriteUnit;
  group: Group;
  /** Records this unit's joined messages replace (index of the first line -> joined record). */
  replace: Map<number, LogRecord> | null;
  /** Indices of records absorbed into a joined record. */
  removed: Set<number> | null;
  /** Message text of its records, UTF-16 units (what it holds in memory). */
  chars: number;
  /** Earliest and latest receivedAt of its records. */
  firstAt: number;
  lastAt: number;
}

/** A message held for its stream; `T` is the joiner's own bookkeeping. */
export interface GroupMember {
  group(): Group;
}

export class Group {
  entries: UnitEntry[] = [];
  /** Messages still held whose lines are in these units. */
  readonly held = new Set<GroupMember>();
  records = 0;
  chars = 0;
  firstAt = Infinity;
  /** Merged into another group (which holds its units now). */
  dead = false;

  add(e: UnitEntry): void {
    this.entries.push(e);
    this.records += e.unit.records.length;
    this.chars += e.chars;
    if (e.firstAt < this.firstAt) this.firstAt = e.firstAt;
  }

  /** The groups' union, in place of the larger one; the smaller is dead. */
  static merge(a: Group, b: Group): Group {
    if (a === b) return a;
    const [big, small] = a.entries.length >= b.entries.length ? [a, b] : [b, a];
    for (const e of small.entries) e.group = big;
    big.entries = mergeBySeq(big.entries, small.entries);
    for (const m of small.held) big.held.add(m);
    big.records += small.records;
    big.chars += small.chars;
    if (small.firstAt < big.firstAt) big.firstAt = small.firstAt;
    small.entries = [];
    small.held.clear();
    small.dead = true;
    return big;
  }

  /** The seqs and units to write, each unit's records with the joins applied. */
  output(): { seqs: number[]; units: WriteUnit[] } {
    const seqs: number[] = [];
    const units: WriteUnit[] = [];
    for (const e of this.entries) {
      seqs.push(e.seq);
      units.push(rewrite(e));
    }
    return { seqs, units };
  }
}

function mergeBySeq(a: UnitEntry[], b: UnitEntry[]): UnitEntry[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  if (a[a.length - 1]!.seq < b[0]!.seq) {
    for (const e of b) a.push(e);
    return a;
  }
  const out: UnitEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]!.seq <= b[j]!.seq ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}

/** The unit as written: joined records in place of their first line, absorbed lines gone. */
function rewrite(e: UnitEntry): WriteUnit {
  e.unit.seq = e.seq;
  if (e.replace === null && e.removed === null) return e.unit;
  const records: LogRecord[] = [];
  e.unit.records.forEach((r, i) => {
    if (e.removed?.has(i)) return;
    records.push(e.replace?.get(i) ?? r);
  });
  return { ...e.unit, records };
}

/** Text held by a unit's records (UTF-16 units), and their earliest and latest receivedAt. */
export function unitSize(unit: WriteUnit): { chars: number; firstAt: number; lastAt: number } {
  let chars = 0;
  let firstAt = Infinity;
  let lastAt = -Infinity;
  for (const r of unit.records) {
    chars += r.message.length;
    if (r.receivedAt < firstAt) firstAt = r.receivedAt;
    if (r.receivedAt > lastAt) lastAt = r.receivedAt;
  }
  return { chars, firstAt, lastAt };
}
