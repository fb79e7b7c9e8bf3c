import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, parseAddress, parseDuration } from '../../core/config.js';

describe('config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeNull();
    expect(c.httpAddr).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.forwardAddr).toEqual({ host: '127.0.0.1', port: 24224 });
    expect(c.syslogUdpAddr).toEqual({ host: '127.0.0.1', port: 5514 });
    expect(c.syslogTlsAddr).toBeNull();
    expect(c.retentionMs).toBe(7 * 86_400_000);
  });

  it('parses addresses, off and port 0', () => {
    expect(parseAddress('X', 'off')).toBeNull();
    expect(parseAddress('X', '0.0.0.0:0')).toEqual({ host: '0.0.0.0', port: 0 });
    expect(parseAddress('X', ':9000')).toEqual({ host: '127.0.0.1', port: 9000 });
    expect(parseAddress('X', '[::1]:9000')).toEqual({ host: '::1', port: 9000 });
    expect(() => parseAddress('LOGHARBOR_HTTP_ADDR', 'nope')).toThrow(/LOGHARBOR_HTTP_ADDR/);
    expect(() => parseAddress('X', '1.2.3.4:70000')).toThrow(/out of range/);
  });

  it('parses durations', () => {
    expect(parseDuration('X', '15m')).toBe(900_000);
    expect(parseDuration('X', '250ms')).toBe(250);
    expect(parseDuration('X', '30')).toBe(30_000);
    expect(() => parseDuration('LOGHARBOR_RETENTION', 'soon')).toThrow(/LOGHARBOR_RETENTION/);
  });

  it('names the bad variable', () => {
    expect(() => loadConfig({ LOGHARBOR_BATCH_SIZE: 'many' })).toThrow(/LOGHARBOR_BATCH_SIZE/);
    expect(() => loadConfig({ LOGHARBOR_LOG_LEVEL: 'loud' })).toThrow(/LOGHARBOR_LOG_LEVEL/);
    expect(() => loadConfig({ LOGHARBOR_TLS_CERT_FILE: '/x.pem' })).toThrow(
      /LOGHARBOR_TLS_KEY_FILE/,
    );
    expect(() => loadConfig({ LOGHARBOR_FORWARD_USERS: 'a:b' })).toThrow(/LOGHARBOR_SHARED_KEY/);
    expect(() => loadConfig({ LOGHARBOR_SYSLOG_TIMEZONE: 'Mars/Olympus' })).toThrow(
      /LOGHARBOR_SYSLOG_TIMEZONE/,
    );
    expect(loadConfig({ LOGHARBOR_SYSLOG_TIMEZONE: 'Europe/Berlin' }).syslogTimezone).toBe(
      'Europe/Berlin',
    );
  });

  it('reads secrets from NAME_FILE and refuses both', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lh-cfg-'));
    const f = path.join(dir, 'token');
    writeFileSync(f, 's3cret\n');
    expect(loadConfig({ LOGHARBOR_API_TOKEN_FILE: f }).apiToken).toBe('s3cret');
    expect(() => loadConfig({ LOGHARBOR_API_TOKEN_FILE: f, LOGHARBOR_API_TOKEN: 'x' })).toThrow(
      /not both/,
    );
    expect(() => loadConfig({ LOGHARBOR_SHARED_KEY_FILE: path.join(dir, 'missing') })).toThrow(
      /LOGHARBOR_SHARED_KEY_FILE/,
    );
  });

  it('turns TLS syslog on at 6514 when a certificate is given', () => {
    const c = loadConfig({ LOGHARBOR_TLS_CERT_FILE: '/c.pem', LOGHARBOR_TLS_KEY_FILE: '/k.pem' });
    expect(c.syslogTlsAddr).toEqual({ host: '127.0.0.1', port: 6514 });
  });
});
