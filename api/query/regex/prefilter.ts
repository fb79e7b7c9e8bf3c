/**
 * Cheap tests that let the tail's NFA (nfa.ts) skip work, each a V8 RegExp with no
 * quantifier and no alternation, so V8 runs it in time linear in the text:
 *
 *   - the "required run": consecutive narrow sets (a literal, or a letter in both cases)
 *     that every match must contain; a line without it cannot match;
 *   - a one-class RegExp over the characters that can begin a match, to jump ahead while
 *     no match is in progress.
 */
import type { CharSet } from '../../../core/query/regex/charset.js';
import type { RegexNode } from '../../../core/query/regex/parse.js';

/** `set` as a V8 class for the `u` flag. */
function jsClass(set: CharSet): string {
  let out = '[';
  for (let i = 0; i < set.length; i += 2) {
    const lo = set[i]!;
    const hi = set[i + 1]!;
    out +=
      lo === hi ? `\\u{${lo.toString(16)}}` : `\\u{${lo.toString(16)}}-\\u{${hi.toString(16)}}`;
  }
  return `${out}]`;
}

function isNarrow(node: RegexNode): node is { t: 'set'; set: CharSet } {
  if (node.t !== 'set') return false;
  let count = 0;
  for (let i = 0; i < node.set.length; i += 2) count += node.set[i + 1]! - node.set[i]! + 1;
  return count <= 2;
}

/** Items of a sequence with nested sequences (from groups) spliced in. */
function flatten(node: RegexNode): RegexNode[] {
  return node.t === 'seq' ? node.items.flatMap(flatten) : [node];
}

/** The longest run of narrow sets at the top level of `node`, as a RegExp, or null. */
export function requiredRun(node: RegexNode): RegExp | null {
  let best: CharSet[] = [];
  let run: CharSet[] = [];
  for (const item of [...flatten(node), null]) {
    if (item !== null && isNarrow(item)) {
      run.push(item.set);
      continue;
    }
    if (run.length > best.length) best = run;
    run = [];
  }
  return best.length === 0 ? null : new RegExp(best.map(jsClass).join(''), 'u');
}

/** A global one-class RegExp that finds the next character in `set`. */
export function classFinder(set: CharSet): RegExp {
  return new RegExp(jsClass(set), 'gu');
}
