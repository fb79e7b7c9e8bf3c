/**
 * What one line may be, as text alone (docs/architecture.md, "Multi-line messages"): the
 * start of a multi-line message (a runtime's stack trace or crash report, a plain-text log
 * line at level ERROR/SEVERE/CRITICAL, a line ending in ':'), or, given the state of the
 * message held for its stream, its continuation. Pure functions of the text; message.ts
 * runs the per-stream machine on top of them.
 *
 * The shapes are the runtimes' own output (test/fixtures/multiline/ holds real captures):
 *
 *   Java   `java.lang.IllegalStateException: msg` | `Exception in thread "main" ...`,
 *          then `\tat a.B.c(B.java:1)`, `Caused by: ...`, `\t... 2 more`, `\tSuppressed: ...`
 *   Python `Traceback (most recent call last):`, indented `  File "..."` and code lines,
 *          the final `KeyError: 'x'`; chained by a blank line, `The above exception was the
 *          direct cause ...` / `During handling of the above exception ...`, a blank line
 *   Go     `panic: msg` | `fatal error: msg`, `[signal ...]`, a blank line,
 *          `goroutine 18 [running]:`, `main.f(0x1?)` / `\t/app/main.go:22 +0x9f` pairs,
 *          `created by main.main`, a blank line between goroutines
 *   Node   `/app/x.js:5` (or `file:///...`, `node:internal/...`), the source line, a caret
 *          line, a blank line, `RangeError: msg`, `    at f (/app/x.js:5:30)` frames, a
 *          `{ code: ..., [cause]: ... }` block closed by `}`, a blank line, `Node.js v20.x`
 *
 * The common line (JSON, an access log, logfmt, a timestamped INFO line) must cost a few
 * tens of ns: `startOf` dispatches on the first character, looks at the first token, and
 * makes one single-character search (`indexOf('R')`, the letter all of ERROR, SEVERE and
 * CRITICAL share) before any word is compared.
 */

/** What a line may start. */
export const Start = {
  none: 0,
  /** A plain-text log line at level ERROR, SEVERE or CRITICAL (WARN/WARNING when asked). */
  level: 1,
  /** A line ending in ':' (`Stack trace:`, `Caused by the following:`). */
  colon: 2,
  /** A Java-style exception line: a dotted class name, or `Exception in thread "..."`. */
  javaException: 3,
  /** An undotted `SomeError: msg` / `Error` line (Node, browsers, .NET-style). */
  errorLine: 4,
  /** Node's uncaught-exception header: `/path/file.js:12` alone on its line. */
  nodeHeader: 5,
  pythonTraceback: 6,
  /** `panic: `, `fatal error: `, `goroutine N [state]:`, `SIGQUIT: quit`. */
  go: 7,
  /** An `at` frame with no header before it (`\tat a.B.c(B.java:1)`, `    at f (x.js:1:2)`). */
  atFrame: 8,
  /** A Python `  File "x.py", line 1, in f` frame with no header before it. */
  pythonFrame: 9,
} as const;
export type StartKind = (typeof Start)[keyof typeof Start];

/** Which plain-text level lines may start a message. */
export type LevelLines = 'error' | 'warn' | 'off';

const TAB = 9;
const SPACE = 32;
const COLON = 58;

/** True for a line that begins with a space or a tab. */
export function isIndented(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === SPACE || c === TAB;
}

/** True for an empty or whitespace-only line. */
export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== SPACE && c !== TAB && c !== 13) return false;
  }
  return true;
}

/** What `text` may start; `levels` says which level words count. */
export function startOf(text: string, levels: LevelLines): StartKind {
  const n = text.length;
  if (n === 0) return Start.none;
  const c = text.charCodeAt(0);
  if (c === 0x7b /* { */) return Start.none; // a JSON line is whole
  if (c === SPACE || c === TAB) return indentedStart(text);
  // Class names start with a letter; a timestamp or an address does not.
  if (c > 0x40) {
    const special = byFirstChar(text, c);
    if (special !== Start.none) return special;
    const token = exceptionToken(text);
    if (token !== Start.none) return token;
  } else if (c === 0x2f /* / */ && NODE_HEADER.test(text)) return Start.nodeHeader;
  if (levels !== 'off' && hasLevelWord(text, levels === 'warn')) return Start.level;
  if (text.charCodeAt(n - 1) === COLON && n > 1) return Start.colon;
  return Start.none;
}

/** Orphan frames: the trace's header was not recognized (or was cut off by a limit). */
function indentedStart(text: string): StartKind {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
  if (text.startsWith('at ', i) && i + 3 < text.length) return Start.atFrame;
  if (text.startsWith('File "', i)) return Start.pythonFrame;
  return Start.none;
}

const TRACEBACK = 'Traceback (most recent call last):';
const GOROUTINE = /^goroutine \d+ \[[^\]]*\]:$/;
const SIGNAL = /^SIG[A-Z]+: /;
/** Node's header: a path or URL with a line number, alone (no space in it). */
const NODE_HEADER = /^(?:\/|file:\/\/|node:)\S*:\d+$/;

function byFirstChar(text: string, c: number): StartKind {
  switch (c) {
    case 0x54 /* T */:
      return text.startsWith(TRACEBACK) ? Start.pythonTraceback : Start.none;
    case 0x70 /* p */:
      return text.startsWith('panic: ') ? Start.go : Start.none;
    case 0x66 /* f */:
      if (text.startsWith('fatal error: ')) return Start.go;
      return text.startsWith('file://') && NODE_HEADER.test(text) ? Start.nodeHeader : Start.none;
    case 0x67 /* g */:
      return text.startsWith('goroutine ') && GOROUTINE.test(text) ? Start.go : Start.none;
    case 0x53 /* S */:
      return text.startsWith('SIG') && SIGNAL.test(text) ? Start.go : Start.none;
    case 0x45 /* E */:
      return text.startsWith('Exception in thread "') ? Start.javaException : Start.none;
    case 0x6e /* n */:
      return text.startsWith('node:') && NODE_HEADER.test(text) ? Start.nodeHeader : Start.none;
    default:
      return Start.none;
  }
}

/**
 * The first token names an exception: `java.lang.IllegalStateException: msg`,
 * `TypeError: msg`, `Error [ERR_X]: msg`, `com.example.MyError` alone. Scans identifier
 * characters from the start, so a line that starts with a date or an address stops at once.
 */
function exceptionToken(text: string): StartKind {
  let i = 0;
  let dotted = false;
  const n = text.length;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e /* . */) {
      dotted = true;
      continue;
    }
    if (
      (c >= 0x61 && c <= 0x7a) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x5f /* _ */ ||
      c === 0x24 /* $ */
    )
      continue;
    break;
  }
  if (i < 5) return Start.none;
  const after = i === n ? -1 : text.charCodeAt(i);
  const bracket = after === SPACE && text.charCodeAt(i + 1) === 0x5b; /* `Error [ERR_X]: ` */
  if (after !== -1 && after !== COLON && !bracket) return Start.none;
  if (!endsWithExceptionName(text, i)) return Start.none;
  return dotted ? Start.javaException : Start.errorLine;
}

function endsWithExceptionName(text: string, end: number): boolean {
  return (
    (end >= 5 && text.startsWith('Error', end - 5)) ||
    (end >= 9 && text.startsWith('Exception', end - 9)) ||
    (end >= 9 && text.startsWith('Throwable', end - 9))
  );
}

/**
 * An upper-case level word (ERROR, SEVERE, CRITICAL; WARN, WARNING with `warn`) standing
 * alone as a word. All of them hold an `R`: one single-character search rules out most
 * lines (upper-case R is rare in log text), then the words around each R are checked.
 */
function hasLevelWord(text: string, warn: boolean): boolean {
  let r = text.indexOf('R');
  while (r !== -1) {
    if (levelWordAround(text, r, warn)) return true;
    r = text.indexOf('R', r + 1);
  }
  return false;
}

/** `word` stands at `start` of `text` as a word of its own. */
function wordAt(text: string, start: number, word: string): boolean {
  if (start < 0 || !text.startsWith(word, start)) return false;
  if (start > 0 && isWordChar(text.charCodeAt(start - 1))) return false;
  const end = start + word.length;
  return end >= text.length || !isWordChar(text.charCodeAt(end));
}

/** Is the R at `r` inside a level word? Each word is tried at the offset its first R has. */
function levelWordAround(text: string, r: number, warn: boolean): boolean {
  switch (text.charCodeAt(r - 1)) {
    case 0x45 /* E: ERROR, sEVERE */:
      return wordAt(text, r - 1, 'ERROR') || wordAt(text, r - 4, 'SEVERE');
    case 0x43 /* C: CRITICAL */:
      return wordAt(text, r - 1, 'CRITICAL');
    case 0x41 /* A: WARN, WARNING */:
      return warn && (wordAt(text, r - 2, 'WARN') || wordAt(text, r - 2, 'WARNING'));
    default:
      return false;
  }
}

function isWordChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x2d /* -: `ERROR-PAGE` is a name, not a level */
  );
}

// ---- continuations (used by message.ts, per state)

/** `Caused by: ...`, `Wrapped by: ...` at any indentation (Java, Kotlin, Reactor). */
export function isCausedBy(text: string): boolean {
  let i = 0;
  while (i < text.length && (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB)) i++;
  return text.startsWith('Caused by: ', i) || text.startsWith('Wrapped by: ', i);
}

/** The `}` (or `]`) closing Node's `{ code: ..., [cause]: ... }` block after the frames. */
export function isClosingBrace(text: string): boolean {
  return /^[}\]][,;]?\s*$/.test(text);
}

export function isNodeVersion(text: string): boolean {
  return text.startsWith('Node.js v');
}

/** A caret line under the source line of Node's header (`        ^`). */
export function isCaret(text: string): boolean {
  return /^\s*\^+\s*$/.test(text);
}

/** Python's last line of a traceback: `KeyError: 'x'`, `mod.Error: msg`, `KeyboardInterrupt`. */
export function isPythonFinal(text: string): boolean {
  return /^[A-Za-z_][\w.]*(?::|$)/.test(text);
}

export const PY_CAUSE = 'The above exception was the direct cause of the following exception:';
export const PY_CONTEXT = 'During handling of the above exception, another exception occurred:';

export function isPythonTraceback(text: string): boolean {
  return text.startsWith(TRACEBACK);
}

/** Go's runtime lines after `panic:`/`fatal error:` that are not indented. */
const GO_CALL = /^[^\s(]+\(.*\)$/;
const GO_REGISTER = /^[a-z0-9]{1,4}\s+0x[0-9a-f]+$/;

export function isGoContinuation(text: string): boolean {
  switch (text.charCodeAt(0)) {
    case 0x67 /* g */:
      if (GOROUTINE.test(text)) return true;
      break;
    case 0x63 /* c */:
      if (text.startsWith('created by ')) return true;
      break;
    case 0x5b /* [ */:
      if (text.startsWith('[signal ')) return true;
      break;
    case 0x70 /* p */:
      if (text.startsWith('panic: ')) return true;
      break;
    case 0x66 /* f */:
      if (text.startsWith('fatal error: ')) return true;
      break;
    case 0x72 /* r */:
      if (text.startsWith('runtime stack:') || text.startsWith('runtime: ')) return true;
      break;
    case 0x65 /* e */:
      if (/^exit status \d+$/.test(text)) return true;
      break;
    case 0x2e /* . */:
      if (text === '...additional frames elided...') return true;
      break;
    case 0x50 /* P */:
      if (text.startsWith('PC=')) return true;
      break;
  }
  return GO_CALL.test(text) || GO_REGISTER.test(text);
}

/** A line that may begin a runtime's trace after a level or ':' line (not another level line). */
export function isTraceStart(kind: StartKind): boolean {
  return kind >= Start.javaException;
}
