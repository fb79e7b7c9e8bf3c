/**
 * The start banner's exposure lines (api/security/exposure.ts) and the settings behind
 * the guard (LOGHARBOR_ALLOWED_HOSTS, LOGHARBOR_ALLOWED_ORIGINS in core/config.ts).
 */
import { describe, expect, it } from 'vitest';
import { exposureWarnings, isLoopbackListen } from '../../../../api/security/exposure.js';
import { loadConfig } from '../../../../core/config.js';

describe('exposureWarnings', () => {
  it('says nothing on loopback, token or not', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(exposureWarnings({ host, hasToken: false, allowedHosts: [] }), host).toEqual([]);
  });

  it('warns when another address has no token, naming the setting', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'myhost']) {
      const lines = exposureWarnings({ host, hasToken: false, allowedHosts: ['logs.example.com'] });
      expect(lines.join('\n')).toMatch(
        /^ {2}WARNING: the API listens on .* without LOGHARBOR_API_TOKEN/,
      );
      expect(lines.join('\n')).toContain('127.0.0.1');
    }
    expect(
      exposureWarnings({ host: '0.0.0.0', hasToken: false, allowedHosts: ['x'] })[0],
    ).toContain('0.0.0.0 (every interface)');
  });

  it('with a token, only says which names browsers may use when none is allowed', () => {
    expect(exposureWarnings({ host: '0.0.0.0', hasToken: true, allowedHosts: ['x'] })).toEqual([]);
    const lines = exposureWarnings({ host: '0.0.0.0', hasToken: true, allowedHosts: [] });
    expect(lines.join('\n')).toContain('LOGHARBOR_ALLOWED_HOSTS');
    expect(lines.join('\n')).not.toContain('WARNING');
  });

  it('tells loopback from the rest', () => {
    expect(isLoopbackListen('127.10.0.1')).toBe(true);
    expect(isLoopbackListen('128.0.0.1')).toBe(false);
    expect(isLoopbackListen('127.evil.example')).toBe(false);
    expect(isLoopbackListen('::')).toBe(false);
  });
});

describe('LOGHARBOR_ALLOWED_HOSTS and LOGHARBOR_ALLOWED_ORIGINS', () => {
  it('are empty by default', () => {
    const c = loadConfig({});
    expect(c.allowedHosts).toEqual([]);
    expect(c.allowedOrigins).toEqual([]);
  });

  it('are comma-separated, trimmed and lower-cased; a trailing dot or slash is dropped', () => {
    const c = loadConfig({
      LOGHARBOR_ALLOWED_HOSTS: ' Logs.Example.com , proxy.example.com.:8443,[::1]:9000,,api',
      LOGHARBOR_ALLOWED_ORIGINS: 'https://Logs.Example.com/, http://ui.example:3000',
    });
    expect(c.allowedHosts).toEqual([
      'logs.example.com',
      'proxy.example.com:8443',
      '[::1]:9000',
      'api',
    ]);
    expect(c.allowedOrigins).toEqual(['https://logs.example.com', 'http://ui.example:3000']);
  });

  it('refuse wildcards, schemes, paths and userinfo, naming the variable', () => {
    for (const bad of [
      '*',
      '*.example.com',
      'http://logs.example.com',
      'logs.example.com/x',
      'a@b',
      '[nope]',
      'x:70000',
    ])
      expect(() => loadConfig({ LOGHARBOR_ALLOWED_HOSTS: bad }), bad).toThrow(
        /LOGHARBOR_ALLOWED_HOSTS/,
      );
    for (const bad of [
      '*',
      'null',
      'logs.example.com',
      'https://logs.example.com/app',
      'https://a@b',
      'ftp://x',
    ])
      expect(() => loadConfig({ LOGHARBOR_ALLOWED_ORIGINS: bad }), bad).toThrow(
        /LOGHARBOR_ALLOWED_ORIGINS/,
      );
  });
});
