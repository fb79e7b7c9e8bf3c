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

/** logfmt pairs: key=value, key="quoted value", bare keys ignored. */
const LOGFMT_PAIR = /([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)/g;

function parseLogfmt(line: string): Record<string, string> | null {
  if (!/(?:^|\s)(?:level|lvl)=/.test(line)) return null;
  const out: Record<string, string> = {};
  for (const m of line.matchAll(LOGFMT_PAIR)) {
    const raw = m[2]!;
    out[m[1]!] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return out;
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
