/**
 * The printer round trip as a property (Loki tests `parse(print(ast)) == ast` the same
 * way): for random trees, including names, paths, values and patterns full of quotes,
 * backslashes, keywords, operators and non-ASCII text.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from '../../../core/query/parser.js';
import { parseQuery, print } from '../../../api/query/index.js';
import { anyAst, validAst } from './arbitraries.js';

describe('printer round trip', () => {
  it('parse(print(ast)) deep-equals ast', () => {
    fc.assert(
      fc.property(anyAst, (ast) => {
        const text = print(ast);
        expect(parse(text).ast).toEqual(ast);
      }),
      { numRuns: 3000 },
    );
  });

  it('printing is idempotent on parsed text', () => {
    fc.assert(
      fc.property(anyAst, (ast) => {
        const once = print(parse(print(ast)).ast);
        expect(print(parse(once).ast)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('every generated valid tree passes validation after printing', () => {
    fc.assert(
      fc.property(validAst, (ast) => {
        expect(() => parseQuery(print(ast))).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});
