/**
 * The tail's regex engine: a Thompson NFA simulated over code points, in time
 * O(message length x states) whatever the pattern. V8's own RegExp backtracks, so a pattern
 * like /(a+)+$/ could stall the process for hours on one line; here it costs what /a+$/
 * costs. Only "is there a match" is computed, so there are no captures and no priorities.
 *
 * Speed for the common case comes from skipping: while no match is in progress the scan
 * jumps to the next character that can begin one (the "first" set), much as indexOf does.
 */
import { QUERY_LIMITS } from '../limits.js';
import { contains, normalize, type CharSet } from './charset.js';
import { RegexError, type RegexNode } from './parse.js';

const CHAR = 0;
const SPLIT = 1;
const MATCH = 2;
const START = 3;
const END = 4;
const WORD = 5;
const NOT_WORD = 6;

/** States `node` compiles to, saturating just past the limit (repeats multiply). */
function size(node: RegexNode): number {
  const cap = QUERY_LIMITS.maxRegexStates + 1;
  switch (node.t) {
    case 'set':
    case 'assert':
      return 1;
    case 'seq':
      return Math.min(cap, node.items.reduce((n, c) => n + size(c), 0));
    case 'alt':
      return Math.min(cap, node.alts.reduce((n, c) => n + size(c), 0) + node.alts.length - 1);
    case 'repeat': {
      const item = size(node.item);
      const n = node.max === Infinity ? item * (node.min + 1) + 1 : item * node.max + node.max - node.min;
      return Math.min(cap, n);
    }
  }
}

function isWord(cp: number): boolean {
  return (
    (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || cp === 0x5f || (cp >= 0x61 && cp <= 0x7a)
  );
}

function asciiBitmap(set: CharSet): Uint32Array {
  const bits = new Uint32Array(4);
  for (let i = 0; i < set.length; i += 2) {
    for (let c = set[i]!; c <= Math.min(set[i + 1]!, 127); c++) bits[c >> 5]! |= 1 << (c & 31);
  }
  return bits;
}

class Builder {
  op: number[] = [];
  x: number[] = [];
  y: number[] = [];
  sets: (CharSet | null)[] = [];

  add(op: number, x: number, y = -1, set: CharSet | null = null): number {
    this.op.push(op);
    this.x.push(x);
    this.y.push(y);
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
        for (let i = node.items.length - 1; i >= 0; i--) entry = this.compile(node.items[i]!, entry);
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
          this.x[loop] = this.compile(node.item, loop);
          entry = loop;
        } else {
          entry = next;
          for (let k = node.min; k < node.max; k++) entry = this.add(SPLIT, this.compile(node.item, entry), next);
        }
        for (let k = 0; k < node.min; k++) entry = this.compile(node.item, entry);
        return entry;
      }
    }
  }
}

/** A compiled pattern; `test` is synchronous and reuses scratch buffers, so share freely. */
export class Nfa {
  private readonly op: Uint8Array;
  private readonly next: Int32Array;
  private readonly alt: Int32Array;
  private readonly sets: (CharSet | null)[];
  private readonly ascii: (Uint32Array | null)[];
  private readonly start: number;
  /** Characters that can begin a match, or null when a match may consume nothing. */
  private readonly first: { ascii: Uint32Array; set: CharSet } | null;
  private readonly mark: Int32Array;
  private readonly stack: Int32Array;
  private cur: Int32Array;
  private nxt: Int32Array;
  private gen = 0;

  constructor(node: RegexNode) {
    const n = size(node);
    if (n > QUERY_LIMITS.maxRegexStates) {
      throw new RegexError(0, `regular expression too large once repeats are expanded (over ${QUERY_LIMITS.maxRegexStates} states)`, true);
    }
    const b = new Builder();
    const match = b.add(MATCH, -1);
    this.start = b.compile(node, match);
    this.op = Uint8Array.from(b.op);
    this.next = Int32Array.from(b.x);
    this.alt = Int32Array.from(b.y);
    this.sets = b.sets;
    this.ascii = b.sets.map((s) => (s ? asciiBitmap(s) : null));
    const count = this.op.length;
    this.mark = new Int32Array(count);
    this.stack = new Int32Array(2 * count + 2);
    this.cur = new Int32Array(count);
    this.nxt = new Int32Array(count);
    this.first = this.firstSet();
  }

  get states(): number {
    return this.op.length;
  }

  private firstSet(): { ascii: Uint32Array; set: CharSet } | null {
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
    const set = normalize(ranges);
    return { ascii: asciiBitmap(set), set };
  }

  private inSet(cp: number, ascii: Uint32Array, set: CharSet): boolean {
    return cp < 128 ? (ascii[cp >> 5]! & (1 << (cp & 31))) !== 0 : contains(set, cp);
  }

  /**
   * Adds the epsilon closure of `s0` at a position between `prev` and `next` (code points,
   * -1 at either end) to `list`; returns the new length, or -1 when it reaches MATCH.
   */
  private close(s0: number, prev: number, next: number, list: Int32Array, len: number): number {
    const { op, mark, stack } = this;
    const gen = this.gen;
    let sp = 0;
    stack[sp++] = s0;
    while (sp > 0) {
      const s = stack[--sp]!;
      if (mark[s] === gen) continue;
      mark[s] = gen;
      switch (op[s]) {
        case CHAR:
          list[len++] = s;
          break;
        case MATCH:
          return -1;
        case SPLIT:
          stack[sp++] = this.alt[s]!;
          stack[sp++] = this.next[s]!;
          break;
        case START:
          if (prev === -1) stack[sp++] = this.next[s]!;
          break;
        case END:
          if (next === -1) stack[sp++] = this.next[s]!;
          break;
        case WORD:
          if (isWord(prev) !== isWord(next)) stack[sp++] = this.next[s]!;
          break;
        case NOT_WORD:
          if (isWord(prev) === isWord(next)) stack[sp++] = this.next[s]!;
          break;
      }
    }
    return len;
  }

  private newGeneration(): void {
    if (++this.gen > 0x3fffffff) {
      this.mark.fill(0);
      this.gen = 1;
    }
  }

  /** True when the pattern matches somewhere in `s`. */
  test(s: string): boolean {
    const first = this.first;
    let pos = 0;
    let prev = -1;
    let cp = s.length > 0 ? s.codePointAt(0)! : -1;
    let len = 0;
    this.newGeneration();
    for (;;) {
      if (len === 0 && first !== null) {
        // Nothing in progress: jump to the next character that can begin a match.
        while (cp !== -1 && !this.inSet(cp, first.ascii, first.set)) {
          pos += cp > 0xffff ? 2 : 1;
          prev = cp;
          cp = pos < s.length ? s.codePointAt(pos)! : -1;
        }
        if (cp === -1) return false;
        // Marks left by the step into the old position must not hide states here.
        this.newGeneration();
      }
      len = this.close(this.start, prev, cp, this.cur, len);
      if (len < 0) return true;
      if (cp === -1) return false;
      const nextPos = pos + (cp > 0xffff ? 2 : 1);
      const nextCp = nextPos < s.length ? s.codePointAt(nextPos)! : -1;
      this.newGeneration();
      let nlen = 0;
      for (let i = 0; i < len; i++) {
        const st = this.cur[i]!;
        if (this.inSet(cp, this.ascii[st]!, this.sets[st]!)) {
          nlen = this.close(this.next[st]!, cp, nextCp, this.nxt, nlen);
          if (nlen < 0) return true;
        }
      }
      [this.cur, this.nxt] = [this.nxt, this.cur];
      len = nlen;
      pos = nextPos;
      prev = cp;
      cp = nextCp;
    }
  }
}
