/**
 * Downloads of the loaded results: NDJSON (one record per line, every field) and CSV
 * (RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled, CRLF
 * line ends). A spreadsheet runs a cell that starts with = + - @ (or a tab or CR) as a
 * formula, so such cells get a leading apostrophe (OWASP, "CSV Injection").
 */
import { severityLabel } from './format.js';
import type { LogRecord } from './wire.js';

export const CSV_COLUMNS = [
  'ts',
  'severity',
  'container_name',
  'stream',
  'host',
  'project',
  'service',
  'tag',
  'app',
  'source',
  'id',
  'message',
] as const;

type Column = (typeof CSV_COLUMNS)[number];

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: string | null): string {
  if (value === null || value === '') return '';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function cellValue(r: LogRecord, c: Column): string | null {
  if (c === 'severity') return r.severity === null ? null : severityLabel(r.severity).toLowerCase();
  return r[c];
}

export function toCsv(records: readonly LogRecord[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of records) lines.push(CSV_COLUMNS.map((c) => csvCell(cellValue(r, c))).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function toNdjson(records: readonly LogRecord[]): string {
  let out = '';
  for (const r of records) out += JSON.stringify(r) + '\n';
  return out;
}

/** `logharbor-20240102-030405.csv` in UTC. */
export function exportFileName(ext: 'csv' | 'ndjson', nowMs: number): string {
  const iso = new Date(nowMs).toISOString();
  const stamp = iso.slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return `logharbor-${stamp}.${ext}`;
}
