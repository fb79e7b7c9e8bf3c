/**
 * The per-stream state machine of one held message: given its state and the next line of
 * the same stream, does the line continue the message? Pure: text and state in, verdict
 * out (time and size limits are the joiner's). Shapes: classify.ts.
 *
 *   start line ─► lead (level / ':' line) ─ trace start or indented ─► stack | python | go | indent
 *             ─► stack (Java, Node, .NET frames)       ─► nodeSource ─► nodeCaret ─► nodeGap ─► stack
 *             ─► pyFrames ─ final `XError: m` ─► pyEnd ─ `The above exception ...` ─► pyChain ─► pyFrames
 *             ─► go
 *
 * A blank line is only ever *tentatively* part of a message (`blank`): it stays in it if a
 * continuation follows (Python's chained tracebacks, Go's goroutines, Node's trailer), and
 * is written as its own record otherwise. At most two in a row.
 */
import {
  PY_CAUSE,
  PY_CONTEXT,
  Start,
  isBlank,
  isCaret,
  isCausedBy,
  isClosingBrace,
  isGoContinuation,
  isIndented,
  isNodeVersion,
  isPythonFinal,
  isPythonTraceback,
  isTraceStart,
  startOf,
  type LevelLines,
  type StartKind,
} from './classify.js';

export const State = {
  /** One level or ':' line so far: a trace start or an indented line may follow. */
  lead: 0,
  /** Indented lines after a lead line. */
  indent: 1,
  /** `at` frames, `Caused by:`, Node's `{ ... }` block and `Node.js v..` trailer. */
  stack: 2,
  nodeSource: 3,
  nodeCaret: 4,
  nodeGap: 5,
  pyFrames: 6,
  pyEnd: 7,
  pyChain: 8,
  go: 9,
} as const;
type StateValue = (typeof State)[keyof typeof State];

/** What a joined record says it is (attrs.multiline_kind). */
export type MultilineKind = 'java' | 'python' | 'go' | 'node' | 'lines';

export const Verdict = { append: 0, blank: 1, end: 2 } as const;
export type VerdictValue = (typeof Verdict)[keyof typeof Verdict];

/** Most blank lines held in a row inside a message. */
const MAX_BLANKS = 2;

export interface Machine {
  state: StateValue;
  kind: MultilineKind;
  /** Blank lines held tentatively since the last line that continued the message. */
  blanks: number;
}

/** The machine for a message whose first line is `text`, which starts `start`. */
export function begin(start: StartKind, text: string): Machine {
  const m: Machine = { state: State.lead, kind: 'lines', blanks: 0 };
  enter(m, start, text);
  return m;
}

function enter(m: Machine, start: StartKind, text: string): void {
  switch (start) {
    case Start.level:
    case Start.colon:
      m.state = State.lead;
      m.kind = 'lines';
      return;
    case Start.javaException:
      m.state = State.stack;
      m.kind = 'java';
      return;
    case Start.errorLine:
      m.state = State.stack;
      m.kind = 'node';
      return;
    case Start.atFrame:
      m.state = State.stack;
      m.kind = text.charCodeAt(0) === 9 ? 'java' : 'node';
      return;
    case Start.nodeHeader:
      m.state = State.nodeSource;
      m.kind = 'node';
      return;
    case Start.pythonTraceback:
    case Start.pythonFrame:
      m.state = State.pyFrames;
      m.kind = 'python';
      return;
    case Start.go:
      m.state = State.go;
      m.kind = 'go';
      return;
    default:
      throw new Error(`not a start: ${start}`);
  }
}

/** Does `text`, the next line of the stream, continue the message? Updates `m`. */
export function step(m: Machine, text: string, levels: LevelLines): VerdictValue {
  if (isBlank(text)) {
    if (!blankAllowed(m.state) || m.blanks >= MAX_BLANKS) return Verdict.end;
    m.blanks++;
    return Verdict.blank;
  }
  const blanks = m.blanks;
  const v = nonBlank(m, text, levels, blanks);
  if (v === Verdict.append) m.blanks = 0;
  return v;
}

function blankAllowed(s: StateValue): boolean {
  return s !== State.lead && s !== State.nodeSource && s !== State.nodeCaret;
}

function nonBlank(m: Machine, text: string, levels: LevelLines, blanks: number): VerdictValue {
  const indented = isIndented(text);
  switch (m.state) {
    case State.lead: {
      const s = startOf(text, levels);
      if (isTraceStart(s)) {
        enter(m, s, text);
        return Verdict.append;
      }
      if (!indented) return Verdict.end;
      m.state = State.indent;
      return Verdict.append;
    }
    case State.indent:
      return indented ? Verdict.append : Verdict.end;
    case State.stack:
      if (indented || isCausedBy(text) || isClosingBrace(text)) return Verdict.append;
      return blanks > 0 && isNodeVersion(text) ? Verdict.append : Verdict.end;
    case State.nodeSource:
      m.state = State.nodeCaret;
      return Verdict.append;
    case State.nodeCaret:
      if (!isCaret(text)) return Verdict.end;
      m.state = State.nodeGap;
      return Verdict.append;
    case State.nodeGap:
      // Node prints the error (its stack, or `Uncaught 'x'`) after one blank line.
      if (blanks === 0) return Verdict.end;
      m.state = State.stack;
      return Verdict.append;
    case State.pyFrames:
      if (indented) return blanks > 0 ? Verdict.end : Verdict.append;
      if (!isPythonFinal(text)) return Verdict.end;
      m.state = State.pyEnd;
      return Verdict.append;
    case State.pyEnd:
      if (blanks > 0 && (text === PY_CAUSE || text === PY_CONTEXT)) {
        m.state = State.pyChain;
        return Verdict.append;
      }
      return indented && blanks === 0 ? Verdict.append : Verdict.end;
    case State.pyChain:
      if (blanks === 0 || !isPythonTraceback(text)) return Verdict.end;
      m.state = State.pyFrames;
      return Verdict.append;
    case State.go:
      return indented || isGoContinuation(text) ? Verdict.append : Verdict.end;
  }
}
