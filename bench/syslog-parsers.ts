/**
 * Which syslog parser to run in production: ours (collector/syslog/parse.ts) against the
 * maintained npm parsers nsyslog-parser and glossy, on
 *
 *  1. correctness: the test-vector table of test/unit/syslog/vectors.ts (RFC 5424 6.5 and
 *     RFC 3164 5.4 examples, Docker's four formats, logger, rsyslog, edge cases), field
 *     by field;
 *  2. the 54 lines of the Docker 20.10 captures (test/fixtures/docker-20.10): host,
 *     tag, pid and text, checked against a regular expression per format;
 *  3. speed: lines/s on each Docker syslog-format and on logger rfc5424 lines with
 *     structured data, fed as Buffers as the listeners get them (the other parsers take
 *     strings, so their time includes Buffer#toString).
 *
 *   npx tsx bench/syslog-parsers.ts
 *
 * Mapping of the other parsers' output is generous: "-" and undefined count as null, an
 * empty structured-data list as none, times compare at millisecond precision (the best a
 * Date holds); fields a vector leaves to the arrival time are not scored. They cannot be
 * given a zone, so zone-less times are read in UTC here (TZ=UTC) for all three.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseSyslog } from '../collector/syslog/parse.js';
import type { StructuredData } from '../collector/syslog/message.js';
import { RECEIVED_AT, VECTORS, asExpected, type Expected } from '../dev/syslog-vectors.js';

// The other parsers read zone-less times in the process zone (read at each Date call).
process.env.TZ = 'UTC';
const require = createRequire(import.meta.url);
const nsyslog: unknown = require('nsyslog-parser');
const glossy: unknown = require('glossy');

type Fields = Omit<Expected, 'format' | 'time'> & { timeMs: number | null };
interface Parser {
  /** The parser as production would call it, for the speed table. */
  raw: (line: Buffer, receivedAt: number) => unknown;
  /** Its output mapped to the vectors' fields, for the correctness table. */
  fields: (line: Buffer, receivedAt: number, timezone: string) => Fields;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;
const nilToNull = (x: unknown): string | null =>
  typeof x === 'string' && x !== '-' ? x : typeof x === 'number' ? String(x) : null;
const priOf = (x: unknown): number | null =>
  typeof x === 'number' && Number.isInteger(x) ? x : null;
const msOf = (x: unknown): number | null =>
  x instanceof Date && !Number.isNaN(x.getTime()) ? x.getTime() : null;

function sdOf(x: unknown): StructuredData | null {
  const out: StructuredData = {};
  const add = (id: string, params: Record<string, unknown>) => {
    const el: Record<string, string> = {};
    for (const [k, v] of Object.entries(params))
      if (k !== '$id' && typeof v === 'string') el[k] = v;
    out[id] = el;
  };
  if (Array.isArray(x)) {
    for (const e of x) if (isRecord(e) && typeof e.$id === 'string') add(e.$id, e);
  } else if (isRecord(x)) {
    for (const [id, params] of Object.entries(x)) if (isRecord(params)) add(id, params);
  }
  return Object.keys(out).length ? out : null;
}

function call(self: unknown, fn: unknown, line: string): Record<string, unknown> {
  if (typeof fn !== 'function') throw new Error('parser not loaded');
  const r: unknown = fn.call(self, line);
  return isRecord(r) ? r : {};
}

const glossyParser = isRecord(glossy) ? glossy.Parse : undefined;
const glossyParse = isRecord(glossyParser) ? glossyParser.parse : undefined;

const PARSERS: Record<string, Parser> = {
  logharbor: {
    raw: (line, receivedAt) => parseSyslog(line, { receivedAt, timezone: 'UTC' }),
    fields: (line, receivedAt, timezone) => {
      const e = asExpected(parseSyslog(line, { receivedAt, timezone }));
      const timeMs = e.time === null ? null : Math.floor(Date.parse(e.time.slice(0, 23) + 'Z'));
      return { ...e, timeMs };
    },
  },
  'nsyslog-parser 0.10.1': {
    raw: (line) => call(undefined, nsyslog, line.toString('utf8')),
    fields: (line) => {
      const r = call(undefined, nsyslog, line.toString('utf8'));
      return {
        pri: priOf(r.prival),
        timeMs: msOf(r.ts),
        hostname: nilToNull(r.host),
        appName: nilToNull(r.appName),
        procId: nilToNull(r.pid),
        msgId: nilToNull(r.messageid),
        structuredData: sdOf(r.structuredData),
        message: typeof r.message === 'string' ? r.message : '',
      };
    },
  },
  'glossy 0.1.7': {
    raw: (line) => call(glossyParser, glossyParse, line.toString('utf8')),
    fields: (line) => {
      const r = call(glossyParser, glossyParse, line.toString('utf8'));
      return {
        pri: priOf(r.prival),
        timeMs: msOf(r.time),
        hostname: nilToNull(r.host),
        appName: nilToNull(r.appName),
        procId: nilToNull(r.pid),
        msgId: nilToNull(r.msgID),
        structuredData: sdOf(r.structuredData),
        message: typeof r.message === 'string' ? r.message : '',
      };
    },
  },
};

const FIELDS = [
  'pri',
  'time',
  'hostname',
  'appName',
  'procId',
  'msgId',
  'structuredData',
  'message',
] as const;
type Field = (typeof FIELDS)[number];

function fieldOk(field: Field, got: Fields, want: Expected): boolean | null {
  if (field === 'time') {
    if (want.time === null) return null;
    return got.timeMs === Math.floor(Date.parse(want.time.slice(0, 23) + 'Z'));
  }
  return JSON.stringify(got[field]) === JSON.stringify(want[field]);
}

function correctness(): void {
  console.log(`\nCorrectness on ${VECTORS.length} vectors (test/unit/syslog/vectors.ts)\n`);
  const header = ['parser', 'all fields', ...FIELDS];
  const rows: string[][] = [];
  const misses: string[] = [];
  for (const [name, parse] of Object.entries(PARSERS)) {
    const right = Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<Field, number>;
    const scored = { ...right };
    let whole = 0;
    for (const v of VECTORS) {
      const line = typeof v.line === 'string' ? Buffer.from(v.line) : v.line;
      let got: Fields;
      try {
        got = parse.fields(line, v.receivedAt ?? RECEIVED_AT, v.timezone ?? 'UTC');
      } catch (err) {
        misses.push(`  ${name}: ${v.name}: threw ${String(err)}`);
        got = {
          pri: null,
          timeMs: null,
          hostname: null,
          appName: null,
          procId: null,
          msgId: null,
          structuredData: null,
          message: '',
        };
      }
      let all = true;
      const wrong: string[] = [];
      for (const f of FIELDS) {
        const ok = fieldOk(f, got, v.expect);
        if (ok === null) continue;
        scored[f]++;
        if (ok) right[f]++;
        else {
          all = false;
          wrong.push(f);
        }
      }
      if (all) whole++;
      else misses.push(`  ${name}: ${v.name}: ${wrong.join(', ')}`);
    }
    rows.push([
      name,
      `${whole}/${VECTORS.length}`,
      ...FIELDS.map((f) => `${right[f]}/${scored[f]}`),
    ]);
  }
  printTable(header, rows);
  console.log('\nVectors missed (fields wrong):');
  console.log(misses.join('\n'));
}

const DOCKER_DIR = path.resolve(import.meta.dirname, '../test/fixtures/docker-20.10');

/**
 * Every line of the Docker 20.10 syslog captures, with the fields read by a regular
 * expression per format (independent of any parser): host, tag, pid, text.
 */
function dockerCaptureLines(): [Buffer, (string | null)[]][] {
  const out: [Buffer, (string | null)[]][] = [];
  for (const file of readdirSync(DOCKER_DIR).filter((f) => f.startsWith('syslog-'))) {
    const text = readFileSync(path.join(DOCKER_DIR, file), 'latin1');
    for (const raw of text.split('\n').filter(Boolean)) {
      const line = raw.replace(/^\d+ /, ''); // the tls file's octet counts
      const bsd = /^<\d+>\w{3} [ \d]\d \d\d:\d\d:\d\d (?:(\S+) )?(\S+)\[(\d+)\]: (.*)$/.exec(line);
      const ietf = /^<\d+>1 \S+ (\S+) (\S+) (\d+) \S+ - (.*)$/.exec(line);
      const m = bsd ?? ietf;
      if (!m) throw new Error(`unexpected capture line ${line}`);
      out.push([
        Buffer.from(line, 'latin1'),
        [m[1] ?? null, m[2] ?? null, m[3] ?? null, m[4] ?? null],
      ]);
    }
  }
  return out;
}

function dockerCaptures(): void {
  const lines = dockerCaptureLines();
  console.log(
    `\nDocker 20.10 captures: ${lines.length} lines (4 syslog-formats over udp, tcp, tcp+tls)\n`,
  );
  const rows = Object.entries(PARSERS).map(([name, parse]) => {
    const right = [0, 0, 0, 0, 0];
    for (const [line, want] of lines) {
      const f = parse.fields(line, RECEIVED_AT, 'UTC');
      const got = [f.hostname, f.appName, f.procId, f.message];
      got.forEach((g, i) => {
        if (g === want[i]) right[i] = (right[i] ?? 0) + 1;
      });
      if (got.every((g, i) => g === want[i])) right[4] = (right[4] ?? 0) + 1;
    }
    return [name, ...right.map((n) => `${n}/${lines.length}`)];
  });
  printTable(['parser', 'host', 'tag', 'pid', 'text', 'all four'], rows);
}

function dockerMicro(i: number): string {
  const us = String(100000 + (i % 900000)).padStart(6, '0');
  return `<${i % 3 ? 30 : 27}>1 2026-11-28T06:23:49.${us}Z vm 157244bf82aa 29811 157244bf82aa - 10.0.0.${i % 255} - - [28/Nov/2026:06:23:49 +0000] "GET /api/v1/items/${i} HTTP/1.1" 200 ${i % 5000} "-" "curl/8.5.0"\n`;
}
function dockerRfc5424(i: number): string {
  return `<${i % 3 ? 30 : 27}>1 2026-11-28T06:23:${String(i % 60).padStart(2, '0')}Z vm 157244bf82aa 29811 157244bf82aa - 10.0.0.${i % 255} - - [28/Nov/2026:06:23:49 +0000] "GET /api/v1/items/${i} HTTP/1.1" 200 ${i % 5000}\n`;
}
function dockerRfc3164(i: number): string {
  return `<${i % 3 ? 30 : 27}>Nov 28 06:23:${String(i % 60).padStart(2, '0')} vm 599aea6725e3[29811]: 10.0.0.${i % 255} - - [28/Nov/2026:06:23:49 +0000] "GET /api/v1/items/${i} HTTP/1.1" 200 ${i % 5000}\n`;
}
function dockerDefault(i: number): string {
  return `<${i % 3 ? 30 : 27}>Nov 28 06:23:${String(i % 60).padStart(2, '0')} 599aea6725e3[29811]: 10.0.0.${i % 255} - - [28/Nov/2026:06:23:49 +0000] "GET /api/v1/items/${i} HTTP/1.1" 200 ${i % 5000}\n`;
}
function loggerLine(i: number): string {
  return `<134>1 2026-11-28T06:23:02.${String(i % 1_000_000).padStart(6, '0')}+00:00 vm myapp - MSG1 [timeQuality tzKnown="1" isSynced="0"][test@32473 k="v${i}"] hello from logger ${i}`;
}

const SETS: [string, (i: number) => string][] = [
  ['docker default', dockerDefault],
  ['docker rfc3164', dockerRfc3164],
  ['docker rfc5424', dockerRfc5424],
  ['docker rfc5424micro', dockerMicro],
  ['logger rfc5424 + SD', loggerLine],
];

function speed(): void {
  const N = 20_000;
  const durationMs = Number(process.env.BENCH_MS ?? 1000);
  console.log(
    `\nSpeed: lines/s, ${N} distinct lines per set, ~${durationMs} ms per cell, best of 3\n`,
  );
  const rows: string[][] = [];
  for (const [name, parse] of Object.entries(PARSERS)) {
    const row = [name];
    for (const [, make] of SETS) {
      const lines = Array.from({ length: N }, (_, i) => Buffer.from(make(i)));
      let sink: unknown = null;
      let best = 0;
      for (let round = 0; round < 3; round++) {
        let n = 0;
        const start = performance.now();
        let elapsed = 0;
        while (elapsed < durationMs) {
          for (let i = 0; i < 1000; i++) {
            sink = parse.raw(lines[n % N] as Buffer, RECEIVED_AT);
            n++;
          }
          elapsed = performance.now() - start;
        }
        best = Math.max(best, (n / elapsed) * 1000);
      }
      if (sink === undefined) console.log('no result');
      row.push(Math.round(best).toLocaleString('en-US'));
    }
    rows.push(row);
  }
  const ours = rows[0] ?? [];
  printTable(['parser', ...SETS.map(([s]) => s)], rows);
  console.log('\nRatio logharbor / other (higher is better for logharbor):');
  for (const row of rows.slice(1)) {
    const ratios = row.slice(1).map((v, i) => {
      const a = Number((ours[i + 1] ?? '0').replace(/,/g, ''));
      return `${(a / Number(v.replace(/,/g, ''))).toFixed(1)}x`;
    });
    console.log(`  vs ${row[0]}: ${ratios.join('  ')}`);
  }
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
}

correctness();
dockerCaptures();
speed();
