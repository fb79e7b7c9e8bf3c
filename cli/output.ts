/**
 * How the command line prints records: one terminal line per record, oldest first,
 *
 *   2026-11-28T08:40:22.123Z web stderr connection reset by peer
 *   (time, UTC to the millisecond; container, else app, tag or host; stream and level; message)
 *
 * coloured only on a terminal and never when NO_COLOR is set (no-color.org), or as NDJSON.
 * Log text is untrusted: it may carry escape sequences that move the cursor, retitle the
 * window or worse. Colour codes (SGR) are kept when colouring and removed otherwise; every
 * other control character is shown escaped, as `\x1b`.
 */
import { SEVERITY_NAMES, type StoredRecord } from '../core/record.js';

export interface Style {
  color: boolean;
}

/** Colour for a terminal stream, unless NO_COLOR is set to anything but the empty string. */
export function colorFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

const SGR = /\x1b\[[0-9;:]*m/g;
// C0 controls but tab and newline, DEL and the C1 controls (0x9b is a one-byte CSI).
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

function escapeControl(s: string): string {
  return s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** A message made safe for a terminal; with colour, its own SGR codes survive and are reset. */
export function cleanMessage(message: string, style: Style): string {
  if (!style.color) return escapeControl(message.replace(SGR, ''));
  let hadSgr = false;
  const parts = message.split(SGR);
  const codes = message.match(SGR) ?? [];
  let out = '';
  parts.forEach((p, i) => {
    out += escapeControl(p);
    const code = codes[i];
    if (code !== undefined) {
      out += code;
      hadSgr = true;
    }
  });
  return hadSgr ? `${out}\x1b[0m` : out;
}

const paint = (on: boolean, code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** A stable colour per name, as `docker compose logs` gives each service its own. */
const NAME_COLORS = ['36', '32', '33', '34', '35', '96', '92', '93', '94', '95'];
function nameColor(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return NAME_COLORS[h % NAME_COLORS.length]!;
}

function levelColor(severity: number | null, stream: string | null): string | null {
  if (severity !== null && severity <= 3) return '1;31';
  if (severity === 4) return '33';
  if (severity === 7) return '2';
  return stream === 'stderr' ? '31' : null;
}

export function formatRecord(r: StoredRecord, style: Style): string {
  const time = r.ts.length > 23 ? `${r.ts.slice(0, 23)}Z` : r.ts;
  const who = escapeControl(r.container_name ?? r.app ?? r.tag ?? r.host ?? '-');
  const level = r.severity === null ? null : (SEVERITY_NAMES[r.severity] ?? String(r.severity));
  const kind = [r.stream, level].filter((x) => x !== null).join('/') || '-';
  const lc = levelColor(r.severity, r.stream);
  return [
    paint(style.color, '2', time),
    paint(style.color, nameColor(who), who),
    lc === null ? kind : paint(style.color, lc, kind),
    cleanMessage(r.message, style),
  ].join(' ');
}

export function formatDropped(count: number): string {
  return `-- ${count} record${count === 1 ? '' : 's'} dropped: this reader fell behind --`;
}

/** A query error with a caret under the column it names (1-based, UTF-16 units). */
export function formatQueryError(query: string, message: string, column?: number): string {
  if (column === undefined || query.includes('\n')) return message;
  const line = escapeControl(query);
  const at = escapeControl(query.slice(0, column - 1)).length;
  return `${message}\n  ${line}\n  ${' '.repeat(at)}^`;
}
