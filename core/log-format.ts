/**
 * logharbor's own log lines for a person at a terminal: pino writes JSON lines, and on a
 * TTY this turns each into
 *
 *   14:03:27.512 INFO  migrations applied applied=["010_x.sql"]
 *   14:03:29.004 WARN  forward request dropped role=collector reason="gzip payload: ..."
 *
 * (local time to the millisecond, level, message, then every other field as key=value;
 * an error's stack on the lines below). Off a TTY the JSON lines stay as they are, for
 * log shippers. A few lines a minute at most, so a small formatter here rather than
 * pino-pretty and its dependencies. Fields may hold text from the wire (a tag, a
 * reason): control characters are escaped so a log line cannot move the cursor.
 */

/** pino's numeric levels. */
const LEVELS: Record<number, [name: string, color: string]> = {
  10: ['TRACE', '90'],
  20: ['DEBUG', '90'],
  30: ['INFO', '32'],
  40: ['WARN', '33'],
  50: ['ERROR', '31'],
  60: ['FATAL', '1;31'],
};

/** Fields every line has (or that say nothing to a person): not printed as key=value. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'app', 'v']);

// C0 controls but tab, DEL and the C1 controls.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;
const escape = (s: string) =>
  s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function clock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? escape(v) : escape(JSON.stringify(v));
  return escape(JSON.stringify(v) ?? String(v));
}

/** One JSON line from pino as a terminal line (with a trailing newline); other text as is. */
export function formatLogLine(line: string, color: boolean): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (typeof o !== 'object' || o === null) return line;
  const [name, code] = LEVELS[Number(o.level)] ?? [String(o.level), '0'];
  const paint = (c: string, s: string) => (color ? `\x1b[${c}m${s}\x1b[0m` : s);
  const parts = [
    paint('2', clock(typeof o.time === 'number' ? o.time : Date.now())),
    paint(code, name.padEnd(5)),
    escape(typeof o.msg === 'string' ? o.msg : ''),
  ];
  let stack = '';
  for (const [k, v] of Object.entries(o)) {
    if (HIDDEN.has(k)) continue;
    // pino's error serializer: { type, message, stack }; the message inline, the stack below.
    if (
      typeof v === 'object' &&
      v !== null &&
      typeof (v as { stack?: unknown }).stack === 'string'
    ) {
      const e = v as { message?: unknown; stack: string };
      parts.push(`${paint('2', `${k}=`)}${value(e.message ?? '')}`);
      stack = e.stack
        .split('\n')
        .slice(1)
        .map((l) => `    ${escape(l.trim())}`)
        .join('\n');
      continue;
    }
    parts.push(`${paint('2', `${k}=`)}${value(v)}`);
  }
  return `${parts.join(' ')}\n${stack === '' ? '' : `${stack}\n`}`;
}
