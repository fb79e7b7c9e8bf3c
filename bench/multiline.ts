/**
 * The multi-line joiner (collector/multiline/) on the benchmark corpus (bench/corpus/: 50
 * containers printing nginx, JSON, logfmt, PostgreSQL, redis and Spring lines, with Java
 * stack traces one line per record as Docker delivers them):
 *
 *   npx tsx bench/multiline.ts [lines] [lines/s]       (200000 lines at 2000 lines/s)
 *
 * 1. Cost per line: units are encoded with the spool's codec and decoded again a chunk at a
 *    time just before they are joined (fresh strings, in cache: as the drain hands them
 *    over), and only the joining is timed. Against a ceiling measured in the same rounds:
 *    a pass-through of the same shape (`(unit, seq) => [{ seqs: [seq], units: [unit] }]`).
 *    Units of 1 record (Docker's fluentd driver: one request per line) and of 32.
 *    With the corpus as it is, and without its stack traces (no line then continues).
 * 2. What is held: lines held for a possible continuation, those held for nothing (the
 *    false holds) and how long, in the corpus's own receivedAt time with `flushBefore` every
 *    100 ms; how many of the corpus's Java traces came out as exactly one record.
 */
import { encodeUnit, decodeUnit } from '../collector/spool/unit-codec.js';
import { startOf } from '../collector/multiline/classify.js';
import { MultilineJoiner, type ReadyGroup } from '../collector/multiline/joiner.js';
import type { MultilineOptions } from '../collector/multiline/options.js';
import type { WriteUnit } from '../collector/writer/unit.js';
import type { LogRecord } from '../core/record.js';
import { Corpus, type CorpusLine } from './corpus/index.js';

const N = Number(process.argv[2] ?? 200_000);
const RATE = Number(process.argv[3] ?? 2000);
const START = 1_764_000_000_000;
const TICK_MS = 100;
const CHUNK = 256;

interface Line {
  c: CorpusLine;
  rec: LogRecord;
}

/**
 * `N` corpus lines, `RATE` a second, receivedAt in arrival order. The corpus hands out an
 * event's lines one per turn of its container; a program writes a stack trace at once and
 * Docker sends its lines back to back, so a trace's lines are moved up behind its first.
 */
function corpus(traces: boolean): Line[] {
  const c = new Corpus(1);
  const raw: CorpusLine[] = [];
  for (let i = 0; raw.length < N * 1.1; i++) raw.push(c.next(START + i * 37));
  const traceOf = new Map<number, number[]>();
  const open = new Map<string, number[]>();
  raw.forEach((l, i) => {
    if (l.format !== 'javaTrace') return open.delete(l.container.id);
    if (l.level === 'error') {
      const t = [i];
      traceOf.set(i, t);
      open.set(l.container.id, t);
    } else open.get(l.container.id)?.push(i);
  });
  const order: CorpusLine[] = [];
  const moved = new Set<number>();
  raw.forEach((l, i) => {
    if (moved.has(i)) return;
    if (l.format === 'javaTrace' && !traces) return;
    for (const k of traceOf.get(i) ?? [i]) {
      moved.add(k);
      order.push(raw[k]!);
    }
  });
  return order.slice(0, N).map((l, n) => {
    const at = START + Math.floor((n * 1000) / RATE);
    const rec: LogRecord = {
      tsSec: Math.floor(at / 1000),
      tsNano: (at % 1000) * 1_000_000,
      receivedAt: at,
      source: 'forward',
      host: null,
      containerId: l.container.id,
      containerName: l.container.name,
      stream: l.stream,
      tag: l.container.id.slice(0, 12),
      app: null,
      project: l.container.name.split('-')[0]!,
      service: l.container.service,
      severity: null,
      facility: null,
      message: l.text,
      attrs: null,
    };
    return { c: l, rec };
  });
}

function units(lines: Line[], size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < lines.length; i += size)
    out.push(encodeUnit({ records: lines.slice(i, i + size).map((l) => l.rec) }));
  return out;
}

type Pusher = {
  push(u: WriteUnit, seq: number): ReadyGroup[];
  flushBefore(ms: number): ReadyGroup[];
};

const passThrough = (): Pusher => ({
  push: (unit, seq) => [{ seqs: [seq], units: [unit] }],
  flushBefore: () => [],
});

/**
 * The flush watermark before each unit: the earliest receivedAt of it and every later one
 * (what the drain knows when nothing is waiting: no later line was received before it).
 */
function watermarks(encoded: Buffer[]): number[] {
  const w = encoded.map((b) => Math.min(...decodeUnit(b).records.map((r) => r.receivedAt)));
  for (let i = w.length - 2; i >= 0; i--) w[i] = Math.min(w[i]!, w[i + 1]!);
  return w;
}

/** ns per line of `make()`'s pusher over the encoded units, only the pushes timed. */
function timeRun(encoded: Buffer[], marks: number[], lines: number, make: () => Pusher): number {
  const p = make();
  let ns = 0;
  let seq = 0;
  let nextTick = START + TICK_MS;
  let sink = 0;
  for (let i = 0; i < encoded.length; i += CHUNK) {
    const chunk = encoded.slice(i, i + CHUNK).map(decodeUnit);
    const t0 = process.hrtime.bigint();
    for (const u of chunk) {
      const at = marks[seq]!;
      if (at >= nextTick) {
        sink += p.flushBefore(at).length;
        nextTick = at + TICK_MS;
      }
      sink += p.push(u, seq++).length;
    }
    ns += Number(process.hrtime.bigint() - t0);
  }
  if (sink < 0) console.log(sink);
  return ns / lines;
}

/** Best of `rounds` rounds, the variants taking turns in each round. */
function race(encoded: Buffer[], lines: number, makers: (() => Pusher)[], rounds = 7): number[] {
  const marks = watermarks(encoded);
  const best = makers.map(() => Infinity);
  for (let r = 0; r < rounds; r++)
    makers.forEach((m, i) => (best[i] = Math.min(best[i]!, timeRun(encoded, marks, lines, m))));
  return best;
}

function classifyCost(lines: Line[]): number {
  const texts = lines.map((l) => l.rec.message);
  let best = Infinity;
  for (let r = 0; r < 7; r++) {
    let ns = 0;
    let sink = 0;
    for (let i = 0; i < texts.length; i += CHUNK) {
      // Fresh copies, as decoded text would be.
      const chunk = texts.slice(i, i + CHUNK).map((t) => Buffer.from(t).toString());
      const t0 = process.hrtime.bigint();
      for (const t of chunk) sink += startOf(t, 'error');
      ns += Number(process.hrtime.bigint() - t0);
    }
    if (sink < 0) console.log(sink);
    best = Math.min(best, ns / texts.length);
  }
  return best;
}

const pct = (a: number[], p: number) =>
  a.length === 0 ? 0 : a.sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * p))]!;

/**
 * What is held and for how long: each record's wait is the clock (the latest receivedAt
 * pushed) when its group came out minus the clock when its first line went in. And the
 * corpus's Java traces that came out as exactly one record.
 */
function quality(lines: Line[], opts: Partial<MultilineOptions>) {
  const j = new MultilineJoiner(opts);
  const pushedAt: number[] = [];
  const joinedWaits: number[] = [];
  const singleWaits: number[] = [];
  const records: LogRecord[] = [];
  let now = START;
  const take = (groups: ReadyGroup[]) => {
    for (const g of groups)
      for (const u of g.units)
        for (const r of u.records) {
          records.push(r);
          const wait = now - pushedAt[r.attrs!.i as number]!;
          if (wait > 0)
            (r.attrs?.multiline_parts === undefined ? singleWaits : joinedWaits).push(wait);
        }
  };
  const marks = lines.map((l) => l.rec.receivedAt);
  for (let i = marks.length - 2; i >= 0; i--) marks[i] = Math.min(marks[i]!, marks[i + 1]!);
  let nextTick = START + TICK_MS;
  lines.forEach((l, seq) => {
    // The clock: the latest time seen; the watermark: no later line was received before it.
    now = Math.max(now, l.rec.receivedAt);
    pushedAt.push(now);
    if (marks[seq]! >= nextTick) {
      take(j.flushBefore(marks[seq]!));
      nextTick = marks[seq]! + TICK_MS;
    }
    take(j.push({ records: [{ ...l.rec, attrs: { i: seq } }] }, seq));
  });
  now += 10_000;
  take(j.flushBefore(now));
  take(j.drain());
  const events = lines.filter((l) => l.c.format === 'javaTrace' && l.c.level === 'error').length;
  const whole = records.filter(
    (r) => r.attrs?.multiline_kind === 'java' && r.message.includes('threw exception\n'),
  ).length;
  return { c: j.counters, joinedWaits, singleWaits, events, whole, records: records.length };
}

const fmt = (n: number, d = 1) => n.toFixed(d);

function main(): void {
  console.log(`# multi-line joiner: ${N} corpus lines at ${RATE} lines/s (receivedAt)\n`);
  for (const traces of [true, false]) {
    const lines = corpus(traces);
    console.log(
      `## ${traces ? 'corpus with its Java stack traces' : 'corpus without stack traces'}\n`,
    );
    console.log(`startOf (classification alone): ${fmt(classifyCost(lines))} ns/line`);
    for (const size of [1, 32]) {
      const enc = units(lines, size);
      const [ceiling, off, on] = race(enc, lines.length, [
        passThrough,
        () => new MultilineJoiner({ enabled: false }),
        () => new MultilineJoiner(),
      ]);
      console.log(
        `units of ${size}: pass-through ceiling ${fmt(ceiling!)} ns/line, joiner off ${fmt(off!)}, ` +
          `joiner on ${fmt(on!)} (on minus ceiling: ${fmt(on! - ceiling!)} ns/line)`,
      );
    }
    for (const levelLines of ['error', 'warn', 'off'] as const) {
      const q = quality(lines, { levelLines });
      const { c } = q;
      console.log(
        `levelLines=${levelLines}: held ${c.held} of ${c.lines} lines (${fmt((100 * c.held) / c.lines, 2)}%), ` +
          `held for nothing ${c.single} (${fmt((100 * c.single) / c.lines, 2)}% of lines), ` +
          `their wait p50 ${pct(q.singleWaits, 0.5)} ms, p99 ${pct(q.singleWaits, 0.99)} ms, max ${pct(q.singleWaits, 1)} ms; ` +
          `joined ${c.joined} records of ${c.joinedLines} lines (wait p50 ${pct(q.joinedWaits, 0.5)} ms, p99 ${pct(q.joinedWaits, 0.99)} ms); ` +
          `Java traces whole: ${q.whole} of ${q.events}; records ${q.records}`,
      );
    }
    console.log('');
  }
}

main();
