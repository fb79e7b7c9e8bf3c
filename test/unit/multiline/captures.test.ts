/**
 * The real runtimes' traces (test/fixtures/multiline/: Python 3.11, Node 20, OpenJDK 17,
 * Go 1.19, captured by capture.sh), one record per line as Docker delivers them, joined
 * into the records written beside them (captured/<case>.expected.json: line ranges per
 * stream). Pushed one line per unit, in units cut at random, and interleaved at random
 * with another container's lines and with the container's other stream.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LogRecord, Stream } from '../../../core/record.js';
import {
  APP,
  FIXTURES,
  captured,
  cut,
  record,
  run,
  shape,
  streamRecords,
  type Source,
} from './helpers.js';

const CASES = [
  'python-chained',
  'python-deep',
  'python-logged',
  'node-nested',
  'node-rejection',
  'node-rejection-string',
  'java-order-service',
  'go-panic',
  'go-deadlock',
];

interface Expected {
  lines: [number, number];
  kind?: string;
}

function expected(name: string): Record<Stream, Expected[]> {
  return JSON.parse(
    readFileSync(path.join(FIXTURES, 'captured', `${name}.expected.json`), 'utf8'),
  ) as Record<Stream, Expected[]>;
}

const STREAMS: Stream[] = ['stdout', 'stderr'];
const src = (stream: Stream): Source => ({ ...APP, stream });

/** Another container printing between the app's lines: access lines, JSON, its own trace. */
const NEIGHBOUR: Source = {
  containerId: 'beef'.padEnd(64, '2'),
  containerName: 'shop-edge-1',
  stream: 'stdout',
};
const NEIGHBOUR_LINES = [
  '10.0.3.7 - - [24/Nov/2025:16:00:00 +0000] "GET /healthz HTTP/1.1" 200 2 "-" "kube-probe/1.30"',
  '{"level":"info","ts":1764000000.1,"msg":"request completed","status":200}',
  'java.lang.IllegalStateException: neighbour failed',
  '\tat com.example.Edge.route(Edge.java:12)',
  '\tat com.example.Edge.main(Edge.java:5)',
  '  indented line of the neighbour',
  '81.2.69.160 - - [24/Nov/2025:16:00:01 +0000] "POST /api/v1/cart/items HTTP/1.1" 201 88 "-" "okhttp/4.12.0"',
];

/** What each case's streams must come out as. */
function want(name: string, lines: Record<Stream, string[]>) {
  const e = expected(name);
  const out = {} as Record<Stream, { message: string; parts: number; kind: unknown }[]>;
  for (const s of STREAMS) {
    const covered = e[s].flatMap((x) => range(x.lines[0], x.lines[1]));
    expect(covered).toEqual(range(1, lines[s].length)); // the expectation covers every line once
    out[s] = e[s].map((x) => ({
      message: lines[s].slice(x.lines[0] - 1, x.lines[1]).join('\n'),
      parts: x.lines[1] - x.lines[0] + 1,
      kind: x.kind,
    }));
  }
  return out;
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

function got(records: LogRecord[], stream: Stream) {
  return streamRecords(records, src(stream)).map((r, i) => ({
    ...shape([r])[0]!,
    kind: r.attrs?.multiline_kind,
    i,
  }));
}

/** The order of the streams' lines: an interleaving, as a list of which stream goes next. */
type Order = (Stream | 'neighbour')[];

function records(lines: Record<Stream, string[]>, order: Order): LogRecord[] {
  const next = { stdout: 0, stderr: 0, neighbour: 0 };
  return order.map((who, n) => {
    const at = 1_764_000_000_000 + n;
    if (who === 'neighbour')
      return record(NEIGHBOUR, NEIGHBOUR_LINES[next.neighbour++ % NEIGHBOUR_LINES.length]!, n, at);
    return record(src(who), lines[who][next[who]++]!, n, at);
  });
}

function check(name: string, lines: Record<Stream, string[]>, recs: LogRecord[], sizes: number[]) {
  const { records: out } = run(cut(recs, sizes));
  const w = want(name, lines);
  for (const s of STREAMS) {
    const g = got(out, s);
    expect(g.map(({ message, parts, kind }) => ({ message, parts, kind }))).toEqual(w[s]);
  }
  // A joined record has its first line's time and arrival.
  for (const r of out) {
    const first = recs[r.tsNano]!;
    expect(r.receivedAt).toBe(first.receivedAt);
    expect(r.message.startsWith(first.message)).toBe(true);
  }
}

describe('captured traces, one record per line', () => {
  for (const name of CASES) {
    const lines = { stdout: captured(name, 'stdout'), stderr: captured(name, 'stderr') };
    const sequential: Order = [
      ...lines.stderr.map(() => 'stderr' as const),
      ...lines.stdout.map(() => 'stdout' as const),
    ];

    it(`${name}: one line per unit`, () => {
      const recs = records(lines, sequential);
      check(
        name,
        lines,
        recs,
        recs.map(() => 1),
      );
    });

    it(`${name}: several lines per unit, cut at random`, () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { maxLength: 40 }), (sizes) => {
          check(name, lines, records(lines, sequential), sizes);
        }),
        { numRuns: 40 },
      );
    });

    it(`${name}: interleaved with another container and the other stream`, () => {
      // The stream holding the trace keeps its order; the other stream (its captured lines
      // and more) and a neighbour container's lines fall between its lines anywhere.
      const main: Stream = lines.stderr.length > 0 ? 'stderr' : 'stdout';
      const other: Stream = main === 'stderr' ? 'stdout' : 'stderr';
      fc.assert(
        fc.property(
          fc.array(fc.constantFrom<'other' | 'neighbour'>('other', 'neighbour'), {
            minLength: 3,
            maxLength: 30,
          }),
          fc.array(fc.nat(), { minLength: 1, maxLength: 60 }),
          fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 40 }),
          (who, slots, sizes) => {
            const inserts: Order = [
              ...lines[other].map(() => other),
              ...who.map((w) => (w === 'other' ? other : ('neighbour' as const))),
            ];
            const order: Order = lines[main].map(() => main);
            inserts.forEach((w, k) => {
              order.splice(slots[k % slots.length]! % (order.length + 1), 0, w);
            });
            const extra = order.filter((o) => o === other).length - lines[other].length;
            const all = { ...lines, [other]: [...lines[other], ...ordinary(extra)] };
            const { records: out } = run(cut(records(all, order), sizes));
            const w = want(name, lines);
            expect(plain(got(out, main))).toEqual(w[main]);
            const o = got(out, other);
            expect(plain(o.slice(0, w[other].length))).toEqual(w[other]);
            for (const r of o.slice(w[other].length)) expect(r.parts).toBe(1);
            const theirs = out.filter((r) => r.containerId === NEIGHBOUR.containerId);
            // The neighbour's own lines join among themselves, never with the app's.
            for (const r of theirs) expect(r.message).not.toContain('/tmp/app');
          },
        ),
        { numRuns: 40 },
      );
    });
  }
});

const plain = (a: { message: string; parts: number; kind: unknown }[]) =>
  a.map(({ message, parts, kind }) => ({ message, parts, kind }));

/** Ordinary lines for the other stream beyond the captured ones (a web app's access lines). */
function ordinary(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `GET /api/v1/orders/${4100 + i} 200 ${12 + i}ms`);
}
