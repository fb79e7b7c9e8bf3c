/**
 * The viewer's security rests on two habits (issue 5, point 8): untrusted text only ever
 * goes into the page as text, and the page needs nothing a strict Content-Security-Policy
 * forbids. This test reads the sources and fails on the first HTML sink, eval-like call,
 * inline script, inline style or inline event handler.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const web = path.resolve(import.meta.dirname, '../../../web');
const sources = readdirSync(path.join(web, 'src'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ f, text: readFileSync(path.join(web, 'src', f), 'utf8') }));

const SINKS = [
  /\.innerHTML\b/,
  /\.outerHTML\b/,
  /insertAdjacentHTML/,
  /document\.write/,
  /\beval\s*\(/,
  /new\s+Function\s*\(/,
  /createContextualFragment/,
  /DOMParser/,
  /setAttribute\(\s*['"]style['"]/,
  /setAttribute\(\s*['"]on/i,
  /\.srcdoc\b/,
];

describe('viewer sources', () => {
  it('found the sources', () => {
    expect(sources.length).toBeGreaterThan(10);
  });

  for (const { f, text } of sources) {
    it(`${f} has no HTML sink or eval`, () => {
      for (const sink of SINKS) expect(text, `${f} matches ${sink}`).not.toMatch(sink);
    });
  }
});

describe('index.html under a strict CSP', () => {
  const html = readFileSync(path.join(web, 'index.html'), 'utf8');

  it('every script is an external file and there is no inline script', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc=/);
      expect(body!.trim()).toBe('');
    }
  });

  it('no <style> element, style attribute, event handler attribute or javascript: URL', () => {
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
  });
});
