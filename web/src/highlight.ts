/**
 * What the query matched, marked in the lines (issue 18): the words, phrases and regular
 * expressions of the query that are not negated, found in the text a row shows. Pure:
 * text in, ranges out; ansi-dom.ts turns ranges into <mark> elements built as nodes.
 *
 * The query is read by the same parser the API uses (core/query/), so quoting, `\/` in a
 * regex and `-`/NOT mean here what they mean to the server. Words match as the server
 * matches them: ASCII letters in any case. A regex never runs on V8's backtracking
 * RegExp (a shared link could carry `/(a+)+$/`): its NFA (core/query/regex/nfa.ts) is
 * stepped from each position that can begin a match, keeping the longest end, under a
 * budget of steps per text; past the budget the rest of the text is left unmarked.
 *
 * Matches are found in the text as shown (ANSI codes removed), which is what a reader
 * compares them with; a regex that only matched across an escape code marks nothing.
 */
import type { Node } from '../../core/query/ast.js';
import { parse } from '../../core/query/parser.js';
import { contains, normalize, type CharSet } from '../../core/query/regex/charset.js';
import { AT_START, before, Program } from '../../core/query/regex/nfa.js';
import { parseRegex } from '../../core/query/regex/parse.js';

/** [start, end) in UTF-16 code units, as JavaScript indexes strings. */
export type Range = readonly [start: number, end: number];

export interface Highlighter {
  /** Sorted, non-overlapping, non-empty ranges of `text` to mark. */
  ranges(text: string): Range[];
}

/** NFA states visited per text before the regex search stops. */
export const REGEX_BUDGET = 200_000;
/** Marks per text: a one-letter word in a 100,000-character message makes no more. */
export const MAX_MARKS = 1000;

/** The server's case folding: ASCII letters only (api/query/filter.ts). */
function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : s;
}

interface Pattern {
  prog: Program;
  /** Characters that can begin a match; null when a match may be empty. */
  first: CharSet | null;
}

function collect(node: Node | null, words: string[], patterns: Pattern[]): void {
  if (node === null) return;
  switch (node.type) {
    case 'and':
    case 'or':
      for (const c of node.children) collect(c, words, patterns);
      return;
    case 'not':
      // A negated term matched nothing in the lines shown.
      return;
    case 'text':
      if (node.value !== '') words.push(asciiLower(node.value));
      return;
    case 'regex':
      try {
        const prog = new Program(parseRegex(node.pattern, node.ignoreCase));
        const first = prog.firstChars();
        patterns.push({ prog, first: first === null ? null : normalize(first) });
      } catch {
        // Outside the dialect: the server refuses the query and says where.
      }
      return;
    case 'field':
      return;
  }
}

/** The highlighter for query `q`, or null when it has nothing to mark (or does not parse). */
export function highlighter(q: string): Highlighter | null {
  let ast: Node | null;
  try {
    ast = parse(q).ast;
  } catch {
    return null;
  }
  const words: string[] = [];
  const patterns: Pattern[] = [];
  collect(ast, words, patterns);
  if (words.length === 0 && patterns.length === 0) return null;
  const unique = [...new Set(words)];
  return {
    ranges(text: string): Range[] {
      const found: Range[] = [];
      if (unique.length > 0) wordRanges(text, unique, found);
      const budget = { left: REGEX_BUDGET };
      for (const p of patterns) regexRanges(p, text, budget, found);
      return merge(found);
    },
  };
}

function wordRanges(text: string, words: readonly string[], out: Range[]): void {
  const lower = asciiLower(text);
  for (const w of words) {
    let n = 0;
    for (
      let at = lower.indexOf(w);
      at >= 0 && n < MAX_MARKS;
      at = lower.indexOf(w, at + w.length)
    ) {
      out.push([at, at + w.length]);
      n++;
    }
  }
}

function codePointBefore(s: string, pos: number): number {
  const c = s.charCodeAt(pos - 1);
  if (c >= 0xdc00 && c <= 0xdfff && pos >= 2) return s.codePointAt(pos - 2)!;
  return c;
}

/**
 * The end of the longest match that starts at `start`, or -1. The NFA's states advance
 * together (no backtracking): each character costs at most the program's size.
 */
function longestAt(prog: Program, text: string, start: number, budget: { left: number }): number {
  let states: number[] = [prog.start];
  let prev = start === 0 ? AT_START : before(codePointBefore(text, start));
  let pos = start;
  let last = -1;
  for (;;) {
    const cp = pos < text.length ? text.codePointAt(pos)! : -1;
    const chars: number[] = [];
    budget.left -= prog.close(states, prev, cp, chars, true) + 1;
    if (prog.matched) last = pos;
    if (cp === -1 || chars.length === 0 || budget.left < 0) return last;
    prog.newMarks();
    const next: number[] = [];
    for (const c of chars) {
      const t = prog.next[c]!;
      if (contains(prog.sets[c]!, cp) && prog.visit(t)) next.push(t);
    }
    if (next.length === 0) return last;
    states = next;
    prev = before(cp);
    pos += cp > 0xffff ? 2 : 1;
  }
}

/** Leftmost-longest, non-overlapping, non-empty matches of one pattern. */
function regexRanges(p: Pattern, text: string, budget: { left: number }, out: Range[]): void {
  let pos = 0;
  let n = 0;
  while (pos < text.length && n < MAX_MARKS && budget.left > 0) {
    const cp = text.codePointAt(pos)!;
    if (p.first === null || contains(p.first, cp)) {
      const end = longestAt(p.prog, text, pos, budget);
      if (end > pos) {
        out.push([pos, end]);
        n++;
        pos = end;
        continue;
      }
    }
    pos += cp > 0xffff ? 2 : 1;
  }
}

/** Sorted, with overlapping and touching ranges joined into one. */
export function merge(ranges: Range[]): Range[] {
  if (ranges.length < 2) return ranges;
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out.slice(0, MAX_MARKS);
}
