/**
 * fast-check generators for the joiner's properties: a few streams (two containers' stdout
 * and stderr, a plain syslog sender) each printing events (ordinary lines, level lines,
 * lines ending in ':', indented and blank lines, and Java, Python, Go and Node traces in
 * small templates), interleaved, with arrival times that sometimes jump past the window.
 */
import fc from 'fast-check';
import type { LogRecord } from '../../../core/record.js';
import { record } from './helpers.js';

export interface Line {
  /** Index into STREAMS. */
  s: number;
  text: string;
  /** ms after the start. */
  at: number;
}

export const STREAMS = [
  { containerId: 'a'.repeat(64), containerName: 'app-1', stream: 'stdout' as const },
  { containerId: 'a'.repeat(64), containerName: 'app-1', stream: 'stderr' as const },
  { containerId: 'b'.repeat(64), containerName: 'worker-1', stream: 'stderr' as const },
];
/** Index of the plain syslog sender (no container: keyed by host, app, pid). */
export const SYSLOG = STREAMS.length;

const word = fc.constantFrom('order', 'cart', 'x', 'payment', 'retry', 'GET /healthz 200');

const ordinary = fc.oneof(
  word.map((w) => `2025-11-24T16:00:00Z INFO ${w}`),
  word.map((w) => `{"level":"error","msg":"${w}"}`),
  word.map((w) => `time=2025 level=warn msg="${w}"`),
  word.map((w) => `10.0.0.1 - - "GET /${w}" 200`),
);

const java = fc
  .tuple(fc.integer({ min: 0, max: 6 }), fc.boolean())
  .map(([n, cause]) => [
    'java.lang.IllegalStateException: boom',
    ...Array.from({ length: n }, (_, i) => `\tat a.B.m${i}(B.java:${i})`),
    ...(cause
      ? ['Caused by: java.io.IOException: reset', '\tat a.C.c(C.java:1)', '\t... 3 more']
      : []),
  ]);
const python = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.boolean()).map(([n, chained]) => {
  const tb = [
    'Traceback (most recent call last):',
    ...Array.from({ length: n }, (_, i) => [
      `  File "/app/x.py", line ${i}, in f`,
      '    f()',
    ]).flat(),
    "KeyError: 'k'",
  ];
  return chained
    ? [...tb, '', 'During handling of the above exception, another exception occurred:', '', ...tb]
    : tb;
});
const go = fc
  .integer({ min: 0, max: 3 })
  .map((n) => [
    'panic: boom',
    '',
    'goroutine 1 [running]:',
    ...Array.from({ length: n }, (_, i) => [
      `main.f${i}(0x1?)`,
      `\t/app/main.go:${i} +0x1d`,
    ]).flat(),
  ]);
const node = fc
  .integer({ min: 0, max: 3 })
  .map((n) => [
    '/app/x.js:3',
    '  throw new Error("boom");',
    '  ^',
    '',
    'Error: boom',
    ...Array.from({ length: n }, (_, i) => `    at f${i} (/app/x.js:${i}:1)`),
    '',
    'Node.js v20.20.2',
  ]);

/** One event of a stream: its lines. */
const event: fc.Arbitrary<readonly string[]> = fc.oneof(
  { arbitrary: ordinary.map((l) => [l]), weight: 8 },
  { arbitrary: fc.constant(['2025-11-24 16:00:00 ERROR [main] failed']), weight: 2 },
  { arbitrary: fc.constant(['Details:']), weight: 1 },
  { arbitrary: fc.constantFrom(['  indented'], ['\tat x.Y.z(Y.java:1)'], ['']), weight: 2 },
  { arbitrary: java, weight: 2 },
  { arbitrary: python, weight: 2 },
  { arbitrary: go, weight: 1 },
  { arbitrary: node, weight: 1 },
  {
    arbitrary: fc.constant(['2025-11-24 16:00:00 SEVERE [main] failed', 'java.lang.Error: x']),
    weight: 1,
  },
);

/** Time steps: mostly within the window, sometimes past it. */
const step = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 5 }), weight: 8 },
  { arbitrary: fc.integer({ min: 100, max: 700 }), weight: 2 },
);

/** Streams' events interleaved line by line: each stream keeps its order. */
export const lines: fc.Arbitrary<Line[]> = fc
  .array(fc.tuple(fc.integer({ min: 0, max: SYSLOG }), event), { minLength: 1, maxLength: 25 })
  .chain((events) => {
    const perStream = new Map<number, string[]>();
    for (const [s, ls] of events) perStream.set(s, [...(perStream.get(s) ?? []), ...ls]);
    const tags = [...perStream].flatMap(([s, ls]) => ls.map(() => s));
    return fc
      .tuple(
        fc.shuffledSubarray(tags, { minLength: tags.length }),
        fc.array(step, { minLength: tags.length, maxLength: tags.length }),
      )
      .map(([order, steps]) => {
        const next = new Map<number, number>();
        let at = 0;
        return order.map((s, i) => {
          const k = next.get(s) ?? 0;
          next.set(s, k + 1);
          at += steps[i]!;
          return { s, text: perStream.get(s)![k]!, at };
        });
      });
  });

export const START = 1_764_000_000_000;

/** Records of the lines; line n is tsNano n (helpers.ts). */
export function toRecords(ls: Line[]): LogRecord[] {
  return ls.map((l, n) => {
    if (l.s < SYSLOG) return record(STREAMS[l.s]!, l.text, n, START + l.at);
    const r = record(STREAMS[0]!, l.text, n, START + l.at);
    return {
      ...r,
      source: 'syslog' as const,
      containerId: null,
      containerName: null,
      stream: null,
      tag: 'billing',
      app: 'billing',
      host: 'db1',
      attrs: { pid: '812' },
    };
  });
}

/** The stream of a record, as a string (for grouping in the checks). */
export function streamKey(r: LogRecord): string {
  return `${r.containerId ?? r.app}/${r.stream}`;
}
