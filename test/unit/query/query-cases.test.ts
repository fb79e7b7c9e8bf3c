/**
 * Runs the case table (cases.ts) through parser, printer and predicate; the SQL back end
 * runs the same samples in test/integration/query-differential.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { LogharborError } from '../../../core/errors.js';
import { parseQuery, print, toPredicate, toSql } from '../../../api/query/index.js';
import { CASES } from './cases.js';
import { rec } from './records.js';

function label(q: string): string {
  const s = JSON.stringify(q);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

describe('query case table', () => {
  for (const c of CASES) {
    it(label(c.query), () => {
      if (c.error) {
        let err: unknown;
        try {
          parseQuery(c.query);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(LogharborError);
        const le = err as LogharborError;
        expect({ code: le.code, column: le.column }).toEqual({
          code: c.error.code,
          column: c.error.column,
        });
        expect(le.status).toBe(400);
        if (c.error.message) expect(le.message).toMatch(c.error.message);
        return;
      }
      const q = parseQuery(c.query);
      if (c.ast !== undefined) expect(q.ast).toEqual(c.ast);
      const printed = print(q.ast);
      expect(printed).toBe(c.printed ?? c.query);
      // Round trip: the canonical text parses back to the same tree.
      expect(parseQuery(printed).ast).toEqual(q.ast);
      // Every valid query compiles to SQL whose placeholders match its values.
      const sql = toSql(q);
      const placeholders = new Set([...sql.text.matchAll(/\$(\d+)/g)].map((x) => Number(x[1])));
      expect(placeholders.size).toBe(sql.values.length);
      const predicate = toPredicate(q);
      for (const s of c.match ?? []) expect(predicate(rec(s)), JSON.stringify(s)).toBe(true);
      for (const s of c.noMatch ?? []) expect(predicate(rec(s)), JSON.stringify(s)).toBe(false);
    });
  }

  it('has unique queries', () => {
    const seen = new Set(CASES.map((c) => c.query));
    expect(seen.size).toBe(CASES.length);
  });
});

describe('toSql', () => {
  it('never puts user text in the SQL text', () => {
    const q = parseQuery(`"'; DROP TABLE logs; --" container:"x'y" attrs."a'b":"c'd" /'/`);
    const sql = toSql(q);
    expect(sql.text).not.toContain('DROP');
    expect(sql.text.replaceAll(`'number'`, '').replaceAll(`'string'`, '')).not.toMatch(
      /x'y|a'b|c'd|DROP/,
    );
    expect(sql.values).toContain("%'; drop table logs; --%");
  });

  it('numbers placeholders from startParam', () => {
    const sql = toSql(parseQuery('a b'), 4);
    expect(sql.text).toBe('(message ILIKE $4 AND message ILIKE $5)');
    expect(sql.values).toEqual(['%a%', '%b%']);
  });

  it('escapes LIKE metacharacters in the parameter value', () => {
    expect(toSql(parseQuery('"50%_\\\\x"')).values).toEqual(['%50\\%\\_\\\\x%']);
    expect(toSql(parseQuery('container:a%*_')).values).toEqual(['a\\%%\\_']);
  });

  it('gives TRUE for the empty query', () => {
    expect(toSql(parseQuery(''))).toEqual({ text: 'TRUE', values: [] });
  });
});
