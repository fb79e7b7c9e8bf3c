/**
 * The dialect's tree as a Thompson NFA (a program of CHAR / SPLIT / assertion states), and
 * the epsilon closure over it. dfa.ts runs it; nothing here backtracks, so no pattern
 * costs more than (text length x states) steps. Repeats are expanded, which is why the
 * state count is capped (limits.ts) before anything is built.
 */
import { QUERY_LIMITS } from '../limits.js';
import type { CharSet } from './charset.js';
import { RegexError, type RegexNode } from './parse.js';

const CHAR = 0;
const SPLIT = 1;
const MATCH = 2;
const START = 3;
const END = 4;
const WORD = 5;
const NOT_WORD = 6;

/** What precedes a position: the start of the text, a non-word or a word character. */
export const AT_START = 0;
export const AFTER_OTHER = 1;
export const AFTER_WORD = 2;
export type Before = typeof AT_START | typeof AFTER_OTHER | typeof AFTER_WORD;

/** [A-Za-z0-9_], the word characters of \b (ASCII, as in PostgreSQL's C locale). */
function isWord(cp: number): boolean {
  return (
    (cp >= 0x30 && cp <= 0x39) ||
    (cp >= 0x41 && cp <= 0x5a) ||
    cp === 0x5f ||
    (cp >= 0x61 && cp <= 0x7a)
  );
}

export function before(cp: number): Before {
  return isWord(cp) ? AFTER_WORD : AFTER_OTHER;
}

/** States `node` compiles to, saturating just past the limit (repeats multiply). */
function size(node: RegexNode): number {
  const cap = QUERY_LIMITS.maxRegexStates + 1;
  switch (node.t) {
    case 'set':
    case 'assert':
      return 1;
    case 'seq':
      return Math.min(
        cap,
        node.items.reduce((n, c) => n + size(c), 0),
      );
    case 'alt':
      return Math.min(cap, node.alts.reduce((n, c) => n + size(c), 0) + node.alts.length - 1);
    case 'repeat': {
      const item = size(node.item);
      const n =
        node.max === Infinity ? item * (node.min + 1) + 1 : item * node.max + node.max - node.min;
      return Math.min(cap, n);
    }
  }
}

class Builder {
  op: number[] = [];
  next: number[] = [];
  alt: number[] = [];
  sets: CharSet[] = [];

  add(op: number, next: number, alt = -1, set: CharSet = []): number {
    this.op.push(op);
    this.next.push(next);
    this.alt.push(alt);
    this.sets.push(set);
    return this.op.length - 1;
  }

  /** Compiles `node` so that it continues at state `next`; returns its entry state. */
  compile(node: RegexNode, next: number): number {
    switch (node.t) {
      case 'set':
        return this.add(CHAR, next, -1, node.set);
      case 'assert': {
        const kind = { start: START, end: END, word: WORD, notword: NOT_WORD }[node.kind];
        return this.add(kind, next);
      }
      case 'seq': {
        let entry = next;
        for (let i = node.items.length - 1; i >= 0; i--)
          entry = this.compile(node.items[i]!, entry);
        return entry;
      }
      case 'alt': {
        let entry = this.compile(node.alts[node.alts.length - 1]!, next);
        for (let i = node.alts.length - 2; i >= 0; i--) {
          entry = this.add(SPLIT, this.compile(node.alts[i]!, next), entry);
        }
        return entry;
      }
      case 'repeat': {
        let entry: number;
        if (node.max === Infinity) {
          const loop = this.add(SPLIT, -1, next);
          this.next[loop] = this.compile(node.item, loop);
          entry = loop;
        } else {
          // x{2,4} = x x (x (x)?)?
          entry = next;
          for (let k = node.min; k < node.max; k++)
            entry = this.add(SPLIT, this.compile(node.item, entry), next);
        }
        for (let k = 0; k < node.min; k++) entry = this.compile(node.item, entry);
        return entry;
      }
    }
  }
}

/** A compiled program plus the scratch space its closure needs (single-threaded use). */
export class Program {
  readonly op: Uint8Array;
  readonly next: Int32Array;
  readonly alt: Int32Array;
  readonly sets: CharSet[];
  readonly start: number;
  private readonly mark: Int32Array;
  private readonly stack: Int32Array;
  private gen = 0;
  /** Whether the last close() with `goOn` reached MATCH. */
  matched = false;

  constructor(node: RegexNode) {
    if (size(node) > QUERY_LIMITS.maxRegexStates) {
      throw new RegexError(
        0,
        `regular expression too large once repeats are expanded (over ${QUERY_LIMITS.maxRegexStates} states)`,
        true,
      );
    }
    const b = new Builder();
    const match = b.add(MATCH, -1);
    this.start = b.compile(node, match);
    this.op = Uint8Array.from(b.op);
    this.next = Int32Array.from(b.next);
    this.alt = Int32Array.from(b.alt);
    this.sets = b.sets;
    this.mark = new Int32Array(this.op.length);
    this.stack = new Int32Array(2 * this.op.length + 2);
  }

  get size(): number {
    return this.op.length;
  }

  /** Starts a fresh visited-set for `close`; `seen` and `visit` share it. */
  newMarks(): void {
    if (++this.gen > 0x3fffffff) {
      this.mark.fill(0);
      this.gen = 1;
    }
  }

  /** Marks `s` visited; false when it already was since the last newMarks(). */
  visit(s: number): boolean {
    if (this.mark[s] === this.gen) return false;
    this.mark[s] = this.gen;
    return true;
  }

  /**
   * Follows SPLIT and assertion states from every state in `from` at a position between
   * `prev` and `next` (next = -1 at the end of the text); appends the CHAR states reached to
   * `out`. Returns the number of states visited (the caller's cost), or -1 on reaching MATCH.
   * With `goOn`, MATCH only sets `matched` and every CHAR state reached is still collected
   * (the page's highlighter extends a match to its longest end that way).
   */
  close(from: ArrayLike<number>, prev: Before, next: number, out: number[], goOn = false): number {
    const { op, stack } = this;
    this.newMarks();
    this.matched = false;
    let sp = 0;
    for (let i = from.length - 1; i >= 0; i--) stack[sp++] = from[i]!;
    let visited = 0;
    while (sp > 0) {
      const s = stack[--sp]!;
      if (!this.visit(s)) continue;
      visited++;
      switch (op[s]) {
        case CHAR:
          out.push(s);
          break;
        case MATCH:
          if (!goOn) return -1;
          this.matched = true;
          break;
        case SPLIT:
          stack[sp++] = this.alt[s]!;
          stack[sp++] = this.next[s]!;
          break;
        case START:
          if (prev === AT_START) stack[sp++] = this.next[s]!;
          break;
        case END:
          if (next === -1) stack[sp++] = this.next[s]!;
          break;
        case WORD:
          if ((prev === AFTER_WORD) !== (next !== -1 && isWord(next))) stack[sp++] = this.next[s]!;
          break;
        case NOT_WORD:
          if ((prev === AFTER_WORD) === (next !== -1 && isWord(next))) stack[sp++] = this.next[s]!;
          break;
      }
    }
    return visited;
  }

  /** Characters that can begin a match, or null when a match may consume nothing. */
  firstChars(): number[] | null {
    const seen = new Set<number>();
    const todo = [this.start];
    const ranges: number[] = [];
    while (todo.length > 0) {
      const s = todo.pop()!;
      if (seen.has(s)) continue;
      seen.add(s);
      const op = this.op[s];
      if (op === MATCH) return null;
      if (op === CHAR) ranges.push(...this.sets[s]!);
      else {
        todo.push(this.next[s]!);
        if (op === SPLIT) todo.push(this.alt[s]!);
      }
    }
    return ranges;
  }
}
