import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeForwardEvent } from '../../../collector/forward/forward-record.js';
import { cleanBytes, cleanString } from '../../../core/normalize/text.js';
import { parseStructuredLine, severityOf } from '../../../core/normalize/structured-line.js';
import { toAttrValue } from '../../../core/normalize/attrs.js';

const ID = '77d719fc4cee1d068f47f8fec26ae7c88c5104f1045efab669533ca0e2332ce6';

describe('Docker fluentd records', () => {
  it('maps the Docker record shape, strips the slash, keeps extras in attrs', () => {
    const { record, partial } = normalizeForwardEvent(
      '77d719fc4cee',
      1_764_310_000,
      123_456_789,
      {
        container_id: ID,
        container_name: '/web1',
        source: 'stderr',
        log: 'hello stderr 1',
        'com.docker.compose.project': 'shop',
        'com.docker.compose.service': 'api',
        DEPLOY_ENV: 'prod',
      },
      null,
    );
    expect(partial).toBeNull();
    expect(record).toMatchObject({
      source: 'forward',
      tag: '77d719fc4cee',
      containerId: ID,
      containerName: 'web1',
      stream: 'stderr',
      project: 'shop',
      service: 'api',
      message: 'hello stderr 1',
      tsSec: 1_764_310_000,
      tsNano: 123_456_789,
      severity: null,
      attrs: {
        'com.docker.compose.project': 'shop',
        'com.docker.compose.service': 'api',
        DEPLOY_ENV: 'prod',
      },
    });
  });

  it('reads partial metadata', () => {
    const { partial } = normalizeForwardEvent(
      't',
      1,
      0,
      {
        container_id: ID,
        log: 'x',
        partial_message: 'true',
        partial_id: 'p1',
        partial_ordinal: '2',
        partial_last: 'false',
      },
      null,
    );
    expect(partial).toEqual({ id: 'p1', ordinal: 2, last: false });
  });

  it("keeps a JSON line's fields in attrs and reads its level", () => {
    const { record } = normalizeForwardEvent(
      't',
      1,
      0,
      { container_id: ID, source: 'stdout', log: '{"level":"error","msg":"boom","user_id":42}' },
      null,
    );
    expect(record.severity).toBe(3);
    expect(record.attrs).toEqual({ level: 'error', msg: 'boom', user_id: 42 });
    expect(record.message).toBe('{"level":"error","msg":"boom","user_id":42}');
  });

  it('cleans NUL and invalid UTF-8 without losing the line, keeping the exact bytes', () => {
    const bytes = Buffer.from([0x61, 0x00, 0x62, 0xff, 0xfe, 0x63]);
    const { record } = normalizeForwardEvent('t', 1, 0, { log: bytes }, null);
    expect(record.message).toBe('a\u2400b\uFFFD\uFFFDc');
    expect(Buffer.from(record.attrs!.raw_base64 as string, 'base64')).toEqual(bytes);
  });

  it('a record without a text field becomes its own JSON message', () => {
    const { record } = normalizeForwardEvent(
      'app',
      1,
      0,
      { user: 'ann', count: 3 },
      'client.example',
    );
    expect(record.message).toBe('{"user":"ann","count":3}');
    expect(record.host).toBe('client.example');
    expect(record.attrs).toEqual({ user: 'ann', count: 3 });
  });
});

describe('text cleaning', () => {
  it('keeps ANSI codes and \\r, replaces NUL', () => {
    expect(cleanBytes(Buffer.from('\x1b[31mred\x1b[0m\r')).text).toBe('\x1b[31mred\x1b[0m\r');
    expect(cleanString('a\0b')).toBe('a\u2400b');
  });

  it('any bytes become a string PostgreSQL text and jsonb accept', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (arr) => {
        const { text } = cleanBytes(Buffer.from(arr));
        expect(text.includes('\0')).toBe(false);
        expect(text.isWellFormed()).toBe(true);
      }),
    );
  });

  it('any string is made well-formed and NUL-free', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const c = cleanString(s);
        expect(c.includes('\0')).toBe(false);
        expect(c.isWellFormed()).toBe(true);
      }),
    );
  });
});

describe('structured lines', () => {
  it.each([
    ['{"level":"warn"}', 4],
    ['{"level":50}', 3],
    ['{"severity":"DEBUG"}', 7],
    ['{"log.level":"info"}', 6],
    ['{"log":{"level":"crit"}}', 2],
    ['level=error msg="disk full" path=/var', 3],
    ['ts=1 lvl=warning', 4],
    ['{"level":"chatty"}', null],
  ])('%s -> severity %s', (line, sev) => {
    expect(parseStructuredLine(line)?.severity ?? null).toBe(sev);
  });

  it('logfmt fields go to attrs, quoted values unescaped', () => {
    expect(parseStructuredLine('level=error msg="disk \\"full\\"" path=/var')?.fields).toEqual({
      level: 'error',
      msg: 'disk "full"',
      path: '/var',
    });
  });

  it('plain lines and arrays are not structured', () => {
    expect(parseStructuredLine('GET / 200')).toBeNull();
    expect(parseStructuredLine('[1,2]')).toBeNull();
    expect(parseStructuredLine('{not json}')).toBeNull();
  });

  it('severityOf maps names and pino numbers', () => {
    expect(severityOf('ERR')).toBe(3);
    expect(severityOf(30)).toBe(6);
    expect(severityOf(60)).toBe(2);
    expect(severityOf('5')).toBe(5);
    expect(severityOf(99)).toBeNull();
  });
});

describe('attrs values', () => {
  it('make any msgpack-decoded value JSON-safe', () => {
    expect(toAttrValue(NaN)).toBeNull();
    expect(toAttrValue(Infinity)).toBeNull();
    expect(toAttrValue(2n ** 64n)).toBe('18446744073709551616');
    expect(toAttrValue(Buffer.from([1, 2]))).toBe('AQI=');
    expect(toAttrValue({ 'k\0': ['a\0'] })).toEqual({ 'k\u2400': ['a\u2400'] });
  });
});

describe('prototype safety', () => {
  it('a JSON line with a __proto__ key stores it as data and pollutes nothing', () => {
    const { record } = normalizeForwardEvent(
      't',
      1,
      0,
      { log: '{"__proto__":{"polluted":1},"level":"info"}' },
      null,
    );
    expect(Object.getPrototypeOf(record.attrs)).toBe(Object.prototype);
    expect(Object.hasOwn(record.attrs!, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(record.attrs))).toEqual(
      JSON.parse('{"__proto__":{"polluted":1},"level":"info"}'),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
