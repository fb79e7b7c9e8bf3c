/**
 * The command line as an API client: token sources and their precedence, the URL, the
 * runtime guards on what the server sends, and API errors made readable.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiError, asRecords, isRecord, resolveRemote, resolveToken } from '../../../cli/remote.js';
import { parseLimit } from '../../../cli/search.js';
import { tailUrl } from '../../../cli/tail.js';

const record = {
  id: '1',
  ts: '2026-11-28T08:40:22.123456789Z',
  received_at: '2026-11-28T08:40:22.200000Z',
  source: 'syslog',
  host: null,
  container_id: null,
  container_name: null,
  stream: null,
  tag: 'sshd',
  app: 'sshd',
  project: null,
  service: null,
  severity: 6,
  facility: 4,
  message: 'hello',
  attrs: { pid: 42 },
};

describe('cli remote', () => {
  it('takes the token from --token, then the variable, then the file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lh-token-'));
    const file = path.join(dir, 't');
    writeFileSync(file, 'from-file\n');
    expect(resolveToken('flag', { LOGHARBOR_API_TOKEN: 'env' })).toBe('flag');
    expect(resolveToken(undefined, { LOGHARBOR_API_TOKEN: 'env' })).toBe('env');
    expect(resolveToken(undefined, { LOGHARBOR_API_TOKEN_FILE: file })).toBe('from-file');
    expect(resolveToken(undefined, {})).toBeNull();
    expect(() =>
      resolveToken(undefined, { LOGHARBOR_API_TOKEN: 'a', LOGHARBOR_API_TOKEN_FILE: file }),
    ).toThrow(/not both/);
    expect(() =>
      resolveToken(undefined, { LOGHARBOR_API_TOKEN_FILE: path.join(dir, 'missing') }),
    ).toThrow(/ENOENT/);
  });

  it('accepts http and https URLs only, and maps them to ws and wss for the tail', () => {
    expect(() => resolveRemote({ url: 'ftp://x' }, {})).toThrow(/http/);
    expect(() => resolveRemote({ url: 'not a url' }, {})).toThrow(/not a URL/);
    const r = resolveRemote({ url: 'https://logs.example:8443/' }, {});
    expect(tailUrl(r, 'a b', '42')).toBe('wss://logs.example:8443/api/tail?q=a+b&after=42');
    expect(tailUrl(resolveRemote({ url: 'http://127.0.0.1:8080' }, {}), '', null)).toBe(
      'ws://127.0.0.1:8080/api/tail',
    );
  });

  it('checks records field by field', () => {
    expect(isRecord(record)).toBe(true);
    expect(asRecords([record, record])).toHaveLength(2);
    for (const [k, v] of Object.entries({
      id: 1,
      ts: null,
      source: 'kafka',
      stream: 'stdin',
      severity: 1.5,
      message: null,
      attrs: [],
    })) {
      expect(isRecord({ ...record, [k]: v }), k).toBe(false);
    }
    expect(asRecords([record, {}])).toBeNull();
    expect(asRecords('x')).toBeNull();
  });

  it('turns an API error body into a message, with the column marked', () => {
    const e = apiError('level:loud', 400, {
      error: { code: 'LH_QUERY_SYNTAX', message: 'unknown level', column: 7 },
    });
    expect(e.message).toBe('LH_QUERY_SYNTAX: unknown level\n  level:loud\n        ^');
    expect(apiError('', 502, '<html>').message).toBe('the server answered HTTP 502');
  });

  it('wants a positive whole --limit', () => {
    expect(parseLimit('100')).toBe(100);
    for (const bad of ['0', '-1', '1.5', 'ten', ''])
      expect(() => parseLimit(bad)).toThrow(/--limit/);
  });
});
