/**
 * The fuzz properties, each defined once, run two ways:
 *
 *   test/unit/fuzz.test.ts   every property for `ciRuns` runs, in CI (seconds);
 *   npm run fuzz             every property for minutes, with a watchdog for hangs
 *                            (test/fuzz/run.ts); a failure prints a regression test.
 *
 * A property is an input generator and a `check` that throws (node:assert) when an
 * invariant breaks. `check` is plain code with no test runner in it, so a counterexample
 * printed by run.ts can be pasted as `fuzzProperty(name).check(<input>)`.
 *
 *   msgpack-scan      forward/: the resumable msgpack scanner
 *   forward-decode    forward/: one request to events
 *   forward-stream    forward/: framer then decoder over a chunked stream
 *   syslog-framer     syslog/framing.ts: RFC 6587 over a chunked stream
 *   syslog-parse      syslog/parse.ts: RFC 5424 / RFC 3164 / unknown
 *   query-parse       api/query: lexer, parser, validation, SQL, predicate, printer
 */
import type fc from 'fast-check';
import { forwardDecode, forwardStream, msgpackScan } from './forward.js';
import { queryParse } from './query.js';
import { syslogFramer, syslogParse } from './syslog.js';

export interface FuzzProperty<T> {
  name: string;
  /** The invariant, in one line, for reports. */
  invariant: string;
  arbitrary: fc.Arbitrary<T>;
  /** Throws when the invariant does not hold for `input`. (A method: bivariant, so the list below can hold every T.) */
  check(input: T): void;
  /** Runs in CI (test/unit/fuzz.test.ts). */
  ciRuns: number;
}

export const PROPERTIES: readonly FuzzProperty<unknown>[] = [
  msgpackScan,
  forwardDecode,
  forwardStream,
  syslogFramer,
  syslogParse,
  queryParse,
];

export function fuzzProperty(name: string): FuzzProperty<unknown> {
  const p = PROPERTIES.find((x) => x.name === name);
  if (!p) throw new Error(`no fuzz property ${name}; known: ${PROPERTIES.map((x) => x.name)}`);
  return p;
}
