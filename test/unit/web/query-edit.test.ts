/**
 * Click to filter (web/src/query-edit.ts, issue 18): the terms the page writes read back
 * as the lexer reads them, and adding one to a query narrows it, once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lex } from '../../../core/query/lexer.js';
import { fieldTerm, levelTerm, withTerm } from '../../../web/src/query-edit.js';

describe('terms', () => {
  it('bare where the lexer allows, quoted with its two escapes elsewhere', () => {
    expect(fieldTerm('container', 'shop-web-1')).toBe('container:shop-web-1');
    expect(fieldTerm('host', 'a b')).toBe('host:"a b"');
    expect(fieldTerm('tag', 'say "hi" \\ (now)')).toBe('tag:"say \\"hi\\" \\\\ (now)"');
    expect(fieldTerm('app', '')).toBe('app:""');
    expect(fieldTerm('attrs', '42', ['user', 'id'])).toBe('attrs.user.id:42');
    expect(fieldTerm('attrs', 'shop', ['com.docker.compose.project'])).toBe(
      'attrs."com.docker.compose.project":shop',
    );
    expect(levelTerm(3)).toBe('level:error');
    expect(levelTerm(4)).toBe('level:warning');
    expect(levelTerm(9)).toBeNull();
  });

  it('every term lexes back to one field token with the same path and value', () => {
    const text = fc.string({ maxLength: 20 }).filter((s) => !/[\0\uD800-\uDFFF]/.test(s));
    fc.assert(
      fc.property(
        text,
        fc.array(
          text.filter((s) => s !== ''),
          { maxLength: 3 },
        ),
        (value, path) => {
          const tokens = lex(fieldTerm('attrs', value, path));
          expect(tokens).toHaveLength(2);
          expect(tokens[0]).toMatchObject({ kind: 'field', name: 'attrs', path, op: ':', value });
        },
      ),
    );
  });
});

describe('withTerm', () => {
  it('adds to an empty query, appends to one, excludes with a minus', () => {
    expect(withTerm('', 'level:error', false)).toBe('level:error');
    expect(withTerm('  timeout ', 'level:error', false)).toBe('timeout level:error');
    expect(withTerm('timeout', 'container:web', true)).toBe('timeout -container:web');
  });

  it('a term already there is not added twice; its opposite is replaced', () => {
    expect(withTerm('timeout level:error', 'level:error', false)).toBe('timeout level:error');
    expect(withTerm('timeout -level:error', 'level:error', true)).toBe('timeout -level:error');
    expect(withTerm('timeout level:error x', 'level:error', true)).toBe('timeout x -level:error');
    expect(withTerm('-container:web', 'container:web', false)).toBe('container:web');
    expect(withTerm('NOT host:"a b" y', 'host:"a b"', false)).toBe('y host:"a b"');
    // Phrases keep their inner spacing.
    expect(withTerm('"a  b" level:info', 'level:info', true)).toBe('"a  b" -level:info');
  });

  it('a top-level OR is grouped first, so the term narrows all of it', () => {
    expect(withTerm('a OR b', 'level:error', false)).toBe('(a OR b) level:error');
    // Inside a group or an OR, a same term is a different condition: added anyway.
    expect(withTerm('(level:error OR x)', 'level:error', false)).toBe(
      '(level:error OR x) level:error',
    );
  });

  it('a query that does not lex gets the term appended (the server names its error)', () => {
    expect(withTerm('"unclosed', 'level:error', false)).toBe('"unclosed level:error');
  });
});
