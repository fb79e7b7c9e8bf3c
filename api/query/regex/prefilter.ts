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
  return node.t === 'set' && width(node.set) <= 2;
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

/** Code points in `set`. */
function width(set: CharSet): number {
  let n = 0;
  for (let i = 0; i < set.length; i += 2) n += set[i + 1]! - set[i]! + 1;
  return n;
}

/** Sets in one run at most (a RegExp with no quantifier: time linear in text x run). */
const MAX_RUN = 32;
/** A run is worth testing when one of its sets is at most this wide (\d is 10, . is all). */
const NARROW_ENOUGH = 64;

/**
 * Every run of consecutive single characters that a match must contain, as RegExps with
 * no quantifier and no alternation: a line missing one cannot match. Wider than
 * requiredRun's (any set, not only narrow ones) and it sees through fixed repeats and
 * the ends of open ones: /\d{3}\.\d+ms/ gives /\d\d\d\.\d/ and /\dms/ (the first and the
 * last digit of \d+ sit next to what precedes and follows it).
 */
export function requiredRuns(node: RegexNode): RegExp[] {
  const runs: CharSet[][] = [];
  let run: CharSet[] = [];
  const end = () => {
    if (run.length >= 2 && run.some((s) => width(s) <= NARROW_ENOUGH)) runs.push(run);
    run = [];
  };
  const push = (set: CharSet) => {
    if (run.length >= MAX_RUN) end();
    run.push(set);
  };
  for (const item of flatten(node)) {
    if (item.t === 'set') push(item.set);
    else if (item.t === 'repeat' && item.item.t === 'set' && item.min >= 1) {
      const set = item.item.set;
      const k = Math.min(item.min, MAX_RUN);
      for (let i = 0; i < k; i++) push(set);
      if (item.max !== item.min) {
        end();
        for (let i = 0; i < k; i++) push(set);
      }
    } else end();
  }
  end();
  return runs.map((r) => new RegExp(r.map(jsClass).join(''), 'u'));
}
