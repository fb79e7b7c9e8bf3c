/**
 * The Host matcher (issue 15, DNS rebinding) on odd inputs: case, trailing dots, ports,
 * IPv6 brackets and spellings, v4-mapped socket addresses, names that look like
 * addresses, userinfo and path tricks, no Host at all.
 */
import { describe, expect, it } from 'vitest';
import {
  checkHost,
  localHostName,
  parseAllowedHosts,
  parseHost,
  type HostRule,
  type HostVerdict,
} from '../../../../api/security/host-check.js';

const none: HostRule = { allowed: [] };
const proxy: HostRule = {
  allowed: parseAllowedHosts(['logs.example.com', 'proxy.example.com:8443']),
};

/** [Host header, socket local address, rule, verdict]. */
const CASES: [string | undefined, string | undefined, HostRule, HostVerdict][] = [
  // localhost and loopback addresses, on any port, whatever the socket.
  ['localhost:8080', '127.0.0.1', none, 'allowed'],
  ['localhost:80', undefined, none, 'allowed'], // app.inject()'s default
  ['LOCALHOST:8080', '127.0.0.1', none, 'allowed'],
  ['localhost.:8080', '127.0.0.1', none, 'allowed'],
  ['localhost', '127.0.0.1', none, 'allowed'],
  ['127.0.0.1:8080', '127.0.0.1', none, 'allowed'],
  ['127.0.0.1:9000', '172.18.0.3', none, 'allowed'], // Docker's published port (NAT)
  ['127.0.0.2:8080', '127.0.0.1', none, 'allowed'],
  ['[::1]:8080', '::1', none, 'allowed'],
  ['[0:0:0:0:0:0:0:1]:8080', '::1', none, 'allowed'],
  ['[::ffff:127.0.0.1]:8080', '::ffff:127.0.0.1', none, 'allowed'],
  ['[::FFFF:7F00:1]', '::1', none, 'allowed'],
  // The address the client reached (bound to 0.0.0.0 or ::).
  ['192.168.1.10:8080', '192.168.1.10', none, 'allowed'],
  ['192.168.1.10:8080', '::ffff:192.168.1.10', none, 'allowed'],
  ['192.168.1.10', '192.168.1.10', none, 'allowed'],
  ['192.168.1.10:8080', '10.0.0.1', none, 'foreign'],
  ['192.168.1.10:8080', undefined, none, 'foreign'],
  ['[fe80::1]:8080', 'fe80::1%eth0', none, 'allowed'],
  ['[2001:DB8::1]:8080', '2001:db8:0:0:0:0:0:1', none, 'allowed'],
  ['[2001:db8::2]:8080', '2001:db8::1', none, 'foreign'],
  // Names DNS can point anywhere.
  ['evil.example:8080', '127.0.0.1', none, 'foreign'],
  ['evil.example', '127.0.0.1', none, 'foreign'],
  ['EVIL.example.:8080', '127.0.0.1', none, 'foreign'],
  ['localhost.evil.example:8080', '127.0.0.1', none, 'foreign'],
  ['evil.localhost:8080', '127.0.0.1', none, 'foreign'],
  ['127.0.0.1.evil.example:8080', '127.0.0.1', none, 'foreign'],
  ['127.0.0.1.nip.io:8080', '127.0.0.1', none, 'foreign'],
  // Spellings of 127.0.0.1 a browser never sends (it writes the dotted quad): names here.
  ['2130706433:8080', '127.0.0.1', none, 'foreign'],
  ['127.1:8080', '127.0.0.1', none, 'foreign'],
  ['0x7f000001:8080', '127.0.0.1', none, 'foreign'],
  ['127.000.000.001:8080', '127.0.0.1', none, 'foreign'],
  // Not a Host at all.
  ['127.0.0.1:8080@evil.example', '127.0.0.1', none, 'malformed'],
  ['evil.example@127.0.0.1:8080', '127.0.0.1', none, 'malformed'],
  ['localhost:8080/path', '127.0.0.1', none, 'malformed'],
  ['localhost:8080:80', '127.0.0.1', none, 'malformed'],
  ['localhost:99999', '127.0.0.1', none, 'malformed'],
  ['localhost:', '127.0.0.1', none, 'malformed'],
  ['local host', '127.0.0.1', none, 'malformed'],
  ['::1', '::1', none, 'malformed'],
  ['[::1', '::1', none, 'malformed'],
  ['[localhost]', '127.0.0.1', none, 'malformed'],
  ['evil..example', '127.0.0.1', none, 'malformed'],
  ['.', '127.0.0.1', none, 'malformed'],
  ['localhost\u0000', '127.0.0.1', none, 'malformed'],
  // No Host: not a browser (HTTP/1.0 probes); Node answers HTTP/1.1 without one itself.
  [undefined, '127.0.0.1', none, 'allowed'],
  ['', '127.0.0.1', none, 'allowed'],
  // LOGHARBOR_ALLOWED_HOSTS: a name alone on any port, name:port on that port only.
  ['logs.example.com', '127.0.0.1', proxy, 'allowed'],
  ['LOGS.example.com.:443', '127.0.0.1', proxy, 'allowed'],
  ['logs.example.com:8080', '172.18.0.3', proxy, 'allowed'],
  ['proxy.example.com:8443', '127.0.0.1', proxy, 'allowed'],
  ['proxy.example.com', '127.0.0.1', proxy, 'foreign'],
  ['proxy.example.com:443', '127.0.0.1', proxy, 'foreign'],
  ['sub.logs.example.com', '127.0.0.1', proxy, 'foreign'],
  ['logs.example.com.evil.example', '127.0.0.1', proxy, 'foreign'],
  ['evil.example', '127.0.0.1', proxy, 'foreign'],
];

describe('checkHost', () => {
  it.each(CASES)('Host %j on socket %s -> %s', (host, local, rule, verdict) => {
    expect(checkHost(host, local, rule)).toBe(verdict);
  });
});

describe('parseHost', () => {
  it('normalises case, the trailing dot, IPv6 spelling and v4-mapped addresses', () => {
    expect(parseHost('Logs.Example.COM.:8443')).toEqual({
      name: 'logs.example.com',
      ip: 0,
      port: 8443,
    });
    expect(parseHost('[0:0::1]')).toEqual({ name: '::1', ip: 6, port: null });
    expect(parseHost('[::ffff:10.0.0.1]:1')).toEqual({ name: '10.0.0.1', ip: 4, port: 1 });
    expect(parseHost('10.0.0.1.')).toEqual({ name: '10.0.0.1', ip: 4, port: null });
  });
});

describe('localHostName', () => {
  it('reads the socket address Node gives', () => {
    expect(localHostName('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(localHostName('fe80::1%eth0')).toBe('fe80::1');
    expect(localHostName('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(localHostName(undefined)).toBeNull();
    expect(localHostName('')).toBeNull();
  });
});
