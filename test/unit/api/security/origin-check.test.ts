/**
 * The Origin matcher (issue 15, cross-site websocket hijacking and CSRF) on odd inputs:
 * `null`, paths, userinfo and fragment tricks, default ports, case, IPv6, a proxy's
 * name; and the Fetch Metadata rule for requests that carry no Origin.
 */
import { describe, expect, it } from 'vitest';
import {
  checkOrigin,
  fromAnotherSite,
  parseAllowedOrigins,
  parseOrigin,
  type OriginVerdict,
} from '../../../../api/security/origin-check.js';

const listed = parseAllowedOrigins(['https://logs.example.com', 'http://ui.example:3000']);

/** [Origin header, Host header, verdict]; the allowed list is `listed`. */
const CASES: [string | undefined, string | undefined, OriginVerdict][] = [
  [undefined, '127.0.0.1:8080', 'none'],
  // The page's own origin: the Host it sent the request to, over http or https.
  ['http://127.0.0.1:8080', '127.0.0.1:8080', 'own'],
  ['https://127.0.0.1:8080', '127.0.0.1:8080', 'own'],
  ['HTTP://LOCALHOST:8080', 'localhost:8080', 'own'],
  ['http://localhost.:8080', 'localhost.:8080', 'own'],
  ['http://[::1]:8080', '[::1]:8080', 'own'],
  ['http://[0::1]:8080', '[::1]:8080', 'own'],
  ['http://127.0.0.1', '127.0.0.1:80', 'own'],
  ['https://logs.example.com', 'logs.example.com', 'own'], // a proxy passing the name
  ['http://logs.example.com:8080', 'logs.example.com:8080', 'own'],
  // Another port, host or default port is another origin.
  ['http://127.0.0.1:8081', '127.0.0.1:8080', 'foreign'],
  ['http://127.0.0.1', '127.0.0.1:8080', 'foreign'],
  ['http://localhost:8080', '127.0.0.1:8080', 'foreign'],
  ['http://evil.example', '127.0.0.1:8080', 'foreign'],
  ['http://evil.example:8080', '127.0.0.1:8080', 'foreign'],
  ['http://127.0.0.1:8080', undefined, 'foreign'],
  ['https://logs.example.com:8443', 'logs.example.com', 'foreign'],
  // LOGHARBOR_ALLOWED_ORIGINS: scheme, host and port all count.
  ['https://logs.example.com', '127.0.0.1:8080', 'listed'],
  ['https://LOGS.example.com:443', '127.0.0.1:8080', 'listed'],
  ['http://logs.example.com', '127.0.0.1:8080', 'foreign'],
  ['http://ui.example:3000', '127.0.0.1:8080', 'listed'],
  ['http://ui.example', '127.0.0.1:8080', 'foreign'],
  // Opaque origins: sandboxed frames, data: and file: pages.
  ['null', '127.0.0.1:8080', 'null'],
  ['NULL', '127.0.0.1:8080', 'null'],
  // Not a serialized origin: never own, never listed.
  ['', '127.0.0.1:8080', 'malformed'],
  ['http://127.0.0.1:8080/', '127.0.0.1:8080', 'malformed'],
  ['http://127.0.0.1:8080/api/tail', '127.0.0.1:8080', 'malformed'],
  ['http://127.0.0.1:8080@evil.example', '127.0.0.1:8080', 'malformed'],
  ['http://user@127.0.0.1:8080', '127.0.0.1:8080', 'malformed'],
  ['http://evil.example#@127.0.0.1:8080', '127.0.0.1:8080', 'malformed'],
  ['http://evil.example?@127.0.0.1:8080', '127.0.0.1:8080', 'malformed'],
  ['http://127.0.0.1:8080\\@evil.example', '127.0.0.1:8080', 'malformed'],
  ['http://127.0.0.1:8080, http://evil.example', '127.0.0.1:8080', 'malformed'],
  ['ws://127.0.0.1:8080', '127.0.0.1:8080', 'malformed'],
  ['file://', '127.0.0.1:8080', 'malformed'],
  ['chrome-extension://abcdef', '127.0.0.1:8080', 'malformed'],
  ['127.0.0.1:8080', '127.0.0.1:8080', 'malformed'],
  ['http://[::1', '[::1]:8080', 'malformed'],
  ['http://127.0.0.1:99999', '127.0.0.1:8080', 'malformed'],
];

describe('checkOrigin', () => {
  it.each(CASES)('Origin %j to Host %j -> %s', (origin, host, verdict) => {
    expect(checkOrigin(origin, host, listed)).toBe(verdict);
  });
});

describe('parseOrigin', () => {
  it('fills the default port and lower-cases', () => {
    expect(parseOrigin('HTTPS://Logs.Example.com')).toEqual({
      scheme: 'https',
      host: { name: 'logs.example.com', ip: 0, port: 443 },
    });
    expect(parseOrigin('http://[::1]')?.host).toEqual({ name: '::1', ip: 6, port: 80 });
  });
});

describe('fromAnotherSite (Fetch Metadata, for requests without an Origin)', () => {
  const req = (site?: string, mode?: string, dest?: string) => ({
    'sec-fetch-site': site,
    'sec-fetch-mode': mode,
    'sec-fetch-dest': dest,
  });
  it('refuses another site’s subresource loads, lets links and the page’s own requests in', () => {
    expect(fromAnotherSite('GET', req('cross-site', 'no-cors', 'image'))).toBe(true);
    expect(fromAnotherSite('GET', req('cross-site', 'no-cors', 'script'))).toBe(true);
    expect(fromAnotherSite('GET', req('same-site', 'cors', 'empty'))).toBe(true);
    expect(fromAnotherSite('GET', req('cross-site', 'navigate', 'iframe'))).toBe(true);
    expect(fromAnotherSite('POST', req('cross-site', 'navigate', 'document'))).toBe(true);
    expect(fromAnotherSite('GET', req('cross-site', 'navigate', 'document'))).toBe(false);
    expect(fromAnotherSite('GET', req('same-origin', 'cors', 'empty'))).toBe(false);
    expect(fromAnotherSite('GET', req('none', 'navigate', 'document'))).toBe(false);
    expect(fromAnotherSite('GET', req())).toBe(false);
  });
});
