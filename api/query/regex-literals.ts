/**
 * The literal text a regex match cannot do without, for the trigram skip index
 * (to-block-filter.ts): `/conn(ection)? refused/` matches only messages containing "conn"
 * and " refused", so a block whose filter lacks either cannot hold a match. The answer is
 * a Filter made only of `and`, `or` and `text` nodes (needles lowered as filter.ts lowers
 * words), or null when the pattern requires nothing usable.
 *
 * A literal is a set of one character, or of one ASCII letter in both cases (the `i` flag,
 * charset.ts foldAsciiCase): the skip index folds A-Z, so both read as the lower-case
 * letter. Runs of literals extend through zero-width assertions (`\b`, `^`, `$`) and
 * through the mandatory copies of a repeated literal: `ab{2,}c` requires "abb" and "bc".
 * Everything else ends a run; alternation requires one of its branches.
 */
import { asciiLower, type Filter } from './filter.js';
import type { RegexNode } from '../../core/query/regex/parse.js';

/** The character a set stands for when it is a literal (lowered), else null. */
function literal(node: RegexNode): string | null {
  if (node.t !== 'set') return null;
  const s = node.set;
  if (s.length === 2 && s[0] === s[1]) return asciiLower(String.fromCodePoint(s[0]!));
  // [Xx]: an upper-case ASCII letter and its lower case, as the `i` flag folds them.
  if (s.length === 4 && s[0] === s[1] && s[2] === s[3] && s[0]! >= 0x41 && s[0]! <= 0x5a) {
    if (s[2] === s[0]! + 32) return String.fromCodePoint(s[2]!);
  }
  return null;
}

function flatten(node: RegexNode): RegexNode[] {
  return node.t === 'seq' ? node.items.flatMap(flatten) : [node];
}

function and(parts: Filter[]): Filter | null {
  if (parts.length === 0) return null;
  return parts.length === 1 ? parts[0]! : { kind: 'and', children: parts };
}

function sequence(items: RegexNode[]): Filter | null {
  const parts: Filter[] = [];
  let run = '';
  const flush = (next = '') => {
    if (run !== '') parts.push({ kind: 'text', needle: run });
    run = next;
  };
  for (const item of items) {
    const c = literal(item);
    if (c !== null) {
      run += c;
      continue;
    }
    if (item.t === 'assert') continue; // zero-width: the literals around it stay adjacent
    if (item.t === 'repeat') {
      const rc = literal(item.item);
      if (rc !== null && item.min >= 1) {
        run += rc.repeat(item.min);
        // More copies may follow; the last one still touches what comes next.
        if (item.max > item.min) flush(rc);
        continue;
      }
    }
    flush();
    const inner = requiredText(item);
    if (inner !== null) parts.push(inner);
  }
  flush();
  return and(parts);
}

/** What every match of `node` contains, as and/or/text filters; null when nothing is known. */
export function requiredText(node: RegexNode): Filter | null {
  switch (node.t) {
    case 'set': {
      const c = literal(node);
      return c === null ? null : { kind: 'text', needle: c };
    }
    case 'seq':
      return sequence(flatten(node));
    case 'alt': {
      const alts: Filter[] = [];
      for (const a of node.alts) {
        const r = requiredText(a);
        if (r === null) return null; // one branch needs nothing, so the whole needs nothing
        alts.push(r);
      }
      return { kind: 'or', children: alts };
    }
    case 'repeat':
      return node.min >= 1 ? requiredText(node.item) : null;
    case 'assert':
      return null;
  }
}
