/**
 * api/query/regex-literals.ts: the literal text every match of a regex contains. One case
 * table for the shapes, and a soundness property against the tail's matcher: whenever a
 * random pattern matches a random message, the message (A-Z lowered) satisfies what
 * requiredText says it must contain.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asciiLower, type Filter } from '../../../api/query/filter.js';
import { requiredText } from '../../../api/query/regex-literals.js';
import { compileRegex } from '../../../api/query/regex/compile.js';
import { parseRegex } from '../../../core/query/regex/parse.js';
import { regexSource } from '../query/arbitraries.js';

const t = (needle: string): Filter => ({ kind: 'text', needle });
const and = (...children: Filter[]): Filter => ({ kind: 'and', children });
const or = (...children: Filter[]): Filter => ({ kind: 'or', children });

const CASES: [pattern: string, ignoreCase: boolean, want: Filter | null][] = [
  ['timeout', false, t('timeout')],
  ['TimeOut', false, t('timeout')],
  ['TimeOut', true, t('timeout')],
  ['[Ee]rror', false, t('error')],
  ['[ab]cde', false, t('cde')],
  ['conn(ection)? refused', false, and(t('conn'), t(' refused'))],
  ['err(or)+ x', false, and(t('err'), t('or'), t(' x'))],
  ['ab{2}c', false, t('abbc')],
  ['ab{2,}c', false, and(t('abb'), t('bc'))],
  ['ab*c', false, and(t('a'), t('c'))],
  ['ab?c', false, and(t('a'), t('c'))],
  ['\\bdisk\\b full$', false, t('disk full')],
  ['^GET /api', false, t('get /api')],
  ['(timeout|deadline) exceeded', false, and(or(t('timeout'), t('deadline')), t(' exceeded'))],
  ['timeout|.*', false, null],
  ['a|b', false, or(t('a'), t('b'))],
  ['\\d+ms', false, t('ms')],
  ['.*', false, null],
  ['[a-z]+', false, null],
  ['(?:abc)*', false, null],
  ['(?:abc){2}', false, t('abc')],
  ['café', false, t('café')],
  ['CAFÉ', true, t('cafÉ')], // only A-Z fold: É stays as written
  ['\\u00e9t\\x65', false, t('éte')],
  ['😀x', false, t('😀x')],
];

describe('regex literals', () => {
  it.each(CASES)('/%s/ (i: %s)', (pattern, ignoreCase, want) => {
    expect(requiredText(parseRegex(pattern, ignoreCase))).toEqual(want);
  });

  function holds(f: Filter | null, text: string): boolean {
    if (f === null) return true;
    switch (f.kind) {
      case 'text':
        return text.includes(f.needle);
      case 'and':
        return f.children.every((c) => holds(c, text));
      case 'or':
        return f.children.some((c) => holds(c, text));
      default:
        throw new Error(`unexpected ${f.kind}`);
    }
  }

  it('is implied by every match of the tail matcher', () => {
    const message = fc.string({
      unit: fc.constantFrom('a', 'b', 'B', 'c', 'é', 'ß', '😀', '1', ' ', '.', '%', '/', '_', 'ä'),
      maxLength: 12,
    });
    let matched = 0;
    fc.assert(
      fc.property(
        regexSource,
        fc.boolean(),
        fc.array(message, { maxLength: 20 }),
        (src, i, msgs) => {
          const tree = parseRegex(src, i);
          const need = requiredText(tree);
          const m = compileRegex(src, i).matcher;
          for (const msg of msgs) {
            if (!m.test(msg)) continue;
            matched++;
            expect(holds(need, asciiLower(msg)), JSON.stringify({ src, i, msg, need })).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
    expect(matched).toBeGreaterThan(100); // the property saw real matches
  });
});
