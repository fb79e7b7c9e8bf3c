/**
 * The tail's regex matcher: the NFA of nfa.ts run as a lazily built DFA (the approach of
 * RE2 and Rust's regex crate). Each DFA state is the set of NFA states in flight plus
 * what precedes the position (start, word or other character, for ^ and \b); transitions
 * are computed on first use and cached, so a typical pattern costs one array lookup per
 * character, and no pattern backtracks: V8's own RegExp would spend hours on /(a+)+$/.
 *
 * A pattern whose DFA explodes (/[ab]*a[ab]{99}/) pays NFA cost on every character. That
 * cost is counted, and past MAX_WORK for one message the matcher throws QUERY_TIMEOUT,
 * the tail's counterpart of PostgreSQL's statement_timeout, instead of stalling the process.
 */
import { Errors, LogharborError } from '../../../core/errors.js';
import { WORD, contains, normalize, type CharSet } from '../../../core/query/regex/charset.js';
import { AT_START, before, Program, type Before } from '../../../core/query/regex/nfa.js';
import type { RegexNode } from '../../../core/query/regex/parse.js';
import { classFinder, requiredRun, requiredRuns } from './prefilter.js';

/** NFA states touched while building transitions for one message (~50-150 ns each). */
const MAX_WORK = 2_000_000;
/** Cached DFA states and transitions; past either the cache starts over. */
const MAX_DFA_STATES = 4096;
const MAX_TRANSITIONS = 262_144;

interface DState {
  /** NFA states in flight before closure, ascending; always includes the start state. */
  states: number[];
  before: Before;
  /** Nothing in flight but a new attempt from the start state. */
  idle: boolean;
  /** Transitions by character class (see CharClasses). */
  next: (DState | undefined)[];
  /** Whether the text may end here, once computed. */
  end: boolean | undefined;
}

function dstate(states: number[], b: Before, idle: boolean): DState {
  return { states, before: b, idle, next: [], end: undefined };
}

/**
 * A partition of the code points into classes that no set of the program (nor \b's word
 * characters) tells apart, so transitions are cached per class: text in a script the
 * pattern never names (CJK, say) is one class, not thousands of code points.
 */
class CharClasses {
  private readonly bounds: number[];
  private readonly ascii = new Uint16Array(128);

  constructor(sets: CharSet[]) {
    const edges = new Set<number>();
    for (const set of [...sets, WORD]) {
      for (let i = 0; i < set.length; i += 2) edges.add(set[i]!).add(set[i + 1]! + 1);
    }
    this.bounds = [...edges].sort((a, b) => a - b);
    for (let c = 0; c < 128; c++) this.ascii[c] = this.search(c);
  }

  /** Number of bounds <= cp. */
  private search(cp: number): number {
    let lo = 0;
    let hi = this.bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.bounds[mid]! <= cp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  of(cp: number): number {
    return cp < 128 ? this.ascii[cp]! : this.search(cp);
  }
}

const MATCHED = dstate([], AT_START, false);

export class RegexMatcher {
  private readonly prog: Program;
  private readonly required: RegExp | null;
  /** Runs of characters every match contains (prefilter.ts): a line missing one cannot match. */
  private readonly runs: RegExp[];
  private readonly first: RegExp | null;
  private readonly classes: CharClasses;
  private cache = new Map<string, DState>();
  /** The idle states by what precedes them, kept out of the string-keyed lookup. */
  private idle: (DState | undefined)[] = [];
  private transitions = 0;
  private work = 0;

  constructor(node: RegexNode) {
    this.prog = new Program(node);
    this.required = requiredRun(node);
    this.runs = requiredRuns(node);
    const first = this.prog.firstChars();
    this.first = first === null ? null : classFinder(normalize(first));
    this.classes = new CharClasses(this.prog.sets);
  }

  /** NFA states, for tests and limits. */
  get states(): number {
    return this.prog.size;
  }

  private intern(states: number[], b: Before): DState {
    const key = `${b}:${states.join(',')}`;
    let d = this.cache.get(key);
    if (d === undefined) {
      if (this.cache.size >= MAX_DFA_STATES || this.transitions >= MAX_TRANSITIONS) {
        this.cache = new Map();
        this.idle = [];
        this.transitions = 0;
      }
      d = dstate(states, b, states.length === 1 && states[0] === this.prog.start);
      this.cache.set(key, d);
    }
    return d;
  }

  private idleState(b: Before): DState {
    return (this.idle[b] ??= this.intern([this.prog.start], b));
  }

  private charge(n: number): void {
    this.work += n;
    if (this.work > MAX_WORK) {
      throw new LogharborError(
        Errors.QUERY_TIMEOUT,
        'the regular expression needs too much work on a long message; make it more specific',
      );
    }
  }

  /** The state after reading `cp` (of class `cls`) in `d`; MATCHED when a match ends before it. */
  private step(d: DState, cls: number, cp: number): DState {
    const prog = this.prog;
    const chars: number[] = [];
    const cost = prog.close(d.states, d.before, cp, chars);
    let out: DState;
    if (cost < 0) out = MATCHED;
    else {
      prog.newMarks();
      const next: number[] = [];
      for (const s of chars) {
        const t = prog.next[s]!;
        if (contains(prog.sets[s]!, cp) && prog.visit(t)) next.push(t);
      }
      // Unanchored search: a new attempt may start at every position.
      if (prog.visit(prog.start)) next.push(prog.start);
      next.sort((a, b) => a - b);
      // Closure, stepping, sorting and the cache key each touch every state once.
      this.charge(cost + chars.length + 2 * next.length);
      out = this.intern(next, before(cp));
    }
    this.transitions++;
    d.next[cls] = out;
    return out;
  }

  private atEnd(d: DState): boolean {
    if (d.end === undefined) d.end = this.prog.close(d.states, d.before, -1, []) < 0;
    return d.end;
  }

  /** True when the pattern matches somewhere in `s`; may throw QUERY_TIMEOUT (see above). */
  test(s: string): boolean {
    if (this.required !== null && !this.required.test(s)) return false;
    for (const r of this.runs) if (!r.test(s)) return false;
    this.work = 0;
    let d = this.idleState(AT_START);
    let pos = 0;
    while (pos < s.length) {
      if (d.idle && this.first !== null) {
        // Nothing in flight: jump to the next character that can begin a match.
        this.first.lastIndex = pos;
        const hit = this.first.exec(s);
        if (hit === null) return false;
        if (hit.index !== pos) {
          pos = hit.index;
          d = this.idleState(before(codePointBefore(s, pos)));
        }
      }
      const cp = s.codePointAt(pos)!;
      const cls = this.classes.of(cp);
      d = d.next[cls] ?? this.step(d, cls, cp);
      if (d === MATCHED) return true;
      pos += cp > 0xffff ? 2 : 1;
    }
    return this.atEnd(d);
  }
}

function codePointBefore(s: string, pos: number): number {
  const c = s.charCodeAt(pos - 1);
  if (c >= 0xdc00 && c <= 0xdfff && pos >= 2) return s.codePointAt(pos - 2)!;
  return c;
}
