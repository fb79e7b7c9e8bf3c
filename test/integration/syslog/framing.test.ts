/**
 * RFC 6587 framing on a real TCP connection to a running logharbor: octet-counted and
 * LF-framed frames mixed on one connection (decided per frame), a bad length resyncing at
 * the next LF without losing what follows, frames past LOGHARBOR_MAX_FRAME_BYTES cut and
 * counted, a connection closed inside a frame; every error counted once per frame in
 * GET /api/sources (listener syslog-tcp) and in /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../../support/harness.js';
import { metric, row, sendTcp, source, storedRows, type Row } from './wire.js';

const MAX_FRAME = 200;
const STAMP = '2026-11-28T06:00:00.123456789Z';

/** An RFC 5424 message (user.info, nanosecond stamp) from `app`. */
const msg = (app: string, text: string): string => `<14>1 ${STAMP} h ${app} - - - ${text}`;
/** RFC 6587 section 3.4.1: "MSG-LEN SP SYSLOG-MSG", the length in octets. */
const octet = (m: string): string => `${Buffer.byteLength(m)} ${m}`;

const expected = (app: string, message: string): Row =>
  row({
    ts: '2026-11-28T06:00:00.123456Z',
    ts_ns: 789,
    host: 'h',
    app,
    tag: app,
    severity: 6,
    facility: 1,
    message,
  });

describe('RFC 6587 framing over TCP', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOGHARBOR_MAX_FRAME_BYTES: String(MAX_FRAME) });
  });
  afterAll(async () => h?.close());

  /** Errors of syslog-tcp as /api/sources and /metrics show them. */
  async function errors(): Promise<{ api: number; metric: number }> {
    const api = Number((await source(h, 'syslog-tcp')).errors);
    return {
      api,
      metric: await metric(h, 'logharbor_decode_errors_total', { listener: 'syslog-tcp' }),
    };
  }

  /** Sends `text` on one connection, then waits for `count` rows of `app`. */
  async function roundTrip(app: string, chunks: string[], count: number): Promise<Row[]> {
    await sendTcp(
      h.port('syslog-tcp'),
      chunks.map((c) => Buffer.from(c)),
    );
    return storedRows(h, `app = '${app}'`, count);
  }

  it('mixes octet counting and LF, CRLF and NUL endings on one connection', async () => {
    const app = 'mixed';
    const before = await errors();
    const stream = [
      octet(msg(app, 'one: counted, no LF (logger)')),
      `${msg(app, 'two: LF')}\n`,
      octet(`${msg(app, 'three: counted with its LF (Docker over TLS)')}\n`),
      // A NUL ends a frame only before a new message, a line end or another NUL: elsewhere
      // it is text (Docker sends a container's NUL bytes as they are).
      `${msg(app, 'four: NUL')}\0`,
      `${msg(app, 'five: CRLF')}\r\n`,
      octet(msg(app, 'six: counted again')),
      `${msg(app, 'seven: last, ended by the connection closing')}`,
    ].join('');
    // Written in pieces of 7 bytes, so frames and length headers span reads.
    const pieces = stream.match(/[^]{1,7}/g)!;
    const rows = await roundTrip(app, pieces, 7);
    expect(rows).toEqual(
      [
        'one: counted, no LF (logger)',
        'two: LF',
        'three: counted with its LF (Docker over TLS)',
        'four: NUL',
        'five: CRLF',
        'six: counted again',
        'seven: last, ended by the connection closing',
      ].map((m) => expected(app, m)),
    );
    expect(await errors()).toEqual(before);
  });

  it('a bad length resyncs at the next LF: the frames after it land, each bad frame counted', async () => {
    const app = 'resync';
    const before = await errors();
    const rows = await roundTrip(
      app,
      [
        [
          octet(msg(app, 'before')),
          // A letter inside the length: not a count, skipped to the next LF.
          `12x4 ${msg(app, 'lost: bad digit')}\n`,
          octet(msg(app, 'between')),
          // Eleven digits: no believable count either.
          `12345678901 ${msg(app, 'lost: too many digits')}\n`,
          `${msg(app, 'after, LF')}\n`,
          octet(msg(app, 'after, counted')),
        ].join(''),
      ],
      4,
    );
    expect(rows).toEqual(
      ['before', 'between', 'after, LF', 'after, counted'].map((m) => expected(app, m)),
    );
    expect(await errors()).toEqual({ api: before.api + 2, metric: before.metric + 2 });
    expect((await source(h, 'syslog-tcp')).last_error).toMatch(/bad or oversized frame/);
  });

  it(`frames over LOGHARBOR_MAX_FRAME_BYTES (${MAX_FRAME}) are cut there, counted, and later frames land`, async () => {
    const app = 'big';
    const before = await errors();
    const longLf = msg(app, `lf ${'a'.repeat(500)}`);
    const longCounted = msg(app, `oc ${'b'.repeat(500)}`);
    const header = msg(app, '');
    const rows = await roundTrip(
      app,
      [
        `${longLf}\n`,
        `${msg(app, 'after the long LF frame')}\n`,
        // Believable (under 64 x the limit): cut, the rest skipped by count; no LF needed.
        octet(longCounted),
        octet(msg(app, 'after the long counted frame')),
        // Beyond belief (64 x the limit): garbage, resynced at the next LF.
        `${64 * MAX_FRAME + 1} ${msg(app, 'lost: absurd length')}\n`,
        `${msg(app, 'after the absurd length')}\n`,
      ],
      5,
    );
    expect(rows).toEqual([
      expected(app, longLf.slice(header.length, MAX_FRAME)),
      expected(app, 'after the long LF frame'),
      expected(app, longCounted.slice(header.length, MAX_FRAME)),
      expected(app, 'after the long counted frame'),
      expected(app, 'after the absurd length'),
    ]);
    expect(await errors()).toEqual({ api: before.api + 3, metric: before.metric + 3 });
  });

  it('a connection closed inside an octet-counted frame: what came is stored, the cut counted', async () => {
    const app = 'cut';
    const before = await errors();
    const frame = octet(msg(app, 'the whole message would be longer'));
    const rows = await roundTrip(
      app,
      [octet(msg(app, 'complete')), frame.slice(0, -' be longer'.length)],
      2,
    );
    expect(rows).toEqual([expected(app, 'complete'), expected(app, 'the whole message would')]);
    expect(await errors()).toEqual({ api: before.api + 1, metric: before.metric + 1 });
  });

  it('no error and no row for a connection that sends nothing, or only line ends', async () => {
    const before = await errors();
    const rowsBefore = (await h.rows()).length;
    await sendTcp(h.port('syslog-tcp'), []);
    await sendTcp(h.port('syslog-tcp'), [Buffer.from('\n\r\n\0\n')]);
    // A marker sent after them on a new connection: once it is stored, theirs would be too.
    const rows = await roundTrip('marker', [`${msg('marker', 'marker')}\n`], 1);
    expect(rows).toEqual([expected('marker', 'marker')]);
    expect((await h.rows()).length).toBe(rowsBefore + 1);
    expect(await errors()).toEqual(before);
  });
});
