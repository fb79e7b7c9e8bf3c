/**
 * Fuzz properties of the syslog path's pure code: RFC 6587 framing (collector/syslog/
 * framing.ts) over a stream cut anywhere, and the message parser (collector/syslog/
 * parse.ts: RFC 5424, RFC 3164, anything else kept whole). Inputs are random bytes,
 * syslog-shaped text, and mutated real captures from Docker and util-linux logger.
 *
 * Neither may throw at all (framing.ts resyncs, parse.ts "never throws").
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { splitPri, arrivalTime } from '../../collector/syslog/message.js';
import { parseSyslog, type SyslogMessage } from '../../collector/syslog/parse.js';
import { SyslogFramer } from '../../collector/syslog/framing.js';
import { SYSLOG_MESSAGES, SYSLOG_STREAMS, SYSLOG_TOKENS } from './corpus.js';
import { mutatedBytes } from './mutate.js';
import type { FuzzProperty } from './properties.js';

interface Framed {
  frames: Buffer[];
  errors: number;
  truncated: number;
}

/** Pushes every chunk then flushes, checking the limit after each step. */
function frameAll(chunks: Buffer[], limit: number): Framed {
  const framer = new SyslogFramer(limit);
  const frames: Buffer[] = [];
  const take = (out: Buffer[]) => {
    for (const f of out) {
      assert.ok(f.length > 0 && f.length <= limit, `frame of ${f.length} bytes, limit ${limit}`);
      frames.push(Buffer.from(f));
    }
  };
  for (const c of chunks) {
    take(framer.push(c));
    assert.ok(framer.pendingBytes <= limit, `pending ${framer.pendingBytes}, limit ${limit}`);
  }
  take(framer.flush());
  assert.equal(framer.pendingBytes, 0, 'flush leaves nothing pending');
  return { frames, errors: framer.errors, truncated: framer.truncated };
}

/** A capture's frames, as a fresh framer finds them before the connection ends. */
const framesOf = (s: Buffer) => new SyslogFramer(64 * 1024).push(s);

export interface SyslogStreamInput {
  /** Whole captures: their frames must come out untouched whatever follows. */
  prefix: Buffer[];
  rest: Buffer;
  /** Offsets (any naturals, taken modulo the length) where TCP cut the stream. */
  cuts: number[];
  limit: number;
}

export const syslogFramer: FuzzProperty<SyslogStreamInput> = {
  name: 'syslog-framer',
  invariant:
    'never throws; frames non-empty and within the limit, pending data too; any chunking gives the frames, errors and truncations of one push; whole captures before junk come out intact',
  arbitrary: fc.oneof(
    // Random chunks under a tiny limit.
    fc
      .tuple(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 100 }),
      )
      .map(([chunks, limit]) => ({
        prefix: [],
        rest: Buffer.concat(chunks),
        cuts: chunks.map((_, i) => chunks.slice(0, i + 1).reduce((a, c) => a + c.length, 0)),
        limit,
      })),
    // Real streams, then a damaged one, cut anywhere.
    fc.record({
      prefix: fc.subarray([...SYSLOG_STREAMS], { maxLength: 3 }),
      rest: mutatedBytes([...SYSLOG_STREAMS, ...SYSLOG_MESSAGES], SYSLOG_TOKENS),
      cuts: fc.uniqueArray(fc.nat(), { maxLength: 12 }),
      limit: fc.constantFrom(8, 64, 200, 64 * 1024),
    }),
  ),
  check({ prefix, rest, cuts, limit }) {
    const stream = Buffer.concat([...prefix, rest]);
    const offsets = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
    // Copies: a frame that kept a view of a chunk the caller reuses would show.
    const chunks = [0, ...offsets].map((o, i) =>
      Buffer.from(stream.subarray(o, offsets[i] ?? stream.length)),
    );
    const whole = frameAll([stream], limit);
    const split = frameAll(chunks, limit);
    assert.deepEqual(
      split.frames.map((f) => f.toString('latin1')),
      whole.frames.map((f) => f.toString('latin1')),
      `frames differ when cut at ${offsets}`,
    );
    assert.deepEqual([split.errors, split.truncated], [whole.errors, whole.truncated]);
    const expected = prefix.flatMap(framesOf);
    if (expected.every((f) => f.length <= limit)) {
      assert.deepEqual(
        whole.frames.slice(0, expected.length).map((f) => f.toString('latin1')),
        expected.map((f) => f.toString('latin1')),
        'whole captures before junk come out intact',
      );
    }
  },
  ciRuns: 500,
};

const CTX = { receivedAt: Date.UTC(2026, 10, 28, 6, 24, 0), timezone: 'Europe/Berlin' };

/** Bytes that look enough like syslog to reach deep into the parsers. */
const syslogish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ...['<', '>', '<13>', '<191>', '<0>', '1 ', '- ', '[', ']', '"', '\\', '=', ' ', ':'],
        ...['[1]:', '\ufeff', '\0', '\n'],
      ),
      fc.constantFrom(
        'Nov 28 06:23:48 ',
        'Feb 29 ',
        '2026-11-28T06:23:49.123456Z ',
        '2026-11-28T06:23:49',
        '+01:00',
        'Z ',
      ),
      fc.string({ maxLength: 8 }),
    ),
    { maxLength: 30 },
  )
  .map((parts) => Buffer.from(parts.join('')));

/** Everything but the Buffer, which is compared by its bytes. */
function comparable(m: SyslogMessage): unknown {
  return { ...m, messageBytes: m.messageBytes.toString('latin1') };
}

export const syslogParse: FuzzProperty<Buffer> = {
  name: 'syslog-parse',
  invariant:
    'never throws; fields in range and consistent (PRI split, version only for RFC 5424, arrival time when none read); message is its bytes as UTF-8; input untouched; a trailing LF changes nothing',
  arbitrary: fc.oneof(
    syslogish,
    fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
    mutatedBytes(SYSLOG_MESSAGES, SYSLOG_TOKENS),
  ),
  check(line) {
    const before = Buffer.from(line);
    const m = parseSyslog(line, CTX);
    assert.ok(line.equals(before), 'the parser changed its input');
    if (m.pri !== null) assert.ok(Number.isInteger(m.pri) && m.pri >= 0 && m.pri <= 191);
    assert.deepEqual([m.facility, m.severity], splitPri(m.pri));
    assert.equal(m.version !== null, m.format === 'rfc5424', 'version iff RFC 5424');
    assert.ok(Number.isSafeInteger(m.tsSec), `tsSec ${m.tsSec}`);
    assert.ok(Number.isInteger(m.tsNano) && m.tsNano >= 0 && m.tsNano < 1e9, `tsNano ${m.tsNano}`);
    if (!m.timeFromMessage) assert.deepEqual([m.tsSec, m.tsNano], arrivalTime(CTX.receivedAt));
    for (const f of [m.hostname, m.appName, m.procId, m.msgId]) {
      assert.ok(f === null || typeof f === 'string');
    }
    assert.equal(typeof m.message, 'string');
    assert.ok(m.messageBytes.length <= line.length);
    assert.equal(m.messageBytes.toString('utf8'), m.message);
    if (m.structuredData !== null) {
      for (const params of Object.values(m.structuredData)) {
        for (const v of Object.values(params)) {
          assert.ok(
            typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')),
          );
        }
      }
    }
    const withLf = parseSyslog(Buffer.concat([line, Buffer.from('\n')]), CTX);
    assert.deepEqual(comparable(withLf), comparable(m), 'a trailing LF changed the message');
  },
  ciRuns: 3000,
};
