/**
 * Joins the lines of stack traces and other multi-line messages into one record, per
 * stream, between the spool and the writer (docs/architecture.md, "Multi-line messages").
 *
 *   drain ─ push(unit, seq) ─► per line: its stream's held message? ─► continue / end / start
 *                  ▲                                    │
 *   clock ─ flushBefore(watermark)                      ▼
 *                                 ready groups { seqs, units } ─► writer, one transaction each
 *
 * Deterministic: every decision is a function of the lines, their order within their
 * stream and their `receivedAt`, never of the time of processing, so a replay of the spool
 * after a crash builds the same records. A line continues its stream's message only if it
 * arrived within `windowMs` of the message's previous line and `maxSpanMs` of its first,
 * and fits the message's shape (machine.ts). `flushBefore(w)` ends the messages no line
 * received at or after `w` could continue: the same result as that next line arriving.
 *
 * A unit none of whose lines starts, continues or ends a held message passes straight
 * through: it is returned by the `push` that brought it. The rest wait in groups
 * (groups.ts) until their messages end.
 *
 * Bounded: a message is cut into pieces at `maxLines`/`maxBytes`; a group is written once
 * it holds `maxGroupRecords`; past `maxHeldStreams` held messages or `maxHeldBytes` of
 * held units the oldest group is written (attrs.multiline_forced). The last two depend on
 * other streams' traffic: under that overload a replay may cut a message elsewhere (never
 * losing or doubling a line).
 */
import type { LogRecord } from '../../core/record.js';
import type { WriteUnit } from '../writer/unit.js';
import { Start, startOf, type StartKind } from './classify.js';
import { Group, unitSize, type GroupMember, type UnitEntry } from './groups.js';
import { joinedRecord } from './joined-record.js';
import { Verdict, begin, step, type Machine } from './machine.js';
import { resolveOptions, type MultilineOptions } from './options.js';
import { StreamIndex, streamOf, type StreamId } from './streams.js';

/** Units to write in one transaction, with their spool sequence numbers (ascending). */
export interface ReadyGroup {
  seqs: number[];
  units: WriteUnit[];
}

export interface MultilineCounters {
  units: number;
  lines: number;
  /** Messages begun (a line held for what may follow). */
  held: number;
  /** Held messages that stayed one line (held for nothing). */
  single: number;
  /** Records made of two or more lines, and the lines in them. */
  joined: number;
  joinedLines: number;
  /** Pieces begun past maxLines/maxBytes. */
  pieces: number;
  /** Messages closed by a memory bound. */
  forced: number;
  /** Lines stored alone because a chain of messages reached maxSpanMs. */
  chainCuts: number;
  /** Lines received before the last flushBefore watermark (the caller broke its promise). */
  late: number;
}

interface LineRef {
  entry: UnitEntry;
  index: number;
  rec: LogRecord;
  bytes: number;
}

class Held implements GroupMember {
  lines: LineRef[];
  /** Blank lines held tentatively: in the message only if a continuation follows. */
  blanks: LineRef[] = [];
  firstAt: number;
  lastAt: number;
  bytes: number;
  /** receivedAt of the first line of the chain of messages this one ends (see endBy). */
  chainAt: number;

  constructor(
    readonly sid: StreamId,
    readonly machine: Machine,
    first: LineRef,
    public piece: number,
  ) {
    this.lines = [first];
    this.firstAt = first.rec.receivedAt;
    this.lastAt = this.firstAt;
    this.chainAt = this.firstAt;
    this.bytes = first.bytes;
  }

  group(): Group {
    return this.lines[0]!.entry.group;
  }
}

const EMPTY: ReadyGroup[] = [];

function alone(unit: WriteUnit, seq: number): ReadyGroup {
  unit.seq = seq;
  return { seqs: [seq], units: [unit] };
}

export class MultilineJoiner {
  readonly options: MultilineOptions;
  readonly counters: MultilineCounters = {
    units: 0,
    lines: 0,
    held: 0,
    single: 0,
    joined: 0,
    joinedLines: 0,
    pieces: 0,
    forced: 0,
    chainCuts: 0,
    late: 0,
  };
  /** Held messages by stream, oldest first. */
  private readonly held = new StreamIndex<Held>();
  /** Groups with units held back, oldest first. */
  private readonly open = new Set<Group>();
  private heldChars = 0;
  private watermark = -Infinity;
  /** Groups whose last held message ended during the current call. */
  private closed: Group[] = [];
  private seq = 0;
  private unit: WriteUnit | null = null;
  private entry: UnitEntry | null = null;

  constructor(options: Partial<MultilineOptions> = {}) {
    this.options = resolveOptions(options);
  }

  /**
   * Messages held, units and records held back, the earliest first line (`oldestAt`) and
   * the earliest last line (`quietestAt`) of the held messages (receivedAt).
   */
  get stats(): {
    messages: number;
    units: number;
    records: number;
    oldestAt: number | null;
    quietestAt: number | null;
  } {
    let units = 0;
    let records = 0;
    for (const g of this.open) {
      units += g.entries.length;
      records += g.records;
    }
    let oldestAt: number | null = null;
    let quietestAt: number | null = null;
    for (const h of this.held.values()) {
      if (oldestAt === null || h.firstAt < oldestAt) oldestAt = h.firstAt;
      if (quietestAt === null || h.lastAt < quietestAt) quietestAt = h.lastAt;
    }
    return { messages: this.held.size, units, records, oldestAt, quietestAt };
  }

  /** Messages held now (cheap: the drain asks after every unit). */
  get heldMessages(): number {
    return this.held.size;
  }

  /**
   * The least watermark at which flushBefore ends a held message (receivedAt time), or null
   * when none is held: the drain sets its timer by it.
   */
  nextDueAt(): number | null {
    const { windowMs, maxSpanMs } = this.options;
    let due: number | null = null;
    for (const h of this.held.values()) {
      const at = Math.min(h.lastAt + windowMs, h.firstAt + maxSpanMs) + 1;
      if (due === null || at < due) due = at;
    }
    return due;
  }

  /**
   * The drain's next unit, in sequence order. Returns the groups now ready, oldest first:
   * this unit alone when nothing of it is held (the common case), else possibly none.
   */
  push(unit: WriteUnit, seq: number): ReadyGroup[] {
    this.counters.units++;
    this.counters.lines += unit.records.length;
    if (!this.options.enabled || unit.stash !== undefined || unit.claims !== undefined) {
      // Docker partial-line stashes and claims index records: such units (only with
      // fluentd-request-ack) are left exactly as they are, and touch no held message.
      return [alone(unit, seq)];
    }
    if (typeof unit.chunk === 'string' && unit.chunk !== '') return this.joinWithin(unit, seq);
    this.seq = seq;
    this.unit = unit;
    this.entry = null;
    const recs = unit.records;
    for (let i = 0; i < recs.length; i++) this.line(recs[i]!, i);
    const entry = this.entry as UnitEntry | null;
    this.unit = null;
    this.entry = null;
    if (entry === null && this.closed.length === 0 && this.heldChars <= this.options.maxHeldBytes)
      return [alone(unit, seq)];
    if (entry !== null) {
      const g = entry.group;
      if (
        g.records > this.options.maxGroupRecords ||
        entry.lastAt - g.firstAt > this.options.maxGroupMs
      )
        this.force(g, entry.lastAt);
      if (g.held.size === 0) this.closed.push(g);
    }
    if (this.heldChars > this.options.maxHeldBytes) this.boundMemory(unitSize(unit).lastAt);
    const ready = this.collect();
    if (entry === null) ready.push(alone(unit, seq));
    return ready;
  }

  /**
   * Ends every message no line received at or after `watermarkMs` could continue, and
   * returns the groups that makes ready. The caller promises that every line it pushes
   * later was received at or after `watermarkMs` (see docs: the drain's watermark).
   */
  flushBefore(watermarkMs: number): ReadyGroup[] {
    if (watermarkMs > this.watermark) this.watermark = watermarkMs;
    if (this.held.size === 0) return EMPTY;
    const { windowMs, maxSpanMs } = this.options;
    for (const h of this.held.values())
      if (watermarkMs - h.lastAt > windowMs || watermarkMs - h.firstAt > maxSpanMs)
        this.finish(h, false);
    return this.collect();
  }

  /** Ends every held message and returns every group (shutdown, tests). */
  drain(): ReadyGroup[] {
    for (const h of [...this.held.values()]) this.finish(h, false);
    for (const g of this.open) this.closed.push(g);
    return this.collect();
  }

  // ---- per line

  private line(rec: LogRecord, index: number): void {
    if (rec.receivedAt < this.watermark) this.counters.late++;
    const h = this.held.size === 0 ? undefined : this.held.find(rec);
    if (h === undefined) {
      const s = startOf(rec.message, this.options.levelLines);
      if (s !== Start.none) this.start(streamOf(rec), rec, index, s);
      return;
    }
    this.offer(h, rec, index);
  }

  private offer(h: Held, rec: LogRecord, index: number): void {
    const t = rec.receivedAt;
    const o = this.options;
    if (t - h.lastAt > o.windowMs || t - h.firstAt > o.maxSpanMs) {
      // Too late to continue: the message ended when its window passed, exactly as
      // flushBefore(t) would have ended it; this line plays no part in that.
      this.finish(h, false);
      const s = startOf(rec.message, o.levelLines);
      if (s !== Start.none) this.start(h.sid, rec, index, s);
      return;
    }
    const bytes = this.holdable(rec.message);
    const v = bytes < 0 ? Verdict.end : step(h.machine, rec.message, o.levelLines);
    if (v === Verdict.end) {
      this.endBy(h, rec, index);
      return;
    }
    const ref: LineRef = { entry: this.ensureEntry(), index, rec, bytes };
    this.attach(h, ref.entry);
    h.lastAt = t;
    if (v === Verdict.blank) {
      h.blanks.push(ref);
      return;
    }
    let lines = h.lines.length + 1;
    let total = h.bytes + 1 + bytes;
    for (const b of h.blanks) {
      lines++;
      total += 1 + b.bytes;
    }
    if (lines > o.maxLines || total > o.maxBytes) {
      this.cut(h, ref);
      return;
    }
    for (const b of h.blanks) h.lines.push(b);
    h.bytes = total;
    h.blanks = [];
    h.lines.push(ref);
  }

  /**
   * `rec` ends `h` by its shape: its unit is written with `h`'s group (groups.ts). If it
   * begins a message itself, that message is in the same group: a *chain* of messages
   * (consecutive traces, ERROR lines) is one group. A chain spans at most maxSpanMs, so no
   * line waits much longer than that: past it, the line that would begin the next message
   * is stored alone, and the stream starts afresh with the line after it.
   */
  private endBy(h: Held, rec: LogRecord, index: number): void {
    this.attach(h, this.ensureEntry());
    this.finish(h, false);
    const s = startOf(rec.message, this.options.levelLines);
    if (s === Start.none) return;
    if (rec.receivedAt - h.chainAt > this.options.maxSpanMs) {
      this.counters.chainCuts++;
      return;
    }
    const next = this.start(h.sid, rec, index, s);
    if (next !== null) next.chainAt = h.chainAt;
  }

  /** The message is full: written as a piece; its held blanks and `ref` begin the next. */
  private cut(h: Held, ref: LineRef): void {
    if (h.piece === 0) h.piece = 1;
    const rest = [...h.blanks, ref];
    h.blanks = [];
    this.finish(h, false);
    const next = new Held(h.sid, h.machine, rest[0]!, h.piece + 1);
    for (let i = 1; i < rest.length; i++) {
      next.lines.push(rest[i]!);
      next.bytes += 1 + rest[i]!.bytes;
    }
    // The pieces are one message for the time limits: all of it within maxSpanMs.
    next.firstAt = h.firstAt;
    next.chainAt = h.chainAt;
    next.lastAt = ref.rec.receivedAt;
    this.counters.pieces++;
    this.hold(next);
  }

  private start(sid: StreamId, rec: LogRecord, index: number, s: StartKind): Held | null {
    const bytes = this.holdable(rec.message);
    if (bytes < 0) return null;
    if (this.held.size >= this.options.maxHeldStreams)
      this.force(this.held.oldest()!.group(), rec.receivedAt);
    const ref: LineRef = { entry: this.ensureEntry(), index, rec, bytes };
    this.counters.held++;
    const h = new Held(sid, begin(s, rec.message), ref, 0);
    this.hold(h);
    return h;
  }

  private hold(h: Held): void {
    h.group().held.add(h);
    this.held.add(h);
  }

  /** UTF-8 bytes of a line that may be held, or -1: a line with "\n" or over maxBytes never is. */
  private holdable(text: string): number {
    const max = this.options.maxBytes;
    if (text.length > max || text.includes('\n')) return -1;
    const bytes = Buffer.byteLength(text);
    return bytes > max ? -1 : bytes;
  }

  // ---- messages and groups

  private finish(h: Held, forced: boolean): void {
    const g = h.group();
    g.held.delete(h);
    this.held.delete(h);
    if (g.held.size === 0) this.closed.push(g);
    if (forced) this.counters.forced++;
    const lines = h.lines;
    if (lines.length === 1 && h.piece === 0 && !forced) {
      this.counters.single++;
      return;
    }
    if (lines.length >= 2) {
      this.counters.joined++;
      this.counters.joinedLines += lines.length;
    }
    const first = lines[0]!;
    const rec = joinedRecord(
      lines.map((l) => l.rec),
      { kind: h.machine.kind, piece: h.piece, forced },
    );
    (first.entry.replace ??= new Map()).set(first.index, rec);
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i]!;
      (l.entry.removed ??= new Set()).add(l.index);
    }
  }

  /**
   * Closes every message of `g` (a bound was reached at time `now`). One whose window had
   * passed by `now` ends as it would have at a flushBefore; the others are marked forced.
   */
  private force(g: Group, now: number): void {
    const { windowMs, maxSpanMs } = this.options;
    for (const m of [...g.held]) {
      const h = m as Held;
      this.finish(h, now - h.lastAt <= windowMs && now - h.firstAt <= maxSpanMs);
    }
  }

  /** Past maxHeldBytes, the oldest groups are written (collect() then frees them). */
  private boundMemory(now: number): void {
    let chars = this.heldChars;
    for (const g of this.open) {
      if (chars <= this.options.maxHeldBytes) break;
      if (g.held.size > 0) this.force(g, now);
      chars -= g.chars;
    }
  }

  private ensureEntry(): UnitEntry {
    if (this.entry !== null) return this.entry;
    const unit = this.unit!;
    const g = new Group();
    const size = unitSize(unit);
    const e: UnitEntry = {
      seq: this.seq,
      unit,
      group: g,
      replace: null,
      removed: null,
      chars: size.chars,
      firstAt: size.firstAt,
      lastAt: size.lastAt,
    };
    g.add(e);
    this.open.add(g);
    this.heldChars += e.chars;
    this.entry = e;
    return e;
  }

  /** `entry`'s unit is written with `h`'s message. */
  private attach(h: Held, entry: UnitEntry): void {
    const a = h.group();
    const b = entry.group;
    if (a === b) return;
    const big = Group.merge(a, b);
    this.open.delete(big === a ? b : a);
  }

  /** The ready groups among those closed lately, oldest first. */
  private collect(): ReadyGroup[] {
    if (this.closed.length === 0) return [];
    const ready: Group[] = [];
    for (const g of this.closed) {
      if (g.dead || g.held.size > 0 || !this.open.has(g)) continue;
      this.open.delete(g);
      this.heldChars -= g.chars;
      ready.push(g);
    }
    this.closed = [];
    // By last unit, so units go to the writer as close to sequence order as groups allow.
    ready.sort(
      (a, b) => a.entries[a.entries.length - 1]!.seq - b.entries[b.entries.length - 1]!.seq,
    );
    return ready.map((g) => g.output());
  }

  /** A unit with a forward chunk id is joined within itself only (see below). */
  private joinWithin(unit: WriteUnit, seq: number): ReadyGroup[] {
    // The writer skips a whole unit whose chunk is already stored (a resent request): a
    // message spanning it and another unit could lose or double lines, so such a unit
    // neither continues nor ends messages of other units; its own lines are joined.
    const levels = this.options.levelLines;
    if (!unit.records.some((r) => startOf(r.message, levels) !== Start.none))
      return [alone(unit, seq)];
    const local = new MultilineJoiner(this.options);
    const out = local.push({ ...unit, chunk: undefined }, seq).concat(local.drain());
    for (const g of out) g.units = g.units.map((u) => ({ ...u, chunk: unit.chunk }));
    unit.seq = seq;
    return out;
  }
}
