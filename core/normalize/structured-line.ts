/**
 * A log line that is itself structured: a JSON object, or logfmt carrying `level=`.
 * Its fields go to attrs and its level to severity (docs/architecture.md, "The record").
 */
import type { Attrs } from '../record.js';
import { toAttrs } from './attrs.js';

/** Level names to syslog severity (RFC 5424 section 6.2.1). */
const LEVELS: Record<string, number> = {
  emerg: 0,
  emergency: 0,
  panic: 0,
  alert: 1,
  crit: 2,
  critical: 2,
  fatal: 2,
  err: 3,
  error: 3,
  eror: 3,
  warn: 4,
  warning: 4,
  notice: 5,
  info: 6,
  information: 6,
  informational: 6,
  debug: 7,
  dbug: 7,
  trace: 7,
};

/** Severity from a level field: a name, a syslog number 0-7, or a pino/bunyan number 10-60. */
export function severityOf(level: unknown): number | null {
  if (typeof level === 'string') {
    const s = LEVELS[level.trim().toLowerCase()];
    if (s !== undefined) return s;
    return /^\d+$/.test(level) ? severityOf(Number(level)) : null;
  }
  if (typeof level === 'number' && Number.isInteger(level)) {
    if (level >= 0 && level <= 7) return level;
    // pino / bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal
    if (level >= 10 && level <= 60 && level % 10 === 0) return [7, 7, 6, 4, 3, 2][level / 10 - 1]!;
  }
  return null;
}

const LEVEL_KEYS = ['level', 'lvl', 'severity', 'levelname', 'log.level'];

export interface StructuredLine {
  fields: Attrs;
  severity: number | null;
}

function levelFrom(fields: Record<string, unknown>): number | null {
  for (const k of LEVEL_KEYS) {
    if (k in fields) {
      const s = severityOf(fields[k]);
      if (s !== null) return s;
    }
  }
  const log = fields.log;
  if (log && typeof log === 'object' && 'level' in log)
    return severityOf((log as { level: unknown }).level);
  return null;
}

/**
 * logfmt pairs: key=value, key="quoted value", bare keys ignored. Exactly what the regex
 *
 *   /([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)/g, quoted values unescaped by /\\(.)/g
 *
 * finds (test/unit/normalize/logfmt.test.ts holds it as the oracle), scanned by hand: the
 * regex cost ~4 µs a line, and every line is parsed on ingest, when a pack is written, when
 * it is read and when it is merged (core/packs/attrs-column.ts).
 *
 *   key:   a letter or _ , then the rest of its run of [\w.-]; the run must end at "=" (a
 *          failed start fails for every later start in the same run, so the scan skips it)
 *   value: "..." with \x escapes, when it closes before the line ends and no backslash
 *          precedes a line terminator (which "." does not match); else the run of
 *          characters that are neither white space (JS \s) nor '"' (empty at a '"')
 */
export function parseLogfmt(line: string): Record<string, string> | null {
  if (!/(?:^|\s)(?:level|lvl)=/.test(line)) return null;
  const out: Record<string, string> = {};
  const n = line.length;
  let i = 0;
  while (i < n) {
    const c = line.charCodeAt(i);
    if (!isKeyStart(c)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < n && isKeyPart(line.charCodeAt(j))) j++;
    if (j >= n || line.charCodeAt(j) !== 0x3d /* = */) {
      i = j;
      continue;
    }
    const key = line.slice(i, j);
    const v = j + 1;
    const close = v < n && line.charCodeAt(v) === 0x22 /* " */ ? quotedEnd(line, v) : -1;
    if (close >= 0) {
      out[key] = unescaped(line, v + 1, close);
      i = close + 1;
    } else {
      let e = v;
      while (e < n && !isSpace(line.charCodeAt(e)) && line.charCodeAt(e) !== 0x22) e++;
      out[key] = line.slice(v, e);
      i = e;
    }
  }
  return out;
}

/** [A-Za-z_] */
function isKeyStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

/** [\w.-] */
function isKeyPart(c: number): boolean {
  return isKeyStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d;
}

/** Line terminators, which the regex "." does not match (ECMA-262, LineTerminator). */
function isLineTerminator(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029;
}

/** JS \s: WhiteSpace and LineTerminator (ECMA-262, CharacterClassEscape). */
function isSpace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** The index of the quote closing the value opened at `open`, or -1 when it does not close. */
function quotedEnd(line: string, open: number): number {
  for (let k = open + 1; k < line.length; k++) {
    const c = line.charCodeAt(k);
    if (c === 0x22) return k;
    if (c === 0x5c /* \ */) {
      if (k + 1 >= line.length || isLineTerminator(line.charCodeAt(k + 1))) return -1;
      k++;
    }
  }
  return -1;
}

/** line[from, to) with each backslash dropped before the character it escapes. */
function unescaped(line: string, from: number, to: number): string {
  const first = line.indexOf('\\', from);
  if (first < 0 || first >= to) return line.slice(from, to);
  let out = '';
  let start = from;
  for (let k = first; k < to; k++) {
    if (line.charCodeAt(k) !== 0x5c) continue;
    out += line.slice(start, k);
    start = k + 1; // the escaped character starts the next piece
    k++;
  }
  return out + line.slice(start, to);
}

/** Longest line parsed as JSON: parsing is skipped past it to keep ingest cost bounded. */
const MAX_PARSE = 64 * 1024;

export function parseStructuredLine(message: string): StructuredLine | null {
  if (message.length > MAX_PARSE) return null;
  if (message.charCodeAt(0) === 0x7b /* { */) {
    const body = message.trimEnd();
    if (body.charCodeAt(body.length - 1) !== 0x7d /* } */) return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return null;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    const fields = parsed as Record<string, unknown>;
    return { fields: toAttrs(fields), severity: levelFrom(fields) };
  }
  const logfmt = parseLogfmt(message);
  if (!logfmt) return null;
  return { fields: logfmt, severity: levelFrom(logfmt) };
}

/**
 * A record's parse, kept with the record while its message is unchanged. A line is parsed
 * where it arrives (its fields go to attrs), again where its pack is written (which of its
 * attrs the line gives back: core/packs/attrs-column.ts), and a merged pack's rows where
 * they are decoded and again where they are encoded: the second parse of each pair was a
 * twelfth of the collector's main thread at full ingest. Weak: gone with the record.
 *
 * Every record waiting in the spool's drain window holds its entry, so an entry is one
 * object (the parse and the message it is of) and only lines that parse are kept: a heap
 * snapshot at full ingest showed 123,000 records in flight, their entries (and the map's
 * table) a sixth of the live heap when every record kept two objects. A line that does not
 * parse fails fast (its first character, or the level test) and is tried again.
 */
interface Kept extends StructuredLine {
  readonly message: string;
}
const parses = new WeakMap<object, Kept>();

/** parseStructuredLine(holder.message), parsed once per holder and message. */
export function structuredOf(holder: { readonly message: string }): StructuredLine | null {
  const kept = parses.get(holder);
  if (kept !== undefined && kept.message === holder.message) return kept;
  const line = parseStructuredLine(holder.message);
  if (line === null) return null;
  const entry: Kept = { fields: line.fields, severity: line.severity, message: holder.message };
  parses.set(holder, entry);
  return entry;
}
