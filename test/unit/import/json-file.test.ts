/**
 * The json-file reader (cli/import/json-file.ts): Docker's entries as the 20.10 engine
 * writes them (moby jsonfilelog marshalMessage), malformed lines reported and skipped,
 * invalid UTF-8 kept byte for byte, a torn last line held, and the same entries whatever
 * the reads cut: split at every byte, and one byte at a time.
 */
import { describe, expect, it } from 'vitest';
import { parseRfc3339, type ReadResult } from '../../../cli/import/entry.js';
import { JsonFileReader, MAX_JSON_LINE_BYTES } from '../../../cli/import/json-file.js';

const line = (o: Record<string, unknown>) => `${JSON.stringify(o)}\n`;
const T = '2026-12-07T14:18:13.728699395Z';

/** Entries as the engine wrote them in test/integration/import (a 40,000-byte line is 3 parts). */
const SAMPLE = Buffer.concat([
  Buffer.from(line({ log: 'err\n', stream: 'stderr', time: T })),
  Buffer.from(
    line({ log: 'hello wörld ✓\n', stream: 'stdout', time: '2026-12-07T14:18:13.7287Z' }),
  ),
  Buffer.from(
    line({ log: 'x'.repeat(16384), stream: 'stdout', time: '2026-12-07T14:18:13.730743078Z' }),
  ),
  Buffer.from(
    line({ log: 'x'.repeat(16384), stream: 'stdout', time: '2026-12-07T14:18:13.730743078Z' }),
  ),
  Buffer.from(
    line({
      log: `${'x'.repeat(7232)}\n`,
      stream: 'stdout',
      time: '2026-12-07T14:18:13.730743078Z',
    }),
  ),
  Buffer.from(
    line({
      log: 'with attrs\n',
      stream: 'stdout',
      attrs: { 'com.docker.compose.project': 'shop', tag: 'web/abc' },
      time: '2026-12-07T14:18:14Z',
    }),
  ),
  Buffer.from(line({ log: 'tail no newline', stream: 'stdout', time: '2026-12-07T14:18:15.5Z' })),
]);

function readAll(chunks: Buffer[], start = 0): ReadResult & { offset: number; pending: number } {
  const r = new JsonFileReader(start);
  const out: ReadResult = { entries: [], bad: [] };
  for (const c of chunks) {
    const x = r.push(c);
    out.entries.push(...x.entries);
    out.bad.push(...x.bad);
  }
  return { ...out, offset: r.offset, pending: r.pendingBytes };
}

describe('json-file reader', () => {
  it('reads what the engine writes: stream, time to the nanosecond, the text without its newline, parts, attrs', () => {
    const r = readAll([SAMPLE]);
    expect(r.bad).toEqual([]);
    expect(r.offset).toBe(SAMPLE.length);
    expect(r.entries.map((e) => [e.stream, e.line.length, e.newline])).toEqual([
      ['stderr', 3, true],
      ['stdout', Buffer.byteLength('hello wörld ✓'), true],
      ['stdout', 16384, false],
      ['stdout', 16384, false],
      ['stdout', 7232, true],
      ['stdout', 10, true],
      ['stdout', 15, false],
    ]);
    expect(r.entries[1]!.line.toString()).toBe('hello wörld ✓');
    expect(r.entries[0]).toMatchObject({ sec: 1796653093, nsec: 728699395, attrs: null });
    expect(r.entries[1]).toMatchObject({ nsec: 728700000 });
    expect(r.entries[5]!.attrs).toEqual({ 'com.docker.compose.project': 'shop', tag: 'web/abc' });
    // Byte ranges tile the file.
    let at = 0;
    for (const e of r.entries) {
      expect(e.start).toBe(at);
      at = e.end;
    }
    expect(at).toBe(SAMPLE.length);
  });

  it('gives the same entries however the reads cut the bytes: at every byte, and one byte at a time', () => {
    const whole = readAll([SAMPLE]);
    const strip = (r: ReadResult) => r.entries.map((e) => ({ ...e, line: e.line.toString('hex') }));
    const want = strip(whole);
    // Every cut point of the short lines, and a stride through the long ones.
    for (let i = 0; i <= SAMPLE.length; i += i < 200 || i > SAMPLE.length - 200 ? 1 : 97) {
      const r = readAll([SAMPLE.subarray(0, i), SAMPLE.subarray(i)]);
      expect(strip(r), `cut at ${i}`).toEqual(want);
      expect(r.offset).toBe(SAMPLE.length);
    }
    const bytes = readAll([...SAMPLE].map((b) => Buffer.of(b)));
    expect(strip(bytes)).toEqual(want);
  });

  it('holds a torn last line: offset stays at its start until its newline comes', () => {
    const full = Buffer.from(
      line({ log: 'a\n', stream: 'stdout', time: T }) +
        line({ log: 'b\n', stream: 'stdout', time: T }),
    );
    const cut = full.length - 10;
    const r = new JsonFileReader();
    const first = r.push(full.subarray(0, cut));
    expect(first.entries.map((e) => e.line.toString())).toEqual(['a']);
    expect(r.offset).toBe(full.indexOf('\n') + 1);
    expect(r.pendingBytes).toBe(cut - r.offset);
    const rest = r.push(full.subarray(cut));
    expect(rest.entries.map((e) => e.line.toString())).toEqual(['b']);
    expect(r.pendingBytes).toBe(0);
    expect(r.offset).toBe(full.length);
  });

  it('reports and skips lines that are not entries, keeping the ones around them', () => {
    const good = (s: string) => line({ log: `${s}\n`, stream: 'stdout', time: T });
    const cases: [string, string][] = [
      ['{"log":"a\\n","stream":"stdout","time":"' + T + '"', 'not JSON'],
      ['[1,2]', 'not a JSON object'],
      ['{"stream":"stdout","time":"' + T + '"}', 'no "log" text'],
      ['{"log":"","stream":"stdout","time":"' + T + '"}', 'no "log" text'],
      ['{"log":"a\\n","stream":1,"time":"' + T + '"}', '"stream" is not a string'],
      ['{"log":"a\\n","stream":"stdout"}', 'no "time"'],
      ['{"log":"a\\n","stream":"stdout","time":"yesterday"}', '"time" is not RFC 3339: yesterday'],
      [
        '{"log":"a\\n","stream":"stdout","time":"2026-02-31T00:00:00Z"}',
        '"time" is not RFC 3339: 2026-02-31T00:00:00Z',
      ],
      ['{"log":"a\\n","attrs":[1],"time":"' + T + '"}', '"attrs" is not an object'],
      ['', 'empty line'],
    ];
    const text = good('first') + cases.map(([l]) => `${l}\n`).join('') + good('last');
    const r = readAll([Buffer.from(text)]);
    expect(r.entries.map((e) => e.line.toString())).toEqual(['first', 'last']);
    expect(r.bad.map((b) => b.reason)).toEqual(cases.map(([, why]) => why));
    // Each bad range is exactly its line.
    const b0 = r.bad[0]!;
    expect(text.slice(b0.start, b0.end)).toBe(`${cases[0]![0]}\n`);
    expect(r.offset).toBe(Buffer.byteLength(text));
  });

  it('keeps raw invalid UTF-8 in the text byte for byte (as the fluentd driver would send it); outside a string it is not JSON', () => {
    const raw = Buffer.concat([
      Buffer.from('{"log":"bad \\u00e9 '),
      Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82]),
      Buffer.from(' ✓\\n","stream":"stdout","time":"' + T + '"}\n'),
      Buffer.from('{"log":"x\\n","stream":"stdout",'),
      Buffer.from([0xff]),
      Buffer.from('"time":"' + T + '"}\n'),
    ]);
    for (let i = 0; i <= raw.length; i++) {
      const r = readAll([raw.subarray(0, i), raw.subarray(i)]);
      expect(r.entries).toHaveLength(1);
      expect(r.entries[0]!.line).toEqual(
        Buffer.concat([
          Buffer.from('bad é '),
          Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82]),
          Buffer.from(' ✓'),
        ]),
      );
      expect(r.bad.map((b) => b.reason)).toEqual(['not JSON']);
    }
  });

  it("Docker's own escapes: \\ufffd (how json-file stores an invalid byte), \\u2028, controls, quotes", () => {
    const r = readAll([
      Buffer.from(
        '{"log":"\\ufffd\\u2028\\u0000\\u001b[31m\\"q\\"\\u003c\\r\\n","stream":"stdout","time":"' +
          T +
          '"}\n',
      ),
    ]);
    expect(r.entries[0]!.line.toString()).toBe('\ufffd\u2028\u0000\u001b[31m"q"<\r');
  });

  it('skips a line over the limit up to its newline, whatever the reads', () => {
    const long = `{"log":"${'y'.repeat(MAX_JSON_LINE_BYTES)}\\n","stream":"stdout","time":"${T}"}\n`;
    const text = Buffer.from(long + line({ log: 'after\n', stream: 'stdout', time: T }));
    for (const parts of [
      [text],
      [text.subarray(0, 100), text.subarray(100)],
      [text.subarray(0, long.length - 1), text.subarray(long.length - 1)],
    ]) {
      const r = readAll(parts);
      expect(r.entries.map((e) => e.line.toString())).toEqual(['after']);
      expect(r.bad).toEqual([{ start: 0, end: long.length, reason: 'line longer than 4 MiB' }]);
      expect(r.offset).toBe(text.length);
    }
  });

  it('counts offsets from where it starts (a resumed import)', () => {
    const r = readAll([Buffer.from(line({ log: 'a\n', stream: 'stdout', time: T }))], 1000);
    expect(r.entries[0]).toMatchObject({ start: 1000 });
    expect(r.offset).toBe(1000 + r.entries[0]!.end - 1000);
  });
});

describe('RFC 3339 times as Go writes them', () => {
  it.each([
    ['2026-12-07T14:18:13.728699395Z', 1796653093, 728699395],
    ['2026-12-07T14:18:13.73584521Z', 1796653093, 735845210],
    ['2026-12-07T14:18:13Z', 1796653093, 0],
    ['2026-12-07T15:18:13.5+01:00', 1796653093, 500000000],
    ['2026-12-07T13:48:13.000000001-00:30', 1796653093, 1],
    ['1970-01-01T00:00:00Z', 0, 0],
  ])('%s', (s, sec, nsec) => {
    expect(parseRfc3339(s)).toEqual({ sec, nsec });
  });

  it.each([
    '2026-12-07 14:18:13Z',
    '2026-12-07T14:18:13.1234567890Z',
    '2026-13-01T00:00:00Z',
    '2026-12-07T14:18:13',
  ])('refuses %s', (s) => expect(parseRfc3339(s)).toBeNull());
});
